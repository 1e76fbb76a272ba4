"""The one error type for authors' mistakes."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class BookError(Exception):
    """A mistake in the author's sources: printed as `path:line: message (hint)`, never as a traceback."""

    path: Path | str | None
    line: int | None
    message: str
    hint: str = ""
    warning: bool = False  # lenient mode: reported as `path:line: warning: ...`, and the build goes on

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        hint = f" ({self.hint})" if self.hint else ""
        kind = "warning: " if self.warning else ""
        return f"{where}{kind}{self.message}{hint}"


class BookErrors(Exception):
    """Several author mistakes found in one pass (config validation, `check`)."""

    def __init__(self, errors: list[BookError]):
        super().__init__("\n".join(map(str, errors)))
        self.errors = errors


def raise_all(errors: list[BookError]) -> None:
    """Raise nothing, the one error, or all of them together."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise BookErrors(errors)
