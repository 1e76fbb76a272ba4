"""`check` for a project in several languages: what a translation lacks or has different from the default one."""
from __future__ import annotations

import re

from .config import BookConfig
from ..infra.i18n import messages
from .project import translated_paths
from .tables import table_paths
from ..infra.templating import TABLE_CALL

# Explicit anchors an author wrote: `{#id}` attribute lists and id="…" in raw HTML.
ANCHOR = re.compile(r"""\{[^}\n]*#([A-Za-z][\w-]*)[^}\n]*\}|\bid=["']([^"']+)["']""")


def _anchors(text: str) -> dict[str, int]:
    """Each explicit anchor of a chapter and the line it is on."""
    found = {}
    for match in ANCHOR.finditer(text):
        found.setdefault(match.group(1) or match.group(2), text.count("\n", 0, match.start()) + 1)
    return found


def _tables(text: str) -> set[str]:
    return set(TABLE_CALL.findall(text))


def translation_languages(config: BookConfig) -> list[str]:
    """The languages of the book's editions other than the book's own, in book.yaml order."""
    return [lang for lang in dict.fromkeys(e.language for e in config.editions) if lang != config.language]


def translation_problems(config: BookConfig, original_ids: dict[str, set[str]] | None = None) -> list[str]:
    """`path:line: what` for each chapter, table or anchor a translation is missing or has different.

    `original_ids` holds every id of each original chapter (by file name), generated heading ids included: a
    translation may spell out an id the original only generates."""
    problems = []
    root = config.root
    for language in translation_languages(config):
        for original, translated in zip(config.chapters, translated_paths(config, language)):
            shown, source = translated.relative_to(root), original.relative_to(root)
            if not translated.is_file():
                problems.append(f"{shown}: missing: no {language} translation of {source}")
                continue
            text, base = translated.read_text(encoding="utf-8"), original.read_text(encoding="utf-8")
            ours, theirs = _anchors(text), _anchors(base)
            for anchor, line in theirs.items():
                if anchor not in ours:
                    problems.append(f"{shown}: missing anchor '#{anchor}' ({source}:{line} has it; links to it would break)")
            known = (original_ids or {}).get(original.name, set()) | set(theirs)
            for anchor, line in ours.items():
                if anchor not in known:
                    problems.append(f"{shown}:{line}: anchor '#{anchor}' is not in {source} (use the same ids in every language)")
            for name in sorted(_tables(base) ^ _tables(text)):
                where = "missing" if name in _tables(base) else "extra"
                problems.append(f"{shown}: {where} table(\"{name}\") compared with {source}")
        defaults = {p.stem for p in table_paths(root)}
        for path in table_paths(root, language):
            if path.parent.name == language and path.stem not in defaults:
                problems.append(f"{path.relative_to(root)}: no data/{path.name} in the default language to translate")
    return problems


def untranslated_strings(config: BookConfig) -> list[str]:
    """A note for each edition language whose catalogue lacks strings (they fall back to English)."""
    notes = []
    for language in dict.fromkeys(e.language for e in config.editions):
        missing = messages(language, config.root).missing
        if missing:  # (a language with no catalogue lacks them all: a line of 900 characters named each)
            named = ", ".join(missing) if len(missing) <= 6 else f"{len(missing)} strings ({', '.join(missing[:4])}, …)"
            notes.append(f"note: no {language} catalogue entry for {named}: English is used "
                         f"(add locales/{language}.yaml with {'these keys' if len(missing) <= 6 else 'the keys'}; "
                         f"see book/locales/en.yaml)")
    return notes

