"""book.yaml → BookConfig: validated, with every mistake named by file, key and line."""
from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import BookError, raise_all
from .paths import remote_reason, resolve_inside
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
class Branding:
    """A contact block printed on the back cover of an edition (a clinic's name and details)."""

    name: str
    lines: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Edition:
    """One output of the book: what differs between the print, brochure, booklet and ebook."""

    name: str
    format: str
    page_size: str = "A4"
    margins: str = ""
    two_sided: bool = True
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    stylesheet: Path | None = None
    bleed: str = ""
    marks: bool = False
    pdf_variant: str = "pdf/ua-1"
    justify: bool = True
    branding: Branding | None = None
    source: str = ""  # the PDF edition a booklet imposes or a press edition adds bleed and marks to
    epub_fonts: bool = False
    pdf_engine: str = "auto"  # single document, or parts laid out in parallel (book/render/pdf_parts.py)
    toc_depth: int | None = None  # None: the book's toc_depth
    omit: tuple[str, ...] = ()  # Markdown classes whose blocks and sections this edition leaves out

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

    def edition(self, name: str) -> Edition:
        return next(e for e in self.editions if e.name == name)


# key: (type or tuple of types, required)
BOOK_KEYS: dict[str, tuple[Any, bool]] = {
    "title": (str, True), "subtitle": (str, False), "slug": (str, False), "authors": ((list, str), False),
    "language": (str, False), "identifier": (str, False), "publisher": (str, False),
    "date": ((str, dt.date), False), "rights": (str, False), "description": (str, False),
    "disclaimer": (str, False), "keywords": (list, False), "cover": (str, False), "chapters": (list, False),
    "toc_depth": (int, False), "editions": (dict, False), "print_edition": (str, False),
    "stylesheets": (list, False),
}
EDITION_KEYS: dict[str, tuple[Any, bool]] = {
    "format": (str, True), "page_size": (str, False), "margins": (str, False), "two_sided": (bool, False),
    "include": (list, False), "exclude": (list, False), "stylesheet": (str, False), "bleed": (str, False),
    "marks": (bool, False), "pdf_variant": (str, False), "justify": (bool, False), "branding": (dict, False),
    "source": (str, False), "epub_fonts": (bool, False), "pdf_engine": (str, False),
    "toc_depth": (int, False), "omit": (list, False),
}
PDF_ENGINES = ("auto", "single", "parts")
BRANDING_KEYS: dict[str, tuple[Any, bool]] = {"name": (str, True), "lines": (list, False), "note": (str, False)}
DEFAULT_EDITIONS = {"print": {"format": "pdf"}, "ebook": {"format": "epub"}}


def _type_name(kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "text", list: "a list", dict: "a mapping", int: "a whole number", bool: "true or false",
             dt.date: "a date (YYYY-MM-DD)"}
    return " or ".join(names[k] for k in kinds)


def _check_keys(doc: YamlDoc, mapping: dict, schema: dict, where: tuple, errors: list) -> None:
    """Append an error for each unknown, mistyped or missing key of `mapping` (found at key path `where`)."""
    for key, value in mapping.items():
        if key not in schema:
            known = ", ".join(sorted(schema))
            errors.append(BookError(doc.path, doc.line(*where, key), f"unknown key '{key}'", f"expected one of: {known}"))
            continue
        kind, _ = schema[key]
        # bool is an int in Python; a YAML `yes` must not pass as a number
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
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
    if not path.is_file():
        errors.append(BookError(doc.path, doc.line(*keys), f"file not found: {reference}"))
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
    stylesheet = None
    if "stylesheet" in raw:
        stylesheet = _project_file(root, doc, (*where, "stylesheet"), raw["stylesheet"], errors)
    branding = None
    if "branding" in raw:
        count = len(errors)
        _check_keys(doc, raw["branding"], BRANDING_KEYS, (*where, "branding"), errors)
        if len(errors) == count:
            b = raw["branding"]
            branding = Branding(b["name"], tuple(str(x) for x in b.get("lines", [])), b.get("note", ""))
    return Edition(
        name=name, format=fmt, page_size=raw.get("page_size", "A4"), margins=raw.get("margins", ""),
        two_sided=raw.get("two_sided", fmt != "booklet"), include=tuple(map(str, raw.get("include", []))),
        exclude=tuple(map(str, raw.get("exclude", []))), stylesheet=stylesheet, bleed=raw.get("bleed", ""),
        marks=raw.get("marks", False), pdf_variant=variant, justify=raw.get("justify", True), branding=branding,
        source=raw.get("source", ""), epub_fonts=raw.get("epub_fonts", False), pdf_engine=engine,
        toc_depth=raw.get("toc_depth"), omit=tuple(map(str, raw.get("omit", []))))


def _chapter_paths(root: Path, doc: YamlDoc, raw: list | None, errors: list) -> tuple[Path, ...]:
    if raw is None:
        return tuple(sorted((root / "chapters").glob("*.md")))
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
    errors: list[BookError] = []
    _check_keys(doc, data, BOOK_KEYS, (), errors)
    raise_all(errors)

    date = data.get("date")
    if isinstance(date, str) and not re.match(r"^\d{4}-\d{2}-\d{2}$", date):
        errors.append(BookError(doc.path, doc.line("date"), f"invalid date '{date}'", "write it as YYYY-MM-DD"))
    date = str(date) if date else ""
    depth = data.get("toc_depth", 2)
    if not 1 <= depth <= 4:
        errors.append(BookError(doc.path, doc.line("toc_depth"), "toc_depth must be between 1 and 4"))
    authors = data.get("authors", [])
    authors = (authors,) if isinstance(authors, str) else tuple(map(str, authors))
    slug = data.get("slug") or slugify(data["title"])
    if not IDENT.match(slug):
        errors.append(BookError(doc.path, doc.line("slug"), f"invalid slug '{slug}'", "use lowercase letters, digits and hyphens"))
    cover = _project_file(root, doc, ("cover",), data["cover"], errors) if "cover" in data else None
    stylesheets = tuple(p for i, s in enumerate(data.get("stylesheets", []))
                        if (p := _project_file(root, doc, ("stylesheets", i), str(s), errors)))
    editions = [e for name, raw in data.get("editions", DEFAULT_EDITIONS).items()
                if (e := _edition(root, doc, str(name), raw, errors))]
    _check_edition_links(doc, editions, errors)
    pdfs = [e.name for e in editions if e.format == "pdf"]
    print_edition = data.get("print_edition", pdfs[0] if pdfs else "")
    if print_edition and print_edition not in pdfs:
        errors.append(BookError(doc.path, doc.line("print_edition"), f"print_edition '{print_edition}' is not a pdf edition"))
    chapters = _chapter_paths(root, doc, data.get("chapters"), errors)
    if not chapters and not errors:
        errors.append(BookError(doc.path, doc.line("chapters"), "the book has no chapters", "add Markdown files to chapters/"))
    raise_all(errors)

    identity = f"{data['title']}|{'|'.join(authors)}|{data.get('publisher', '')}"
    identifier = data.get("identifier") or f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'guidebook:' + identity)}"
    return BookConfig(
        root=root, title=data["title"], slug=slug, language=data.get("language", "en"), identifier=identifier,
        date=date, chapters=chapters, editions=tuple(editions), subtitle=data.get("subtitle", ""), authors=authors,
        publisher=data.get("publisher", ""), rights=data.get("rights", ""), description=data.get("description", ""),
        disclaimer=data.get("disclaimer", ""), keywords=tuple(map(str, data.get("keywords", []))), cover=cover,
        toc_depth=depth, print_edition=print_edition, stylesheets=stylesheets)
