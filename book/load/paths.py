"""The project folder as a boundary: resolving author-given paths and reading only regular files inside it."""
from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..infra.errors import BookError

REMOTE_SCHEMES = {"http", "https", "ftp", "ftps", "ws", "wss", "file"}
# Folders whose files the build finds by scanning (and hashes to decide whether to rebuild)
SOURCE_FOLDERS = ("chapters", "data", "styles", "layouts", "images", "assets", "locales")


def remote_reason(reference: str) -> str | None:
    """Why `reference` (an href/src) is not a project file, or None when it is a relative path."""
    scheme = urlsplit(reference).scheme.lower()
    if reference.startswith("//") or scheme in REMOTE_SCHEMES:
        return f"'{reference}' is a remote or file:// resource; the build never fetches those"
    if scheme and len(scheme) > 1:
        return f"'{reference}' uses the unsupported scheme '{scheme}:'"
    return None


def is_inside(root: Path, path: Path) -> bool:
    """Whether `path`, with every symlink followed, is `root` or below it."""
    return is_below([root.resolve()], path)


def is_below(roots: list[Path], path: Path) -> bool:
    """Whether `path`, with every symlink followed, is one of `roots` (resolved already) or below one."""
    real = path.resolve()
    return any(real == root or root in real.parents for root in roots)


def resolve_inside(root: Path, base: Path, reference: str) -> Path | None:
    """The file `reference` names relative to folder `base`, or None if it leaves `root` (`..`, absolute, symlink)."""
    relative = unquote(urlsplit(reference).path)
    if not relative or relative.startswith("/") or Path(relative).is_absolute():
        return None
    candidate = (base / relative).resolve()
    return candidate if is_inside(root, candidate) else None


def file_problem(path: Path, root: Path | None = None) -> str | None:
    """Why `path` cannot be read as a project file (outside `root`, a folder, a FIFO or device), or None."""
    try:
        if root is not None and not is_inside(root, path):
            return "is a link to somewhere outside the project folder"
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "is a link to nothing" if path.is_symlink() else "file not found"
    except (OSError, RuntimeError) as error:  # RuntimeError: a symlink loop on older Pythons
        return f"cannot be read ({getattr(error, 'strerror', None) or error})"
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if not stat.S_ISREG(mode):
        return "is not a regular file (a FIFO, device or socket)"
    return None


def read_bytes(path: Path, display: Path | str, limit: int, what: str = "file") -> bytes:
    """The bytes of regular file `path`, at most `limit` of them; anything else is a BookError naming it.

    Opened without blocking and checked on the open descriptor, so a FIFO swapped in after a check cannot
    make the build wait for ever.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise BookError(display, None, "file not found") from None
    except OSError as error:
        raise BookError(display, None, f"cannot be read ({error.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise BookError(display, None, "is a folder, not a file", f"a {what} must be a file")
        if not stat.S_ISREG(mode):
            raise BookError(display, None, "is not a regular file (a FIFO, device or socket)", f"a {what} must be a file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise BookError(display, None, f"{what} is larger than the limit of {limit:,} bytes",
                        "split it into smaller files (limits are listed in the README's security model)")
    return data


def boundary_problems(root: Path) -> list[BookError]:
    """An error for each entry of book.yaml and the scanned source folders that is not a regular file (or a
    folder) whose real path is inside `root`: symlinks out, FIFOs, devices, dangling links."""
    root = root.resolve()
    errors = []

    def report(path: Path, problem: str) -> None:
        errors.append(BookError(path.relative_to(root).as_posix(), None, problem,
                                "keep every source a regular file inside the project folder"))

    config = root / "book.yaml"
    if config.exists() or config.is_symlink():
        if problem := file_problem(config, root):
            report(config, problem)
    for name in SOURCE_FOLDERS:
        top = root / name
        if not top.exists() and not top.is_symlink():
            continue
        if not is_inside(root, top):
            report(top, "is a link to somewhere outside the project folder")
            continue
        if not top.is_dir():
            report(top, file_problem(top, root) or "is a file where a folder is expected")
            continue
        for folder, dirs, files in os.walk(top):  # symlinked folders are listed, not entered
            here = Path(folder)
            for entry in sorted(dirs):
                if (here / entry).is_symlink() and not is_inside(root, here / entry):
                    report(here / entry, "is a link to a folder outside the project")
            for entry in sorted(files):
                if problem := file_problem(here / entry, root):
                    report(here / entry, problem)
    return errors
