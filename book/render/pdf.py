"""Book + RenderContext → PDF bytes, one WeasyPrint document laid out from the print layout."""
from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path

from lxml import html as lxml_html

from ..assemble import Book
from ..infra.cache import Cache
from ..infra.errors import BookError, raise_all
from ..infra.i18n import join_hangul_html
from ..assemble.xrefs import page_reference_spans
from .branding import back_cover
from .context import RenderContext
from .fonts import FACES, available_faces, missing_characters, script_name
from .pdf_tags import contents_pages, describe_links, finish_tags
from .linebreak import patch_line_breaking
from .page_styles import share_page_styles
from .page_list import marked_body

VARIANTS = {"pdf/ua-1": "pdf/ua-1", "pdf/a-3b": "pdf/a-3b", "none": None}


def _margins(edition) -> dict | None:
    """top/outer/bottom/inner from the CSS margin shorthand in book.yaml (its right is outer, its left inner)."""
    if not edition.margins:
        return None
    v = edition.margins.split()
    # CSS shorthand: one value for all sides; top/bottom and sides; top, sides, bottom; or all four
    top, right, bottom, left = (v * 4 if len(v) == 1 else v * 2 if len(v) == 2
                                else [v[0], v[1], v[2], v[1]] if len(v) == 3 else v)
    return {"top": top, "outer": right, "bottom": bottom, "inner": left}


def footnotes_inline(body) -> object:
    """A copy of the chapter body with each footnote moved to its call, for CSS `float: footnote`."""
    body = copy.deepcopy(body)
    notes = {li.get("id"): li for li in body.xpath(".//div[@class='footnote']//li[@id]")}
    placed: dict[str, str] = {}  # note id → id of the footnote span made at its first call
    for ref in body.xpath(".//sup[a[contains(concat(' ', @class, ' '), ' footnote-ref ')]]"):
        note_id = ref[0].get("href", "#")[1:]
        note = notes.get(note_id)
        if note is None:
            continue
        if note_id in placed:  # a note cited again: only its number, linked to the first call; printed once
            ref[0].set("href", f"#{placed[note_id]}")
            continue
        placed[note_id] = ref.get("id", "")
        for back in note.xpath(".//a[contains(@class, 'footnote-backref')]"):
            back.getparent().remove(back)
        span = lxml_html.Element("span", {"class": "footnote", "id": ref.get("id", "")})
        span.text = re.sub(r"\s+", " ", note.text_content()).strip()
        span.tail = ref.tail
        ref.getparent().replace(ref, span)
    for block in body.xpath(".//div[@class='footnote']"):
        block.getparent().remove(block)
    return body


def list_numbers_as_css(body) -> object:
    """The body with `<ol start>`, `<ol reversed>` and `<li value>` spelled as list-item counters.

    WeasyPrint (70) ignores these attributes and numbers every list from 1, so a list that continues after a
    paragraph ("8. …") would restart. WeasyPrint increments the counter after a `counter-set`, hence the `- 1`s.
    """
    def number(text, default):
        try:
            return int(text)
        except (TypeError, ValueError):
            return default

    def add_style(element, declaration):
        element.set("style", ";".join(filter(None, [element.get("style", ""), declaration])))

    for ol in body.iter("ol"):
        items = [li for li in ol if li.tag == "li"]
        reversed_ = ol.get("reversed") is not None
        start = number(ol.get("start"), len(items) if reversed_ else 1)
        if reversed_:
            add_style(ol, f"counter-reset: list-item {start + 1}")
            for li in items:
                add_style(li, "counter-increment: list-item -1")
        elif start != 1:
            add_style(ol, f"counter-reset: list-item {start - 1}")
        for li in items:
            value = number(li.get("value"), None)
            if value is not None:
                add_style(li, f"counter-set: list-item {value + 1 if reversed_ else value - 1}")
    return body


# A table of this many columns or more is set smaller, its cells broken anywhere rather than run off the page
# (got's README compares seven libraries): at the table's width the words of narrow columns no longer fit.
WIDE_TABLE_COLUMNS = 6


def wide_tables_marked(body) -> object:
    """The body with class `wide` on each table whose first row has WIDE_TABLE_COLUMNS cells or more (print CSS
    sets them smaller and lets their cells break anywhere). Changes `body` in place (the print renderer's copy)."""
    for table in body.iter("table"):
        cells = [cell for cell in next(table.iter("tr"), []) if cell.tag in ("td", "th")]
        columns = sum(int(cell.get("colspan")) if (cell.get("colspan") or "").isdigit() else 1 for cell in cells)
        if columns >= WIDE_TABLE_COLUMNS:
            table.set("class", " ".join([*table.get("class", "").split(), "wide"]))
    return body


def body_html(body) -> str:
    """The children of a chapter's <div> as HTML text."""
    return (body.text or "") + "".join(lxml_html.tostring(child, encoding="unicode") for child in body)


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    labels: tuple[str, ...]  # the number printed on each page ("iii", "12")
    starts: tuple[str, ...]  # the data-block each page begins in ("" for pages without one)
    layout_key: str = ""  # PrintSource.layout_key of what was laid out: the print page map's cache key

    @property
    def page_count(self) -> int:
        return len(self.labels)


def _first_block(page) -> str:
    for box in page._page_box.descendants():
        element = getattr(box, "element", None)
        if element is not None and element.get("data-block"):
            return element.get("data-block")
    return ""


def roman(number: int) -> str:
    """Lower-case roman numeral, as CSS lower-roman prints it."""
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                           (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while number >= value:
            out, number = out + letters, number - value
    return out


def page_labels(starts: list[str], first_chapter_id: str) -> tuple[str, ...]:
    """Roman numbers until the first chapter opens, then arabic from 1 (as the print stylesheet numbers them)."""
    body = next((i for i, s in enumerate(starts) if s.startswith(first_chapter_id + "-")), len(starts))
    return tuple(roman(i + 1) if i < body else str(i - body + 1) for i in range(len(starts)))


def label_ranges(labels: tuple[str, ...]) -> list[tuple[int, str]]:
    """(first page index, PDF numbering style) for each run of page labels: roman, then arabic from the first "1"."""
    body = next((i for i, label in enumerate(labels) if label == "1"), len(labels))
    return [(0, "/r")] + ([(body, "/D")] if body < len(labels) else [])


def _label_pages(pdf, labels: tuple[str, ...]) -> None:
    """PDF page labels, so viewers show "iii" and "12" as printed rather than the sheet count."""
    import pydyf

    numbers = pydyf.Array()
    for start, style in label_ranges(labels):
        numbers.extend([start, pydyf.Dictionary({"S": style})])
    pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": numbers})


def _finish(pdf, labels: tuple[str, ...], direction: str) -> None:
    """Page labels, and for a right-to-left book the reading order viewers show spreads in."""
    import pydyf

    _label_pages(pdf, labels)
    if direction == "rtl":
        pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"Direction": "/R2L"})


# Lenient mode's warnings of the layout stage, printed and counted by the command line like the loader's.
WARNINGS = logging.getLogger("guidebook.warnings")


@dataclass(frozen=True)
class PrintSource:
    """What both PDF paths lay out: the chapters' HTML, the stylesheets, and a way to render the layout."""

    chapters: list[dict]
    css: list[tuple[str, str]]  # (CSS text, base URL), in cascade order
    layout: object
    context: dict
    # lenient mode: characters no font has (emoji in READMEs) are left out of the layout, each with a warning
    left_out: frozenset[str] = frozenset()
    warnings: tuple[BookError, ...] = ()

    def render_html(self, part: str, chapters: list[dict], page_numbers: dict) -> str:
        html = self.layout.render(**self.context, part=part, chapters=chapters, page_numbers=page_numbers)
        if self.left_out:
            html = html.translate(dict.fromkeys(map(ord, self.left_out)))
        return join_hangul_html(html)

    def layout_key(self, root: Path) -> str:
        """A cache key of everything that lays this edition out: its whole HTML and its stylesheets, with the
        project folder `root` left out of their URLs (a project copied or moved elsewhere keeps its key)."""
        here = root.as_uri()
        return Cache.key("page-map", self.render_html("all", self.chapters, {}),
                         *(piece.replace(here, "") for text, base in self.css for piece in (text, base)))


def _where(char: str, book: Book, context: RenderContext) -> tuple[str, int | None]:
    """The first source file and line holding `char`: a chapter (its title first: the text has it blanked out),
    book.yaml or a data table."""
    # as typed, or as a character reference (`&#x1F600;`, `&#128512;`: reported at book.yaml with no line before)
    forms = re.compile("|".join([re.escape(char), f"&#[xX]0*{ord(char):x};", f"&#0*{ord(char)};"]), re.I)
    for chapter in (c.chapter for c in book.chapters):
        if char in chapter.title:
            return chapter.display, chapter.title_line
        if found := forms.search(chapter.text):
            return chapter.display, chapter.text.count("\n", 0, found.start()) + 1
    for path, text in context.sources:
        if char in text:
            return path, text.count("\n", 0, text.index(char)) + 1
    return "book.yaml", None


def check_glyphs(book: Book, html: str, context: RenderContext) -> tuple[frozenset[str], tuple[BookError, ...]]:
    """Raise an error for each character of the edition's text that no font of the edition can draw (no tofu).

    Not strict: (those characters, a warning for each) instead; the layout leaves them out."""
    text = lxml_html.document_fromstring(html).text_content()
    errors = []
    absent = sorted({face.package for face in FACES} - {face.package for face in available_faces()})
    install = f", or install Debian's {' and '.join(absent)}" if absent else ""
    missing = missing_characters(text, context.fonts_dir, book.config.language)
    by_script: dict[str, list[str]] = {}  # one line a script: Hindi text lacks forty characters, not one
    for char in missing:
        by_script.setdefault(script_name(char), []).append(char)
    for script, chars in by_script.items():
        char = chars[0]
        path, line = _where(char, book, context)
        more = f" or {len(chars) - 1} more {script} characters" if len(chars) > 1 else ""
        errors.append(BookError(path, line, f"no font of this edition has '{char}' (U+{ord(char):04X}){more}"
                                + ("" if book.config.strict else "; left out of the PDF"),
                                f"add a font that covers {script}{install}", not book.config.strict))
    if book.config.strict:
        raise_all(errors)
    return frozenset(missing), tuple(errors)


class _NotdefGate(logging.Handler):
    """Collects WeasyPrint's warnings about characters it drew as empty boxes: the last guard against tofu."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(".notdef"):
            self.messages.append(message)


def prepare_print(book: Book, context: RenderContext) -> PrintSource:
    """The print layout's inputs for this edition (chapter bodies with footnotes placed for CSS)."""
    config, edition, layouts = book.config, book.edition, context.layouts
    chapters = [{"chapter": c.chapter, "number": c.number, "anchor": c.anchor,
                 "html": body_html(wide_tables_marked(page_reference_spans(list_numbers_as_css(footnotes_inline(marked_body(c))))))}
                for c in book.chapters]
    disclaimer = book.disclaimer_html  # through the allow-list in assemble
    geometry = layouts.get_template("edition.css.j2").render(edition=edition, margins=_margins(edition),
                                                                rtl=book.messages.direction == "rtl", t=book.messages)
    css = [*context.print_css, (geometry, (config.root / "edition.css").resolve().as_uri()), *context.edition_css]
    values = dict(config=config, edition=edition, toc=book.toc, tables=book.tables, date=context.date, stylesheets=[],
                  figures=book.figures,
                  disclaimer_html=disclaimer, edition_label=book.messages.edition(edition.name), t=book.messages,
                  back_cover=back_cover(edition.branding, config.root, config.url))
    source = PrintSource(chapters, css, layouts.get_template("print.html.j2"), values)
    left_out, warnings = check_glyphs(book, source.render_html("all", chapters, {}), context)
    return replace(source, left_out=left_out, warnings=warnings)


def render_pdf(book: Book, context: RenderContext) -> RenderedPdf:
    """The edition as one WeasyPrint document, with the label and first block of each page.

    Fontconfig must already see only the book's fonts (fonts.isolate_fonts, called by the build)."""
    config, edition = book.config, book.edition
    root = config.root
    from weasyprint import HTML  # imported here: ~1 s that `check` and the EPUB never need

    from .fetcher import ResourceRefused, parsed_styles  # (it imports WeasyPrint)

    patch_line_breaking()
    share_page_styles()
    source = prepare_print(book, context)
    for warning in source.warnings:
        WARNINGS.warning("%s", warning)
    html = source.render_html("all", source.chapters, {})
    from weasyprint import LOGGER

    gate = _NotdefGate()
    LOGGER.addHandler(gate)
    try:
        fetcher, font_config, css, _ = parsed_styles(source.css, [root, context.styles])
        document = HTML(string=html, base_url=str(root) + "/", url_fetcher=fetcher).render(
            stylesheets=css, font_config=font_config, pdf_variant=VARIANTS[edition.pdf_variant])
        starts = [_first_block(page) for page in document.pages]
        labels = page_labels(starts, book.chapters[0].id)
        pdf = document.write_pdf(pdf_variant=VARIANTS[edition.pdf_variant], pdf_identifier=config.identifier.encode(),
                                 finisher=lambda document, pdf: (_finish(pdf, labels, book.messages.direction),
                                                                 describe_links(document)))
        pdf = finish_tags(pdf, contents_pages(starts), (config.identifier, edition.name))
    except ResourceRefused as error:
        raise BookError(None, None, str(error), "keep images, stylesheets and fonts inside the project") from None
    except Exception as error:  # noqa: BLE001 - WeasyPrint wraps refusals in its own exceptions
        cause = error.__cause__ or error.__context__
        if isinstance(cause, ResourceRefused):
            raise BookError(None, None, str(cause), "keep images, stylesheets and fonts inside the project") from None
        raise
    finally:
        LOGGER.removeHandler(gate)
    if gate.messages:
        raise BookError(None, None, gate.messages[0], "add a font that covers these characters to styles/fonts")
    return RenderedPdf(pdf, labels, tuple(starts), source.layout_key(root))
