"""book.yaml → BookConfig: validated, with every mistake named by file, key and line."""
from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..infra.errors import BookError, raise_all
from ..infra.i18n import language_problem
from .branding import EMAIL, is_web_address
from .config_values import date_problem, source_date_epoch_problem
from .editions import DEFAULT_EDITIONS, IDENT, Edition, check_edition_links, load_edition
from .paths import boundary_problems, file_problem
from .schema import check_keys, has_type, project_file
from .yamlfile import YamlDoc, load_yaml

CONFIG_NAME = "book.yaml"


@dataclass(frozen=True)
class BookConfig:
    """The book's metadata and editions, as book.yaml says (defaults filled in)."""

    root: Path
    title: str
    slug: str
    language: str
    identifier: str
    date: str
    chapters: tuple[Path, ...]
    editions: tuple[Edition, ...]
    subtitle: str = ""
    authors: tuple[str, ...] = ()
    publisher: str = ""
    rights: str = ""
    description: str = ""
    disclaimer: str = ""
    keywords: tuple[str, ...] = ()
    cover: Path | None = None
    toc_depth: int = 2
    print_edition: str = ""  # the PDF edition whose page numbers the EPUB's page-list follows
    stylesheets: tuple[Path, ...] = field(default=())
    strict: bool = True  # false: broken links and anchors are warnings, printed as plain text
    raw_html: str = "error"  # or "escape": tags outside the allow-list shown as text, with a warning
    # language → {title, subtitle, description, disclaimer, keywords} for editions in that language
    translations: dict = field(default_factory=dict, hash=False)
    url: str = ""  # where the book can be downloaded (its dist/index.html): the default QR code target
    required: tuple[str, ...] = ()  # section ids no edition may leave out (as if marked {.essential})
    contact: str = ""  # where readers write about mistakes (an email address or a web address), in the colophon

    def edition(self, name: str) -> Edition:
        return next(e for e in self.editions if e.name == name)

    def for_language(self, language: str) -> "BookConfig":
        """The config as an edition in `language` sees it: its language, and book.yaml's translations for it."""
        if language == self.language:
            return self
        override = dict(self.translations.get(language, {}))
        if "keywords" in override:
            override["keywords"] = tuple(map(str, override["keywords"]))
        if "authors" in override:  # ("Guidebook 编辑团队": the title page in the edition's language)
            authors = override["authors"]
            override["authors"] = (authors,) if isinstance(authors, str) else tuple(map(str, authors))
        return replace(self, language=language, **override)


# key: (type or tuple of types, required)
BOOK_KEYS: dict[str, tuple[Any, bool]] = {
    "title": (str, True), "subtitle": (str, False), "slug": (str, False), "authors": ((list, str), False),
    "language": (str, False), "identifier": (str, False), "publisher": (str, False),
    "date": ((str, dt.date), False), "rights": (str, False), "description": (str, False),
    "disclaimer": (str, False), "keywords": (list, False), "cover": (str, False), "chapters": (list, False),
    "toc_depth": (int, False), "editions": (dict, False), "print_edition": (str, False),
    "stylesheets": (list, False), "strict": (bool, False), "raw_html": (str, False),
    "translations": (dict, False), "url": (str, False), "required": (list, False), "contact": (str, False),
}
TRANSLATED_KEYS: dict[str, tuple[Any, bool]] = {
    "title": (str, False), "subtitle": (str, False), "description": (str, False), "disclaimer": (str, False),
    "keywords": (list, False), "rights": (str, False), "authors": ((list, str), False),
}
RAW_HTML_MODES = ("error", "escape")
def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "book"


def _chapter_paths(root: Path, doc: YamlDoc, raw: list | None, errors: list) -> tuple[Path, ...]:
    if raw is None:
        paths = []
        for path in sorted((root / "chapters").glob("*.md")):
            if problem := file_problem(path, root):
                errors.append(BookError(path.relative_to(root).as_posix(), None, problem,
                                        "a chapter must be a regular Markdown file inside the project"))
            else:
                paths.append(path)
        return tuple(paths)
    paths = []
    for index, entry in enumerate(raw):
        path = project_file(root, doc, ("chapters", index), str(entry), errors)
        if path:
            paths.append(path)
    return tuple(paths)


def load_config(root: Path) -> BookConfig:
    """Read and validate `root/book.yaml`; every problem found is reported at once."""
    root = root.resolve()
    if not (root / CONFIG_NAME).is_file():
        raise BookError(root / CONFIG_NAME, None, "no book.yaml in this folder",
                        "run in the book's folder, pass --project DIR, or start one with `new DIR`")
    doc = load_yaml(root / CONFIG_NAME, CONFIG_NAME)
    data = doc.data
    if not isinstance(data, dict):
        raise BookError(CONFIG_NAME, 1, "book.yaml must be a mapping of keys such as 'title:'")
    errors: list[BookError] = boundary_problems(root)
    if epoch_error := source_date_epoch_problem():
        errors.append(epoch_error)
    check_keys(doc, data, BOOK_KEYS, (), errors)
    # Only well-typed keys go on, so one pass reports every problem (a bad key does not hide edition errors).
    data = {key: value for key, value in data.items() if key in BOOK_KEYS and has_type(value, BOOK_KEYS[key][0])}

    date = data.get("date")
    if isinstance(date, str) and (problem := date_problem(date)):
        errors.append(BookError(doc.path, doc.line("date"), problem, "write a real date as YYYY-MM-DD"))
    date = str(date) if date else ""
    depth = data.get("toc_depth", 2)
    if not 1 <= depth <= 4:
        errors.append(BookError(doc.path, doc.line("toc_depth"), "toc_depth must be between 1 and 4"))
    authors = data.get("authors", [])
    authors = (authors,) if isinstance(authors, str) else tuple(map(str, authors))
    slug = data.get("slug") or slugify(data.get("title", ""))
    if not IDENT.match(slug):
        errors.append(BookError(doc.path, doc.line("slug"), f"invalid slug '{slug}'", "use lowercase letters, digits and hyphens"))
    cover = project_file(root, doc, ("cover",), data["cover"], errors) if "cover" in data else None
    if cover is not None:
        from .images import image_problem  # Pillow is imported only for books that have images
        if problem := image_problem(cover):
            errors.append(BookError(doc.path, doc.line("cover"), f"cover '{data['cover']}' {problem}",
                                    "use a PNG, JPEG, GIF or WebP image"))
    stylesheets = tuple(p for i, s in enumerate(data.get("stylesheets", []))
                        if (p := project_file(root, doc, ("stylesheets", i), str(s), errors)))
    raw_editions = data.get("editions", DEFAULT_EDITIONS)
    if not raw_editions:
        errors.append(BookError(doc.path, doc.line("editions"), "'editions' is empty: the book would build nothing",
                                "name at least one edition, e.g. print: {format: pdf}, or remove the key for the defaults"))
    editions = [e for name, raw in raw_editions.items() if (e := load_edition(root, doc, str(name), raw, errors))]
    check_edition_links(doc, editions, errors)
    pdfs = [e.name for e in editions if e.format == "pdf"]
    print_edition = data.get("print_edition", pdfs[0] if pdfs else "")
    if print_edition and print_edition not in pdfs:
        errors.append(BookError(doc.path, doc.line("print_edition"), f"print_edition '{print_edition}' is not a pdf edition"))
    raw_html = data.get("raw_html", "error")
    if raw_html not in RAW_HTML_MODES:
        errors.append(BookError(doc.path, doc.line("raw_html"), f"unknown raw_html '{raw_html}'",
                                f"expected one of: {', '.join(RAW_HTML_MODES)}"))
    language = data.get("language", "en")
    if problem := language_problem(language):
        errors.append(BookError(doc.path, doc.line("language"), problem, "write a BCP 47 tag such as en, ko, zh-Hans, ar"))
    translations = _translations(doc, data.get("translations", {}), errors)
    editions = [replace(e, language=e.language or language) for e in editions]
    languages = {e.name: e.language for e in editions}
    # a booklet or press edition is its source's pages, so it is in its source's language
    editions = [replace(e, language=languages.get(e.source, e.language)) if e.source else e for e in editions]
    chapters = _chapter_paths(root, doc, data.get("chapters"), errors)
    if not chapters and not errors:
        errors.append(BookError(doc.path, doc.line("chapters"), "the book has no chapters", "add Markdown files to chapters/"))
    url = _book_url(doc, data, errors)
    contact = _contact(doc, data, errors)
    # A scanned chapter outside the boundary is found twice (by the boundary scan and by the chapter scan)
    raise_all(list({(str(e.path), e.line, e.message): e for e in errors}.values()))

    identity = f"{data['title']}|{'|'.join(authors)}|{data.get('publisher', '')}"
    identifier = data.get("identifier") or f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'guidebook:' + identity)}"
    return BookConfig(
        root=root, title=data["title"], slug=slug, language=language, identifier=identifier,
        date=date, chapters=chapters, editions=tuple(editions), subtitle=data.get("subtitle", ""), authors=authors,
        publisher=data.get("publisher", ""), rights=data.get("rights", ""), description=data.get("description", ""),
        disclaimer=data.get("disclaimer", ""), keywords=tuple(map(str, data.get("keywords", []))), cover=cover,
        toc_depth=depth, print_edition=print_edition, stylesheets=stylesheets, translations=translations,
        strict=data.get("strict", True), raw_html=raw_html, url=url, contact=contact,
        required=tuple(map(str, data.get("required", []))))


def _translations(doc: YamlDoc, raw: dict, errors: list) -> dict:
    """book.yaml's `translations:` checked: a BCP 47 tag per entry, and only the keys a translation may set."""
    checked = {}
    for tag, keys in raw.items():
        tag = str(tag)
        if problem := language_problem(tag):
            errors.append(BookError(doc.path, doc.line("translations", tag), problem, "write a BCP 47 tag such as zh-Hans"))
            continue
        if not isinstance(keys, dict):
            errors.append(BookError(doc.path, doc.line("translations", tag), f"translations for '{tag}' must be a mapping",
                                    "e.g. {title: ..., subtitle: ...}"))
            continue
        count = len(errors)
        check_keys(doc, keys, TRANSLATED_KEYS, ("translations", tag), errors)
        if len(errors) == count:
            checked[tag] = keys
    return checked


def _book_url(doc: YamlDoc, data: dict, errors: list) -> str:
    url = data.get("url", "")
    if url and not is_web_address(url):
        errors.append(BookError(doc.path, doc.line("url"), f"url '{url}' is not a web address",
                                "the address of the book's download page, e.g. https://example.org/guide/"))
    return url


def _contact(doc: YamlDoc, data: dict, errors: list) -> str:
    contact = data.get("contact", "").strip()
    if contact and not (is_web_address(contact) or EMAIL.match(contact)):
        errors.append(BookError(doc.path, doc.line("contact"), f"contact '{contact}' is neither an email nor a web address",
                                "where readers write about mistakes, e.g. corrections@example.org or https://example.org/contact"))
    return contact
