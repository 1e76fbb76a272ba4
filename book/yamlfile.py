"""YAML documents that remember the line of every key, so errors can say where."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import BookError


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


def parse_yaml(text: str, path: Path, line_offset: int = 0) -> YamlDoc:
    """Parse `text` (from `path`, starting after `line_offset` lines); a syntax error is a BookError at its line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.context_mark or error.problem_mark  # where the construct began
        line = mark.line + 1 + line_offset if mark else None
        problem = error.problem or error.context or "invalid YAML"
        raise BookError(path, line, f"invalid YAML: {problem}", "check indentation, colons and quotes") from None
    except yaml.YAMLError as error:
        raise BookError(path, None, f"invalid YAML: {error}") from None
    lines: dict[tuple, int] = {}
    if node is not None:
        _walk(node, (), line_offset, lines)
    return YamlDoc(path, data, lines, first_line=line_offset + 1)


def read_text(path: Path, display: Path | str | None = None) -> str:
    """The file's text as UTF-8; a missing or non-UTF-8 file is a BookError."""
    display = display or path
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BookError(display, None, "file not found") from None
    except IsADirectoryError:
        raise BookError(display, None, "is a folder, not a file") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise BookError(display, line, "not valid UTF-8 text", "save the file as UTF-8") from None


def load_yaml(path: Path, display: Path | str | None = None) -> YamlDoc:
    """Read and parse a YAML file."""
    return parse_yaml(read_text(path, display), Path(display or path))
