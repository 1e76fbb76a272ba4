"""Ids made unique across the book and internal links resolved: pure functions from parsed chapters to errors,
renames and new chapters."""
from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from ..convert.body import body_html
from ..convert.gfm import github_slug
from ..infra.errors import BookError
from .parsed import ParsedChapter


def _ids(p: ParsedChapter, body, generated: bool):
    """(element, id) of the chapter's author-given ids in `body` (its tree), or of those Markdown made up."""
    for element in body.iter():
        value = element.get("id") if isinstance(element.tag, str) else None
        if value and (value in p.generated_ids) == generated:
            yield element, value


def duplicate_ids(parsed: list[ParsedChapter], strict: bool = True) -> tuple[list[ParsedChapter], list[BookError]]:
    """An error for each author-given id used twice in the book (or taken by a chapter's anchor), naming both.
    Not strict (two READMEs that both mark `<a id="1.95-Language">`): a warning, and the later id counts as one
    Markdown made up, renamed by `unique_ids` as those are; links from its own chapter follow it. Returns the
    chapters (so changed when not strict) and the errors or warnings."""
    seen: dict[str, str] = {p.anchor: f"the anchor of chapter '{p.chapter.id}'" for p in parsed}
    authors = [value for p in parsed for value in p.ids if value not in p.generated_ids]
    if len(set(authors)) == len(authors) and not set(authors) & set(seen):
        return parsed, []  # nothing to trace to a line: no tree needed
    errors, chapters = [], []
    for p in parsed:
        body = p.body()
        repeated = set()
        for element, value in _ids(p, body, generated=False):
            line = p.line(body, element, f"#{value}", f'"{value}"', f"'{value}'", value)
            where = f"{p.chapter.display}:{line}" if line else p.chapter.display
            if value in seen:
                renamed = "" if strict else "; this one renamed"
                errors.append(BookError(p.chapter.display, line, f"duplicate id '{value}' (also {seen[value]}){renamed}",
                                        "ids must be unique in the whole book: rename one of them", not strict))
                repeated.add(value)
            else:
                seen[value] = where
        chapters.append(replace(p, generated_ids=p.generated_ids | repeated) if repeated and not strict else p)
    return chapters, errors


@dataclass(frozen=True)
class Renames:
    """The book's ids once unique: the ids Markdown made up that repeat across chapters or meet an author's id are
    renamed (the author's never change; duplicates among them are `duplicate_ids` errors)."""

    links: dict[str, dict[str, str]]  # chapter id → {id as written: the id a link to it leads to}
    made: dict[str, tuple[str, ...]]  # chapter id → the final value of each made-up id, in document order

    def __getitem__(self, chapter_id: str) -> dict[str, str]:
        return self.links[chapter_id]


def unique_ids(parsed: list[ParsedChapter]) -> Renames:
    """The renames that make every id unique in the book; the chapters stay as they are (`resolve_links` applies
    them)."""
    taken = {p.anchor for p in parsed} | {value for p in parsed for value in p.ids if value not in p.generated_ids}
    links: dict[str, dict[str, str]] = {}
    made: dict[str, tuple[str, ...]] = {}
    for p in parsed:
        mapping = links.setdefault(p.chapter.id, {})
        for value in p.ids:
            if value not in p.generated_ids:
                mapping.setdefault(value, value)
        final = []
        for old in (value for value in p.ids if value in p.generated_ids):
            new, n = old, 1
            while new in taken:
                n += 1
                new = f"{p.chapter.id}-{old}" if n == 2 else f"{p.chapter.id}-{old}-{n}"
            taken.add(new)
            mapping.setdefault(old, new)
            final.append(new)
        made[p.chapter.id] = made.get(p.chapter.id, ()) + tuple(final)
    return Renames(links, made)


def resolve_links(parsed: list[ParsedChapter], renames: Renames,
                  strict: bool = True) -> tuple[list[ParsedChapter], list[BookError]]:
    """(the chapters with their ids renamed and every internal link pointing at its final id, `#id` +
    data-chapter; an error for each link that goes nowhere). Not strict: a warning instead, and the link becomes
    plain text. The chapters given stay as they are.
    """
    by_source = {p.chapter.source.resolve(): p for p in parsed}
    by_id = {}
    for p in parsed:
        by_id[p.anchor] = p
        for new in renames[p.chapter.id].values():
            by_id[new] = p
    errors = []
    resolved = []
    made = {chapter_id: iter(ids) for chapter_id, ids in renames.made.items()}
    for p in parsed:
        body = p.body()
        changed = False  # a chapter without renamed ids or internal links is handed on as it is
        for (element, old), new in zip(list(_ids(p, body, generated=True)), made[p.chapter.id]):
            element.set("id", new)
            changed = changed or new != old
        for link in body.iter("a"):
            href = link.get("href")
            if href is None or urlsplit(href).scheme:
                continue
            changed = True
            target, fragment = _resolve(p, href, by_source, renames, by_id)
            if target is None:
                line = p.line(body, link, f"]({href}", f'"{href}"', href)
                errors.append(BookError(p.chapter.display, line, fragment, "check the file name and the #anchor",
                                        warning=not strict))
                if not strict:
                    link.tag = "span"  # keep the words, drop the link
                    link.attrib.pop("href", None)
                continue
            link.set("href", f"#{fragment}")
            link.set("data-chapter", target.chapter.id)
            if not link.text and len(link) == 0:
                link.set("data-xref", "")
        resolved.append(replace(p, html=body_html(body)) if changed else p)
    return resolved, errors


def _resolve(p, href, by_source, renames, by_id):
    """(target chapter, final id) or (None, what is wrong). A #fragment that names no id as written may name one
    in lowercase: GitHub's heading ids are lowercase, and GitHub finds them whatever the link's case."""
    found = _resolve_as_written(p, href, by_source, renames, by_id)
    path_part, _, fragment = href.partition("#")
    if found[0] is None and fragment != fragment.lower():
        lowercase = _resolve_as_written(p, f"{path_part}#{fragment.lower()}", by_source, renames, by_id)
        if lowercase[0] is not None:
            return lowercase
    return found


def _resolve_as_written(p, href, by_source, renames, by_id):
    path_part, _, fragment = href.partition("#")
    if path_part:
        if not path_part.endswith(".md"):
            return None, f"link to '{href}' is not a chapter (links may point to chapters/*.md or web pages)"
        target = by_source.get((p.chapter.source.parent / path_part).resolve())
        if target is None:
            return None, f"link to unknown chapter '{path_part}'"
        if not fragment or fragment == github_slug(target.chapter.title):  # GitHub's anchor of the `# Title`
            return target, renames[target.chapter.id].get(fragment) or target.anchor
        new = renames[target.chapter.id].get(fragment)
        return (target, new) if new else (None, f"no anchor '#{fragment}' in {target.chapter.display}")
    new = renames[p.chapter.id].get(fragment)
    if new:
        return p, new
    if fragment == github_slug(p.chapter.title):
        return p, p.anchor
    if fragment in by_id:  # a book-wide id such as a table's tbl-<name>
        return by_id[fragment], fragment
    return None, f"no anchor '#{fragment}' in this chapter or the book"
