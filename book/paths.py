"""Resolving author-given paths, refusing anything outside the project."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

REMOTE_SCHEMES = {"http", "https", "ftp", "ftps", "ws", "wss", "file"}


def remote_reason(reference: str) -> str | None:
    """Why `reference` (an href/src) is not a project file, or None when it is a relative path."""
    scheme = urlsplit(reference).scheme.lower()
    if reference.startswith("//") or scheme in REMOTE_SCHEMES:
        return f"'{reference}' is a remote or file:// resource; the build never fetches those"
    if scheme and len(scheme) > 1:
        return f"'{reference}' uses the unsupported scheme '{scheme}:'"
    return None


def resolve_inside(root: Path, base: Path, reference: str) -> Path | None:
    """The file `reference` names relative to folder `base`, or None if it leaves `root` (`..`, absolute, symlink)."""
    relative = unquote(urlsplit(reference).path)
    if not relative or relative.startswith("/") or Path(relative).is_absolute():
        return None
    candidate = (base / relative).resolve()
    root = root.resolve()
    if candidate == root or root in candidate.parents:
        return candidate
    return None
