"""YAML documents that remember the line of every key, so errors can say where."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..infra.errors import BookError
from ..infra.limits import MAX_CHAPTER_BYTES, MAX_YAML_BYTES, MAX_YAML_VALUES
from .paths import read_bytes


@dataclass
class YamlDoc:
    """Parsed YAML plus the 1-based source line of each key path, e.g. ('editions', 'print', 'page_size')."""

    path: Path
    data: Any
    lines: dict[tuple, int] = field(default_factory=dict)
    first_line: int = 1

    def line(self, *keys) -> int:
        """Line of the deepest known key along `keys` (the document start if none)."""
        keys = tuple(keys)
        while keys:
            if keys in self.lines:
                return self.lines[keys]
            keys = keys[:-1]
        return self.first_line


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader without implicit timestamps: `2026-02-30` stays text, and config checks it with a line."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


class _FastLoader(getattr(yaml, "CSafeLoader", _Loader)):
    """The same loader on libyaml's parser: about ten times faster (book.yaml is read several times a build).
    For a document it refuses, the pure-Python loader runs again, for its messages."""


_FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers


def _walk(node: yaml.Node, prefix: tuple, offset: int, lines: dict) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (*prefix, key_node.value)
            lines[key] = key_node.start_mark.line + 1 + offset
            _walk(value_node, key, offset, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            key = (*prefix, index)
            lines[key] = item.start_mark.line + 1 + offset
            _walk(item, key, offset, lines)


def _check_expansion(root: yaml.Node, path: Path, offset: int) -> None:
    """Refuse a document whose aliases refer to themselves or expand to more than MAX_YAML_VALUES values.

    PyYAML shares an aliased node instead of copying it, so a "billion laughs" document is small in memory
    until something walks it: every later step does. Sizes are counted once per node, so this check is cheap.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise BookError(path, node.start_mark.line + 1 + offset, "a YAML alias refers to the value that contains it",
                            "an anchor (&name) cannot be used (*name) inside its own value")
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        open_nodes.discard(key)
        if total > MAX_YAML_VALUES:
            raise BookError(path, node.start_mark.line + 1 + offset,
                            f"YAML aliases expand to more than {MAX_YAML_VALUES:,} values",
                            "write the values out, or use fewer nested aliases (*name)")
        sizes[key] = total
        return total

    size(root)


def parse_yaml(text: str, path: Path, line_offset: int = 0) -> YamlDoc:
    """Parse `text` (from `path`, starting after `line_offset` lines); a syntax error is a BookError at its line."""
    if not yaml.reader.Reader.NON_PRINTABLE.search(text):  # the characters the pure-Python reader refuses
        try:
            return _parse(text, path, line_offset, _FastLoader)
        except Exception:  # noqa: BLE001 - an optimisation only: the pure-Python parser decides, in its own words
            pass
    return _parse(text, path, line_offset, _Loader)


def _parse(text: str, path: Path, line_offset: int, loader_class) -> YamlDoc:
    loader = None
    try:
        loader = loader_class(text)  # the pure-Python reader checks every character first
        node = loader.get_single_node()
        if node is not None:
            _check_expansion(node, path, line_offset)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.context_mark or error.problem_mark  # where the construct began
        line = mark.line + 1 + line_offset if mark else None
        problem = error.problem or error.context or "invalid YAML"
        raise BookError(path, line, f"invalid YAML: {problem}", "check indentation, colons and quotes") from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1 + line_offset
        raise BookError(path, line, f"invalid YAML: character U+{error.character:04X} is not allowed",
                        "delete it; control characters often come from copy and paste") from None
    except yaml.YAMLError as error:
        raise BookError(path, None, f"invalid YAML: {error}") from None
    except RecursionError:
        raise BookError(path, None, "YAML nested too deeply", "flatten the structure") from None
    finally:
        if loader is not None:
            loader.dispose()
    lines: dict[tuple, int] = {}
    if node is not None:
        _walk(node, (), line_offset, lines)
    return YamlDoc(path, data, lines, first_line=line_offset + 1)


def read_text(path: Path, display: Path | str | None = None, limit: int = MAX_CHAPTER_BYTES, what: str = "file") -> str:
    """The regular file's text as UTF-8 (a leading byte-order mark dropped); anything else is a BookError."""
    display = display or path
    raw = read_bytes(path, display, limit, what)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise BookError(display, line, "not valid UTF-8 text", "save the file as UTF-8") from None
    return text[1:] if text.startswith("\ufeff") else text


def load_yaml(path: Path, display: Path | str | None = None, limit: int = MAX_YAML_BYTES) -> YamlDoc:
    """Read and parse a YAML file of at most `limit` bytes."""
    return parse_yaml(read_text(path, display, limit, "YAML file"), Path(display or path))
