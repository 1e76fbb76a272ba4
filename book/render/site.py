"""The download page, dist/index.html: what a QR code and a clinic's website point to.

One self-contained HTML file (the cover inlined, the styles in the page, no scripts, nothing fetched) listing
every edition in dist/ with its format, page count and size.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Mapping

from ..load.config import BookConfig
from ..load.editions import Edition
from .context import RenderContext

MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".webp": "image/webp"}


@dataclass(frozen=True)
class OutputFile:
    """A file already in the output folder, as the build found it."""

    size: int  # bytes
    pages: int | None  # for a PDF


@dataclass(frozen=True)
class Download:
    """One file on the download page."""

    href: str  # relative to the page: the file's name
    title: str  # "Brochure", "Brochure — Seoul Knee Clinic", "Brochure — Arabic"
    kind: str  # "PDF, A5, 22 pages"
    size: str  # "1.2 MB"
    own_name: str = ""  # the edition's language in its own words ("العربية"), when it is not the book's
    own_language: str = ""


def human_size(size: int) -> str:
    if size < 1000 * 1000:
        return f"{max(1, round(size / 1000))} kB"
    return f"{size / 1000 / 1000:.1f} MB"


def edition_title(edition: Edition, book_language: str) -> tuple[str, str]:
    """('Print', ''), ('Brochure — Arabic', 'العربية'): an edition's name, and its language when it is not the
    book's, in English and in its own words (not "Brochure zh hans")."""
    language = edition.language or book_language
    suffix = "-" + language.lower()
    base = edition.name[:-len(suffix)] if edition.name.lower().endswith(suffix) else edition.name
    title = base.replace("-", " ").capitalize()
    if language.lower() == book_language.lower():
        return title, ""
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(language, sep="-")
    except (ValueError, UnknownLocaleError):
        return f"{title} — {language}", ""
    english, own = locale.get_display_name("en"), locale.get_display_name(locale)
    return f"{title} — {english}", own if own != english else ""


def describe(edition: Edition, pages: int | None, sources: dict[str, Edition]) -> str:
    """What a file of this edition is, in a few words."""
    page_text = f", {pages} pages" if pages else ""
    if edition.format == "epub":
        return "EPUB 3 ebook, for reading apps and screen readers"
    if edition.format == "booklet":
        size = sources[edition.source].page_size if edition.source in sources else ""
        return f"PDF booklet: {size} pages two to a sheet, to print on both sides, fold and staple{page_text.replace('pages', 'sheet sides')}"
    if edition.format == "press":
        return f"PDF/X-4 for a print shop (bleed and crop marks){page_text}"
    return f"PDF, {edition.page_size}{page_text}"


def cover_data_url(config: BookConfig, context: RenderContext) -> str:
    """The cover as a data: URL, so the page needs no other file."""
    if config.cover:
        data, media = context.cover, MEDIA_TYPES.get(config.cover.suffix.lower(), "image/png")
    else:
        from .cover import cover_svg
        data = cover_svg(config, context.layouts, context.fonts_dir)
        media = "image/svg+xml"
    return f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"


def downloads(config: BookConfig, present: Mapping[str, OutputFile]) -> list[Download]:
    """Every edition's file that is `present` (by name), in book.yaml's order (a clinic list's files after each other)."""
    sources = {e.name: e for e in config.editions}
    found = []
    for edition in config.editions:
        if edition.draft or sources.get(edition.source, edition).draft:  # samples are not for distribution
            continue
        clinics = edition.clinics or sources.get(edition.source, edition).clinics
        names = ([(f"{config.slug}-{edition.name}-{c.id}.{edition.extension}", f" — {c.name}") for c in clinics]
                 if clinics else [(f"{config.slug}-{edition.name}.{edition.extension}", "")])
        for name, suffix in names:
            if name in present:
                title, own = edition_title(edition, config.language)
                found.append(Download(name, title + suffix, describe(edition, present[name].pages, sources),
                                      human_size(present[name].size), own, edition.language if own else ""))
    return found


def download_page(config: BookConfig, context: RenderContext, present: Mapping[str, OutputFile]) -> bytes:
    """dist/index.html for the files `present` in the output folder (by name)."""
    from lxml import html as lxml_html

    # the disclaimer may hold inline HTML (it is sanitised for the PDF); the page shows its words
    disclaimer = (lxml_html.fragment_fromstring(config.disclaimer, create_parent="p").text_content()
                  if config.disclaimer else "")
    page = context.layouts.get_template("index.html.j2").render(
        config=config, cover=cover_data_url(config, context), downloads=downloads(config, present), disclaimer=disclaimer)
    return page.encode("utf-8")
