"""The build cache: data only (JSON and raw bytes, never pickle), keyed on the inputs and on guidebook's code.

A project folder, `.cache/` included, may come from someone else. Nothing read from the cache is ever executed:
an entry is JSON plus optional raw bytes (a laid-out PDF part), checked against the digest recorded with it,
and anything unreadable, corrupt, foreign (another key or layout) or not a regular file inside the project is
ignored and rebuilt. Keys include a digest of every file of guidebook's `book/` package and the installed
versions of the libraries that shape the output, so editing guidebook invalidates what it affects.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import stat
import sys
from pathlib import Path

from ..load.paths import is_below, is_inside

TOOL = Path(__file__).resolve().parent.parent  # all of book/
# The libraries whose versions change the bytes of an output
DEPENDENCIES = ("weasyprint", "pydyf", "tinycss2", "cssselect2", "pyphen", "fonttools", "pikepdf", "jinja2",
                "markdown", "pymdown-extensions", "pygments", "pyyaml", "lxml", "ebooklib", "pillow")
MAX_ENTRY_BYTES = 200_000_000
FORMAT = 1  # bump when the layout of entries changes
KINDS = ("parts", "markdown", "page-maps")  # the folders of .cache/ that hold entries (and that `prune` trims)
# What the entries may take together: each edit and each new guidebook version adds entries (a 40-page edition's
# parts take about 4 MB), and the least recently used go once there is more. What the last build used stays.
MAX_CACHE_BYTES = 1_000_000_000


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """A hash of every file of guidebook's own package and the installed versions of its dependencies."""
    digest = hashlib.sha256(f"cache-format-{FORMAT}".encode())
    for path in sorted(p for p in TOOL.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(TOOL).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    versions = installed_versions()
    for name in DEPENDENCIES:
        digest.update(f"{name}=={versions.get(name, '-')}\n".encode())
    return digest.hexdigest()


def installed_versions() -> dict[str, str]:
    """{normalised name: version} of the distributions installed on sys.path, from their `NAME-VERSION.dist-info`
    folders' names, as importlib.metadata.version finds them (the first on the path wins), without importing
    it: 40 ms, an eighth of a build with nothing to do."""
    found: dict[str, str] = {}
    for folder in sys.path:
        try:
            entries = sorted(os.listdir(folder or "."))
        except OSError:
            continue
        for entry in entries:
            if entry.endswith(".dist-info") and "-" in entry:
                name, version = entry.removesuffix(".dist-info").split("-", 1)
                found.setdefault(re.sub(r"[-_.]+", "-", name).lower(), version)
    return found


def read_regular(path: Path) -> bytes | None:
    """The bytes of `path` if it is a regular file (not a link, FIFO or device) of a sane size, else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
            return None
        return handle.read(MAX_ENTRY_BYTES + 1)


_DIGESTS: dict[tuple[str, int, int], str] = {}  # per process: (path, mtime, size) → sha256 of the file


def file_digest(path: str) -> str | None:
    """The sha256 of a regular file, remembered in this process while its time stamp and size stay the same."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    key = (path, info.st_mtime_ns, info.st_size)
    if key not in _DIGESTS:
        data = read_regular(Path(path))
        if data is None:
            return None
        _DIGESTS[key] = hashlib.sha256(data).hexdigest()
    return _DIGESTS[key]


def recorded(paths) -> list[list[str]]:
    """[path, sha256] of each file, for an entry that is good only while they stay the same (Cache.get_fresh)."""
    return [[path, file_digest(path) or ""] for path in sorted(paths)]


def _files_unchanged(files, roots: list[Path]) -> bool:
    """Whether every [path, sha256] recorded with an entry still holds. An entry comes from the project folder:
    a path outside `roots`, or anything not shaped like a record, counts as changed (nothing outside is read)."""
    if not isinstance(files, list):
        return False
    roots = [root.resolve() for root in roots]  # (once, not for each file: 147 parts of 11 files, 0.2 s a pass)
    for item in files:
        if not (isinstance(item, list) and len(item) == 2 and all(isinstance(v, str) for v in item)):
            return False
        path = Path(item[0])
        if not path.is_absolute() or not is_below(roots, path) or file_digest(item[0]) != item[1]:
            return False
    return True


def write_file_atomically(path: Path, data: bytes) -> bool:
    """Write `data` to `path` through a temporary file and a rename; False (nothing written) if that fails."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
        return True
    except OSError:  # a read-only project or a full disk: the cache is an optimisation, the build goes on
        temporary.unlink(missing_ok=True)
        return False


class Cache:
    """One kind of entry (e.g. "parts") under `root/.cache/`."""

    def __init__(self, root: Path, kind: str):
        assert kind in KINDS, kind
        self.root = root.resolve()
        self.folder = self.root / ".cache" / kind

    def usable(self) -> bool:
        """Whether the folder (if any) is really inside the project: a `.cache` linked elsewhere is not used."""
        return not self.folder.exists() or is_inside(self.root, self.folder)

    @staticmethod
    def key(*parts: str | bytes) -> str:
        """A key for these inputs, made with the current code."""
        digest = hashlib.sha256(code_digest().encode())
        for part in parts:
            data = part.encode() if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "big") + data)
        return digest.hexdigest()

    def get(self, key: str) -> tuple[dict, bytes] | None:
        """(metadata, raw bytes) stored under `key`, or None when absent, corrupt or not ours."""
        if not self.usable():
            return None
        raw_meta = read_regular(self.folder / f"{key}.json")
        if raw_meta is None:
            return None
        try:
            entry = json.loads(raw_meta)
        except ValueError:
            return None
        if not isinstance(entry, dict) or entry.get("key") != key or not isinstance(entry.get("meta"), dict):
            return None
        data = b""
        if entry.get("sha256"):
            data = read_regular(self.folder / f"{key}.bin")
            if data is None or hashlib.sha256(data).hexdigest() != entry["sha256"]:
                return None
        try:  # its time stamp says when it was last used (prune)
            os.utime(self.folder / f"{key}.json")
        except OSError:
            pass
        return entry["meta"], data

    def get_fresh(self, key: str, roots: list[Path]) -> tuple[dict, bytes] | None:
        """get(), for an entry whose meta records the files it was made from (`"files": recorded(...)`): only
        while each of them, inside `roots`, is unchanged."""
        entry = self.get(key)
        return entry if entry is not None and _files_unchanged(entry[0].get("files"), roots) else None

    def put(self, key: str, meta: dict, data: bytes = b"") -> None:
        """Store `meta` (JSON-serialisable) and optional raw bytes under `key`; failures are ignored."""
        if not self.usable():
            return
        if data and not write_file_atomically(self.folder / f"{key}.bin", data):
            return
        entry = {"key": key, "sha256": hashlib.sha256(data).hexdigest() if data else "", "meta": meta}
        write_file_atomically(self.folder / f"{key}.json", json.dumps(entry, sort_keys=True).encode())


def prune(root: Path, used_since: float, max_bytes: int = MAX_CACHE_BYTES) -> None:
    """Remove the least recently used entries of the project's cache until what is left takes at most `max_bytes`;
    entries used or made since `used_since` (a time.time(): the build that just ended) always stay."""
    entries = []  # (last use, bytes, files) of each entry
    for kind in KINDS:
        folder = root.resolve() / ".cache" / kind
        if not folder.is_dir() or not is_inside(root.resolve(), folder):
            continue
        try:
            with os.scandir(folder) as listing:
                files = {item.name: item.stat(follow_symlinks=False) for item in listing
                         if item.is_file(follow_symlinks=False)}
        except OSError:
            continue
        for name, info in files.items():
            if name.endswith(".json"):
                data = files.get(name.removesuffix(".json") + ".bin")
                size = info.st_size + (data.st_size if data else 0)
                entries.append((info.st_mtime, size, [folder / name] + ([folder / (name[:-5] + ".bin")] if data else [])))
    total = sum(size for _, size, _ in entries)
    for last_use, size, paths in sorted(entries, key=lambda e: e[0]):
        if total <= max_bytes or last_use >= used_since:
            break
        try:
            for path in paths:
                path.unlink(missing_ok=True)
        except OSError:  # a read-only project keeps its cache
            return
        total -= size
