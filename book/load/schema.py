"""Checking a YAML mapping against a schema of keys and types, and the project files its values name: the rules
book.yaml and its editions share."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..infra.errors import BookError
from .paths import file_problem, remote_reason, resolve_inside
from .yamlfile import YamlDoc


def type_name(kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "text", list: "a list", dict: "a mapping", int: "a whole number", bool: "true or false",
             dt.date: "a date (YYYY-MM-DD)"}
    return " or ".join(names[k] for k in kinds)


def has_type(value, kind) -> bool:
    # bool is an int in Python; a YAML `yes` must not pass as a number
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def check_keys(doc: YamlDoc, mapping: dict, schema: dict, where: tuple, errors: list) -> None:
    """Append an error for each unknown, mistyped or missing key of `mapping` (found at key path `where`)."""
    for key, value in mapping.items():
        if key not in schema:
            known = ", ".join(sorted(schema))
            errors.append(BookError(doc.path, doc.line(*where, key), f"unknown key '{key}'", f"expected one of: {known}"))
            continue
        kind, _ = schema[key]
        if not has_type(value, kind):
            errors.append(BookError(doc.path, doc.line(*where, key),
                                    f"'{key}' must be {type_name(kind)}, not {type(value).__name__} {value!r}"))
    for key, (_, required) in schema.items():
        if required and key not in mapping:
            errors.append(BookError(doc.path, doc.line(*where), f"missing required key '{key}'"))


def project_file(root: Path, doc: YamlDoc, keys: tuple, reference: str, errors: list) -> Path | None:
    """The project file a config value names, or None after recording why it cannot be used."""
    reason = remote_reason(reference)
    path = None if reason else resolve_inside(root, root, reference)
    if reason or path is None:
        errors.append(BookError(doc.path, doc.line(*keys), reason or f"'{reference}' is outside the project folder",
                                "use a path relative to book.yaml, inside the project"))
        return None
    problem = file_problem(path, root)
    if problem:
        message = f"file not found: {reference}" if problem == "file not found" else f"'{reference}' {problem}"
        errors.append(BookError(doc.path, doc.line(*keys), message, "name a regular file inside the project"))
        return None
    return path
