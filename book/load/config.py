"""book.yaml → BookConfig: validated, with every mistake named by file, key and line."""
from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .branding import EMAIL, Branding, is_web_address, load_branding_list, make_branding
from ..infra.errors import BookError, raise_all
from .config_values import date_problem, margins_problem, source_date_epoch_problem
from ..infra.i18n import language_problem
from .paths import boundary_problems, file_problem, remote_reason, resolve_inside
from .yamlfile import YamlDoc, load_yaml

CONFIG_NAME = "book.yaml"
PAGE_SIZE = re.compile(r"^(A3|A4|A5|A6|B5|Letter|Legal|\d+(\.\d+)?mm \d+(\.\d+)?mm)( landscape)?$", re.I)
LENGTH = re.compile(r"^\d+(\.\d+)?(mm|cm|in|pt)$")
MARGINS = re.compile(r"^(\d+(\.\d+)?(mm|cm|in|pt)\s*){1,4}$")
IDENT = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FORMATS = ("pdf", "epub", "booklet", "press")
# Editions made from another edition's PDF take only these keys (the layout keys belong to the source)
DERIVED_KEYS = {"booklet": {"format", "source"}, "press": {"format", "source", "bleed", "marks"}}
PDF_VARIANTS = ("pdf/ua-1", "pdf/a-3b", "none")


@dataclass(frozen=True)
class Edition:
    """One output of the book: what differs between the print, brochure, booklet and ebook."""

    name: str
    format: str
    page_size: str = "A4"
    margins: str = ""
    two_sided: bool = True
    recto_chapters: bool | None = None  # None: as two_sided (chapters open on a right-hand page)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    stylesheet: Path | None = None
    bleed: str = ""
    marks: bool = False
    pdf_variant: str = "pdf/ua-1"
    justify: bool = True
    branding: Branding | None = None  # one contact block; with a clinic list, the first row's
    clinics: tuple[Branding, ...] = ()  # `branding: data/list.csv`: the edition is written once per row
    draft: bool = False  # prints "SAMPLE — not for distribution" on every page; placeholders allowed
    source: str = ""  # the PDF edition a booklet imposes or a press edition adds bleed and marks to
    epub_fonts: bool = False
    pdf_engine: str = "auto"  # single document, or parts laid out in parallel (book/render/pdf_parts.py)
    toc_depth: int | None = None  # None: the book's toc_depth
    omit: tuple[str, ...] = ()  # Markdown classes whose blocks and sections this edition leaves out
    language: str = ""  # BCP 47; "" until load_config fills in the book's language
    front_matter: str = "full"  # "short": title and colophon on one page, contents on one, no lists, no identifier
    back_cover: bool = False  # the book's back cover (title, description, publisher, date) when no branding has one

    @property
    def chapters_on_recto(self) -> bool:
        """Whether each chapter opens on a right-hand page (a blank page before it when needed)."""
        return self.two_sided and (self.recto_chapters is None or self.recto_chapters)

    @property
    def extension(self) -> str:
        return "epub" if self.format == "epub" else "pdf"


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
    "keywords": (list, False), "rights": (str, False),
}
RAW_HTML_MODES = ("error", "escape")
EDITION_KEYS: dict[str, tuple[Any, bool]] = {
    "format": (str, True), "page_size": (str, False), "margins": (str, False), "two_sided": (bool, False), "recto_chapters": (bool, False),
    "include": (list, False), "exclude": (list, False), "stylesheet": (str, False), "bleed": (str, False),
    "marks": (bool, False), "pdf_variant": (str, False), "justify": (bool, False), "branding": ((dict, str), False),
    "source": (str, False), "epub_fonts": (bool, False), "pdf_engine": (str, False),
    "toc_depth": (int, False), "omit": (list, False), "language": (str, False), "draft": (bool, False),
    "front_matter": (str, False), "back_cover": (bool, False),
}
FRONT_MATTER = ("full", "short")
PDF_ENGINES = ("auto", "single", "parts")
DEFAULT_EDITIONS = {"print": {"format": "pdf"}, "ebook": {"format": "epub"}}


def _type_name(kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "text", list: "a list", dict: "a mapping", int: "a whole number", bool: "true or false",
             dt.date: "a date (YYYY-MM-DD)"}
    return " or ".join(names[k] for k in kinds)


def _has_type(value, kind) -> bool:
    # bool is an int in Python; a YAML `yes` must not pass as a number
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def _check_keys(doc: YamlDoc, mapping: dict, schema: dict, where: tuple, errors: list) -> None:
    """Append an error for each unknown, mistyped or missing key of `mapping` (found at key path `where`)."""
    for key, value in mapping.items():
        if key not in schema:
            known = ", ".join(sorted(schema))
            errors.append(BookError(doc.path, doc.line(*where, key), f"unknown key '{key}'", f"expected one of: {known}"))
            continue
        kind, _ = schema[key]
        if not _has_type(value, kind):
            errors.append(BookError(doc.path, doc.line(*where, key),
                                    f"'{key}' must be {_type_name(kind)}, not {type(value).__name__} {value!r}"))
    for key, (_, required) in schema.items():
        if required and key not in mapping:
            errors.append(BookError(doc.path, doc.line(*where), f"missing required key '{key}'"))


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "book"


def _project_file(root: Path, doc: YamlDoc, keys: tuple, reference: str, errors: list) -> Path | None:
    """The project file a config value names, or None after recording why it cannot be used."""
    reason = remote_reason(reference)
    path = None if reason else resolve_inside(root, root, reference)
    if reason or path is None:
        errors.append(BookError(doc.path, doc.line(*keys), reason or f"'{reference}' is outside the project folder",
                                "use a path relative to book.yaml, inside the project"))
        return None
    problem = file_problem(path, root)
    if problem:
        message = f"file not found: {reference}" if problem == "file not found" else f"'{reference}' {problem}"
        errors.append(BookError(doc.path, doc.line(*keys), message, "name a regular file inside the project"))
        return None
    return path


def _edition(root: Path, doc: YamlDoc, name: str, raw: Any, errors: list) -> Edition | None:
    where = ("editions", name)
    if not isinstance(raw, dict):
        errors.append(BookError(doc.path, doc.line(*where), f"edition '{name}' must be a mapping of settings"))
        return None
    before = len(errors)
    _check_keys(doc, raw, EDITION_KEYS, where, errors)
    if len(errors) > before:
        return None
    if not IDENT.match(name):
        errors.append(BookError(doc.path, doc.line(*where), f"edition name '{name}' must be lowercase letters, digits and hyphens"))
    fmt = raw["format"]
    if fmt not in FORMATS:
        errors.append(BookError(doc.path, doc.line(*where, "format"), f"unknown format '{fmt}'", f"expected one of: {', '.join(FORMATS)}"))
    for key in sorted(set(raw) - DERIVED_KEYS.get(fmt, set(raw))):
        errors.append(BookError(doc.path, doc.line(*where, key), f"'{key}' does not apply to a {fmt} edition",
                                f"a {fmt} edition takes its pages from its source; set '{key}' there"))
    checks = [("page_size", PAGE_SIZE, "A4, A5, Letter or '148mm 210mm'"), ("bleed", LENGTH, "a length such as 3mm"),
              ("margins", MARGINS, "1 to 4 lengths such as '20mm 18mm'")]
    for key, pattern, expected in checks:
        if key in raw and not pattern.match(raw[key]):
            errors.append(BookError(doc.path, doc.line(*where, key), f"invalid {key} '{raw[key]}'", f"expected {expected}"))
    page_size = raw.get("page_size", "A4")
    if raw.get("margins") and MARGINS.match(raw["margins"]) and PAGE_SIZE.match(page_size):
        if problem := margins_problem(page_size, raw["margins"]):
            errors.append(BookError(doc.path, doc.line(*where, "margins"), problem, "use smaller margins or a larger page_size"))
    variant = raw.get("pdf_variant", "pdf/ua-1")
    if variant not in PDF_VARIANTS:
        errors.append(BookError(doc.path, doc.line(*where, "pdf_variant"), f"unknown pdf_variant '{variant}'",
                                f"expected one of: {', '.join(PDF_VARIANTS)}"))
    if not 1 <= raw.get("toc_depth", 2) <= 4:
        errors.append(BookError(doc.path, doc.line(*where, "toc_depth"), "toc_depth must be between 1 and 4"))
    engine = raw.get("pdf_engine", "auto")
    if engine not in PDF_ENGINES:
        errors.append(BookError(doc.path, doc.line(*where, "pdf_engine"), f"unknown pdf_engine '{engine}'",
                                f"expected one of: {', '.join(PDF_ENGINES)}"))
    elif engine == "parts" and (variant not in ("none", "pdf/ua-1") or raw.get("bleed")):
        errors.append(BookError(doc.path, doc.line(*where, "pdf_engine"), "pdf_engine 'parts' makes an untagged or PDF/UA PDF without bleed",
                                "set pdf_variant: none or pdf/ua-1 and no bleed, or use pdf_engine: single"))
    if raw.get("front_matter", "full") not in FRONT_MATTER:
        errors.append(BookError(doc.path, doc.line(*where, "front_matter"), f"unknown front_matter '{raw['front_matter']}'",
                                f"expected one of: {', '.join(FRONT_MATTER)}"))
    if "language" in raw and (problem := language_problem(raw["language"])):
        errors.append(BookError(doc.path, doc.line(*where, "language"), problem, "write a BCP 47 tag such as ko, zh-Hans, ar"))
    stylesheet = None
    if "stylesheet" in raw:
        stylesheet = _project_file(root, doc, (*where, "stylesheet"), raw["stylesheet"], errors)
    clinics = _branding(root, doc, where, raw, errors)
    return Edition(
        name=name, format=fmt, page_size=raw.get("page_size", "A4"), margins=raw.get("margins", ""),
        two_sided=raw.get("two_sided", fmt != "booklet"), recto_chapters=raw.get("recto_chapters"), include=tuple(map(str, raw.get("include", []))),
        exclude=tuple(map(str, raw.get("exclude", []))), stylesheet=stylesheet, bleed=raw.get("bleed", ""),
        marks=raw.get("marks", False), pdf_variant=variant, justify=raw.get("justify", True),
        branding=clinics[0] if clinics else None, clinics=clinics if isinstance(raw.get("branding"), str) else (),
        draft=raw.get("draft", False),
        source=raw.get("source", ""), epub_fonts=raw.get("epub_fonts", False), pdf_engine=engine,
        toc_depth=raw.get("toc_depth"), omit=tuple(map(str, raw.get("omit", []))), language=raw.get("language", ""),
        front_matter=raw.get("front_matter", "full"), back_cover=raw.get("back_cover", False))


def _branding(root: Path, doc: YamlDoc, where: tuple, raw: dict, errors: list) -> tuple[Branding, ...]:
    """The edition's contact blocks: one from a mapping, or one per row of the clinic list a path names.

    A block still holding the starter's example text is an error unless the edition is a draft: a brochure must
    never reach patients with "Your clinic's name" on it."""
    value = raw.get("branding")
    if value is None:
        return ()
    key = (*where, "branding")
    if isinstance(value, str):
        path = _project_file(root, doc, key, value, errors)
        rows = load_branding_list(root, path, value, errors) if path else []
        places = [(value, line, f"row {number} ") for line, number, _ in rows]
        blocks = [b for _, _, b in rows]
    else:
        def report(column, message, hint=""):
            errors.append(BookError(doc.path, doc.line(*key, column), f"branding: {message}", hint))
        block = make_branding(root, value, report)
        if block and "lines" in value and not isinstance(value["lines"], list):
            report("lines", "'lines' must be a list of text lines")
        places, blocks = [(doc.path, doc.line(*key), "")], [block] if block else []
    if not raw.get("draft", False):
        for (path, line, row), block in zip(places, blocks):
            if example := block.placeholder():
                errors.append(BookError(path, line, f"{row}branding still holds the example text '{example}'",
                                        "put the clinic's own details here, or set 'draft: true' on the edition "
                                        "to print a marked sample"))
    return tuple(blocks)


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
        path = _project_file(root, doc, ("chapters", index), str(entry), errors)
        if path:
            paths.append(path)
    return tuple(paths)


def _check_edition_links(doc: YamlDoc, editions: list[Edition], errors: list) -> None:
    names = {e.name: e for e in editions}
    pdfs = [name for name, e in names.items() if e.format == "pdf"]
    for e in editions:
        if e.format in DERIVED_KEYS and e.source not in pdfs:
            errors.append(BookError(doc.path, doc.line("editions", e.name, "source"),
                                    f"{e.format} edition '{e.name}' needs 'source:' naming a pdf edition",
                                    f"pdf editions: {', '.join(pdfs) or 'none'}"))


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
    _check_keys(doc, data, BOOK_KEYS, (), errors)
    # Only well-typed keys go on, so one pass reports every problem (a bad key does not hide edition errors).
    data = {key: value for key, value in data.items() if key in BOOK_KEYS and _has_type(value, BOOK_KEYS[key][0])}

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
    cover = _project_file(root, doc, ("cover",), data["cover"], errors) if "cover" in data else None
    if cover is not None:
        from .images import image_problem  # Pillow is imported only for books that have images
        if problem := image_problem(cover):
            errors.append(BookError(doc.path, doc.line("cover"), f"cover '{data['cover']}' {problem}",
                                    "use a PNG, JPEG, GIF or WebP image"))
    stylesheets = tuple(p for i, s in enumerate(data.get("stylesheets", []))
                        if (p := _project_file(root, doc, ("stylesheets", i), str(s), errors)))
    raw_editions = data.get("editions", DEFAULT_EDITIONS)
    if not raw_editions:
        errors.append(BookError(doc.path, doc.line("editions"), "'editions' is empty: the book would build nothing",
                                "name at least one edition, e.g. print: {format: pdf}, or remove the key for the defaults"))
    editions = [e for name, raw in raw_editions.items() if (e := _edition(root, doc, str(name), raw, errors))]
    _check_edition_links(doc, editions, errors)
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
        _check_keys(doc, keys, TRANSLATED_KEYS, ("translations", tag), errors)
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
