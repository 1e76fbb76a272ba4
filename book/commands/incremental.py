"""Skip editions whose inputs have not changed since they were last built (content hashes in .cache/)."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Callable

from .outputs import edition_outputs, select_editions
from ..infra.cache import code_digest, read_regular, write_file_atomically
from ..load.config import BookConfig, load_config
from ..load.paths import SOURCE_FOLDERS
from ..infra.theme import styles_dir

__all__ = ["SOURCE_FOLDERS", "build_if_changed", "inputs_digests"]


def _files(folder: Path):
    if folder.is_dir():
        yield from sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def inputs_digests(root: Path, strict: bool | None, languages: set[str], config: BookConfig | None = None) -> dict[str, str]:
    """For each of `languages`, a hash of everything a build of its editions reads: sources, styles, layouts,
    config, guidebook itself, SOURCE_DATE_EPOCH, and `--no-strict` (a strict build must not skip an edition a
    lenient one made). Another language's chapters are left out: an edit to one translation (or to the original,
    which each translation replaces file by file) rebuilds only its own language's editions. Each file is read
    and hashed once, whatever the number of languages."""
    config = config or load_config(root)
    paths = [root / "book.yaml", *config.chapters, *config.stylesheets, *filter(None, [config.cover])]
    paths += [e.stylesheet for e in config.editions if e.stylesheet]
    paths += _branding_files(root, config)
    for folder in (*(root / f for f in SOURCE_FOLDERS), styles_dir(root)):
        paths += list(_files(folder))
    hashes = {path: hashlib.sha256(path.read_bytes()).digest() for path in sorted(set(paths))}
    digests = {}
    for language in sorted(languages):
        digest = hashlib.sha256(f"{code_digest()}|{os.environ.get('SOURCE_DATE_EPOCH', '')}|{strict}".encode())
        others = _other_languages_chapters(root, config, language)
        for path, file_hash in hashes.items():
            if path not in others:
                digest.update(str(path).encode() + file_hash)
        digests[language] = digest.hexdigest()
    return digests


def _other_languages_chapters(root: Path, config: BookConfig, language: str) -> set[Path]:
    """The chapter files an edition in `language` does not read: the other languages' chapters/<language>/
    folders, and for a translation the original chapters it replaces (book/load/project.py, translated_paths)."""
    chapters = root / "chapters"
    languages = {e.language for e in config.editions} | set(config.translations)
    others = {p for other in languages - {language, config.language} for p in _files(chapters / other)}
    if language != config.language:
        others |= set(config.chapters)
    return others


def _branding_files(root: Path, config: BookConfig) -> list[Path]:
    """Clinic lists and logos: a project may keep them outside the source folders (any file inside it)."""
    from ..load.yamlfile import parse_yaml, read_text

    files = [b.logo for e in config.editions for b in (e.branding, *e.clinics) if b is not None and b.logo]
    raw = parse_yaml(read_text(root / "book.yaml"), "book.yaml").data
    for name, edition in (raw.get("editions") or {}).items() if isinstance(raw, dict) else ():
        listed = edition.get("branding") if isinstance(edition, dict) else None
        if isinstance(listed, str) and (root / listed).is_file():
            files.append(root / listed)
    return files


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
    digests = inputs_digests(root, strict, {e.language for e in editions}, config)
    stale = []
    for edition in editions:
        paths = edition_outputs(out, config, edition)
        records = [state.get(str(path)) for path in paths]
        digest = digests[edition.language]
        if force or not all(isinstance(r, dict) and r.get("inputs") == digest and r.get("output") == _file_hash(p)
                            for p, r in zip(paths, records)):
            stale.append(edition.name)
        else:
            what = paths[0].name if len(paths) == 1 else f"{len(paths)} files, one per clinic"
            say(f"skip     {edition.name:<10} up to date ({what})")
    if not stale:
        return
    from .build import build  # the whole pipeline: a build with nothing to do never imports it

    built = build(root, out, stale, say, strict)
    for item in built:
        state[str(item.path)] = {"inputs": digests[item.edition.language], "output": _file_hash(item.path)}
    # Only an optimisation: a read-only project builds every time instead of failing.
    write_file_atomically(state_path, json.dumps(state, indent=1, sort_keys=True).encode())
