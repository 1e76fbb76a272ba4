"""The one place that writes outputs: all of them or none, only after everything has rendered."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import BookError

HINT = "nothing in the output folder was replaced"


def _why(error: OSError) -> str:
    return error.strerror or str(error)


def _folder(folder: Path) -> None:
    """Make the output folder, or say in one line why it cannot be one."""
    if folder.exists() and not folder.is_dir():
        raise BookError(folder, None, "the output folder is a file", f"pass --out a folder; {HINT}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BookError(folder, None, f"cannot create the output folder ({_why(error)})", HINT) from None


def _stage(path: Path, data: bytes) -> Path:
    """A flushed, synced temporary file beside `path` holding `data` (removed again on failure)."""
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise BookError(path.parent, None, f"cannot write into the output folder ({_why(error)})", HINT) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise BookError(path, None, f"cannot write ({_why(error)})", HINT) from None
    return Path(temporary)


def write_outputs(files: dict[Path, bytes]) -> None:
    """Write every rendered file: each to a synced temporary file beside it first, and only when all of them
    exist are they renamed into place. A failure before that (disk full, read-only folder) leaves every
    previous output as it was and is a BookError saying why."""
    for folder in sorted({path.parent for path in files}):
        _folder(folder)
    for path in files:
        if path.is_dir():
            raise BookError(path, None, "a folder is in the way of this output", f"move it away; {HINT}")
    staged: dict[Path, Path] = {}
    try:
        for path, data in files.items():
            staged[path] = _stage(path, data)
    except BaseException:
        for temporary in staged.values():
            temporary.unlink(missing_ok=True)
        raise
    for path, temporary in staged.items():  # renames within one folder: they do not fail for want of space
        os.replace(temporary, path)
    for folder in {path.parent for path in files}:
        try:  # the renames themselves reach the disk
            directory = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        except OSError:
            pass
