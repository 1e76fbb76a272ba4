"""The "Notes" page: on a booklet's padding pages, and on the empty page before a back cover."""
from __future__ import annotations

import dataclasses
import io
from typing import Callable

import pikepdf

from ..assemble import Book
from .fetcher import ProjectFetcher
from .overlay import draw_page
from .context import RenderContext
from .pdf import prepare_print


def notes_page_source(book: Book, context: RenderContext) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The Notes page's HTML and stylesheets (text, base URL): what render_notes_page lays out."""
    source = prepare_print(dataclasses.replace(book, chapters=()), context)  # the page needs none of the chapters
    return source.render_html("notes", [], {}), tuple(source.css)


def render_notes_page(book: Book, context: RenderContext) -> tuple[bytes, list[str]]:
    """A one-page PDF in the edition's page size, fonts and language: the word "Notes" over ruled lines; and the
    files its layout read (fonts, imported stylesheets)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    root = book.config.root
    html, sheets = notes_page_source(book, context)
    fetcher = ProjectFetcher([root, context.styles])
    fonts = FontConfiguration()
    css = [CSS(string=text, base_url=base, url_fetcher=fetcher, font_config=fonts) for text, base in sheets]
    document = HTML(string=html, base_url=str(root) + "/", url_fetcher=fetcher).render(stylesheets=css, font_config=fonts)
    return document.write_pdf(pdf_identifier=book.config.identifier.encode()), sorted(fetcher.fetched)


def _is_blank(page: pikepdf.Page) -> bool:
    """Whether the page draws nothing (a padding page WeasyPrint or the parts engine left empty)."""
    if "/Annots" in page.obj and len(page.obj.Annots):
        return False
    drawing = {str(op) for _, op in pikepdf.parse_content_stream(page)} if "/Contents" in page.obj else set()
    return not drawing & {"Tj", "TJ", "'", '"', "Do", "f", "f*", "S", "B", "b", "sh"}


def notes_before_back_cover(pdf: bytes, starts: tuple[str, ...], notes: Callable[[], bytes]) -> bytes:
    """`pdf` with the empty page a two-sided edition leaves before its back cover (which goes on a left-hand page)
    showing the Notes page; marked as an artifact, as ruled lines to write on say nothing to a screen reader."""
    if len(starts) < 2 or starts[-1] != "back-cover":
        return pdf
    document = pikepdf.open(io.BytesIO(pdf))
    page = document.pages[-2]
    if not _is_blank(page):
        return pdf
    source = pikepdf.open(io.BytesIO(notes()))
    draw_page(page, source.pages[0], "NotesPage", artifact=True)
    out = io.BytesIO()
    document.save(out, deterministic_id=True, fix_metadata_version=False)
    return out.getvalue()
