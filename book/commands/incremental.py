"""Skip editions whose inputs have not changed since they were last built (content hashes in .cache/)."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Callable

from .build import build, output_path, select_editions
from ..infra.cache import code_digest, read_regular, write_file_atomically
from ..load.config import load_config
from ..load.paths import SOURCE_FOLDERS
from ..infra.theme import styles_dir

__all__ = ["SOURCE_FOLDERS", "build_if_changed", "inputs_digest"]


def _files(folder: Path):
    if folder.is_dir():
        yield from sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def inputs_digest(root: Path, strict: bool | None = None) -> str:
    """A hash of everything a build reads: sources, styles, layouts, config, guidebook itself, SOURCE_DATE_EPOCH,
    and `--no-strict` (a strict build must not skip an edition a lenient one made)."""
    config = load_config(root)
    digest = hashlib.sha256(f"{code_digest()}|{os.environ.get('SOURCE_DATE_EPOCH', '')}|{strict}".encode())
    paths = [root / "book.yaml", *config.chapters, *config.stylesheets, *filter(None, [config.cover])]
    paths += [e.stylesheet for e in config.editions if e.stylesheet]
    for folder in (*(root / f for f in SOURCE_FOLDERS), styles_dir(root)):
        paths += list(_files(folder))
    for path in sorted(set(paths)):
        digest.update(str(path).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _file_hash(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def build_if_changed(root: Path, out: Path, names: list[str], say: Callable[[str], None], force: bool = False,
                     strict: bool | None = None) -> None:
    """Build the editions whose inputs or outputs changed; say which were up to date."""
    config = load_config(root)
    editions = select_editions(config, names)
    state_path = root / ".cache" / "build-state.json"
    try:
        state = json.loads(read_regular(state_path) or b"{}")
    except ValueError:
        state = {}
    if not isinstance(state, dict):
        state = {}
    digest = inputs_digest(root, strict)
    stale = []
    for edition in editions:
        path = output_path(out, config, edition)
        record = state.get(str(path))
        record = record if isinstance(record, dict) else {}
        if force or record.get("inputs") != digest or record.get("output") != _file_hash(path):
            stale.append(edition.name)
        else:
            say(f"skip     {edition.name:<10} up to date ({path.name})")
    if not stale:
        return
    built = build(root, out, stale, say, strict)
    for item in built:
        state[str(item.path)] = {"inputs": digest, "output": _file_hash(item.path)}
    # Only an optimisation: a read-only project builds every time instead of failing.
    write_file_atomically(state_path, json.dumps(state, indent=1, sort_keys=True).encode())
