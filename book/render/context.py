"""RenderContext: what every renderer gets beside the Book, resolved and read by the build (book/commands/assets.py).

Renderers take `(book, context)` and read no file, no config file and no environment of their own: the theme,
stylesheets, fonts, images, cover, date and the print page map arrive here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from .page_list import PageBreak

Sheet = tuple[str, str]  # (CSS text, base URL)


@dataclass(frozen=True)
class RenderContext:
    layouts: jinja2.Environment  # the project's layouts first, then the built-in ones
    date: str  # the book's timestamp, ISO 8601 UTC
    styles: Path  # the theme in use (the project's styles/ or the default): the layout engine may fetch from it
    # print: highlight.css, the theme's print.css, book.yaml's stylesheets (the edition's geometry comes next)
    print_css: tuple[Sheet, ...] = ()
    edition_css: tuple[Sheet, ...] = ()  # the edition's own stylesheet, last
    parts_css: Sheet = ("", "")  # the parts engine's extra sheets, through the project's layout overrides
    chrome_css: Sheet = ("", "")
    # the ebook: highlight.css + the theme's ebook.css, fonts.css and the font files (name → bytes)
    ebook_css: bytes = b""
    fonts_css: bytes = b""
    fonts: tuple[tuple[str, bytes], ...] = ()
    images: tuple[tuple[str, bytes], ...] = ()  # image path as the chapters give it (relative to the project) → bytes
    cover: bytes | None = None  # book.yaml's cover file, None when the cover is drawn from cover.svg.j2
    cover_png: bytes | None = None  # the EPUB's raster cover drawn from an SVG cover (kept in the build's cache)
    # where a character may come from besides the chapters: (path as messages show it, text) of book.yaml and data/
    sources: tuple[tuple[str, str], ...] = ()
    # the EPUB's print page numbers: the print edition's page starts by chapter id ('' = the front matter)
    page_breaks: dict[str, list[PageBreak]] = field(default_factory=dict)

    @property
    def fonts_dir(self) -> Path:
        """The theme's font files, which fontTools, Pillow and fontconfig open by path (with Debian's script faces)."""
        return self.styles / "fonts"
