"""An edition of the book (book.yaml's `editions:`): what differs between the print, brochure, booklet and ebook,
each setting checked with its line."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..infra.errors import BookError
from ..infra.i18n import language_problem
from .branding import Branding, load_branding_list, make_branding
from .config_values import margins_problem
from .schema import check_keys, project_file
from .yamlfile import YamlDoc

PAGE_SIZE = re.compile(r"^(A3|A4|A5|A6|B5|Letter|Legal|\d+(\.\d+)?mm \d+(\.\d+)?mm)( landscape)?$", re.I)
LENGTH = re.compile(r"^\d+(\.\d+)?(mm|cm|in|pt)$")
MARGINS = re.compile(r"^(\d+(\.\d+)?(mm|cm|in|pt)\s*){1,4}$")
IDENT = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FORMATS = ("pdf", "epub", "booklet", "press")
# Editions made from another edition's PDF take only these keys (the layout keys belong to the source)
DERIVED_KEYS = {"booklet": {"format", "source"}, "press": {"format", "source", "bleed", "marks"}}
PDF_VARIANTS = ("pdf/ua-1", "pdf/a-3b", "none")
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


def load_edition(root: Path, doc: YamlDoc, name: str, raw: Any, errors: list) -> Edition | None:
    where = ("editions", name)
    if not isinstance(raw, dict):
        errors.append(BookError(doc.path, doc.line(*where), f"edition '{name}' must be a mapping of settings"))
        return None
    before = len(errors)
    check_keys(doc, raw, EDITION_KEYS, where, errors)
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
        stylesheet = project_file(root, doc, (*where, "stylesheet"), raw["stylesheet"], errors)
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
        path = project_file(root, doc, key, value, errors)
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


def check_edition_links(doc: YamlDoc, editions: list[Edition], errors: list) -> None:
    names = {e.name: e for e in editions}
    pdfs = [name for name, e in names.items() if e.format == "pdf"]
    for e in editions:
        if e.format in DERIVED_KEYS and e.source not in pdfs:
            errors.append(BookError(doc.path, doc.line("editions", e.name, "source"),
                                    f"{e.format} edition '{e.name}' needs 'source:' naming a pdf edition",
                                    f"pdf editions: {', '.join(pdfs) or 'none'}"))
