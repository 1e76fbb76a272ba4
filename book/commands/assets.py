"""The files renderers need, read once by the build into a RenderContext: stylesheets, fonts, images, the cover."""
from __future__ import annotations

from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from ..assemble import Book
from ..load.project import Project
from ..infra.cache import Cache, file_digest
from ..render.context import RenderContext, Sheet
from ..render.page_list import PageBreak
from ..render.site import OutputFile
from ..infra.theme import styles_dir


def layout_sheet(layouts, name: str) -> Sheet:
    """(text, base URL) of a stylesheet among the layouts: the project's layouts/<name> if it has one."""
    text, filename, _ = layouts.loader.get_source(layouts, name)
    return text, Path(filename).resolve().as_uri()


def _sheet(path: Path) -> Sheet:
    return path.read_text(encoding="utf-8"), path.resolve().as_uri()


def image_sources(book: Book) -> list[str]:
    """The `src` of every image in the edition's chapters, each once, sorted."""
    found = set()
    for chapter in book.chapters:
        body = etree.fromstring(f"<div>{chapter.html}</div>", lxml_html.xhtml_parser)
        found.update(img.get("src") for img in body.iter("img"))
    return sorted(found)


def _sources(root: Path) -> tuple[tuple[str, str], ...]:
    """book.yaml and the data tables as (path relative to the project, text), for tracing a character."""
    paths = [root / "book.yaml", *sorted((root / "data").rglob("*.y*ml"))]
    return tuple((str(path.relative_to(root)), path.read_text(encoding="utf-8")) for path in paths if path.is_file())


def render_context(project: Project, book: Book | None = None,
                   page_breaks: dict[str, list[PageBreak]] | None = None) -> RenderContext:
    """The context for rendering `book` (an edition of `project`); without a book, what the download page needs."""
    config, layouts = project.config, project.layouts
    styles = styles_dir(config.root)
    cover = config.cover.read_bytes() if config.cover else None
    context = RenderContext(layouts, project.date, styles, cover=cover)
    if book is None:
        return context
    edition = book.edition
    highlight = layout_sheet(layouts, "highlight.css")
    if edition.format == "epub":
        fonts = tuple((path.name, path.read_bytes()) for path in sorted((styles / "fonts").glob("*.[ot]tf"))) \
            if edition.epub_fonts else ()
        return RenderContext(
            layouts, project.date, styles, cover=cover, cover_png=_cover_png(book, context), page_breaks=page_breaks or {},
            ebook_css=highlight[0].encode("utf-8") + b"\n" + (styles / "ebook.css").read_bytes(),
            fonts_css=(styles / "fonts.css").read_bytes() if edition.epub_fonts else b"", fonts=fonts,
            images=tuple((src, (config.root / src).read_bytes()) for src in image_sources(book)))
    return RenderContext(
        layouts, project.date, styles, cover=cover, sources=_sources(config.root),
        print_css=(highlight, _sheet(styles / "print.css"), *map(_sheet, config.stylesheets)),
        edition_css=(_sheet(edition.stylesheet),) if edition.stylesheet else (),
        parts_css=layout_sheet(layouts, "parts.css"), chrome_css=layout_sheet(layouts, "chrome.css"))


def _cover_png(book: Book, context: RenderContext) -> bytes | None:
    """The EPUB's PNG cover drawn from the SVG one, from the cache when the SVG, the language and the fonts are
    those of an earlier build (drawing and compressing it takes most of a second); None when the cover is a
    raster file or cannot be drawn (the renderer then says why)."""
    from ..render.cover import UnsupportedCover, cover_png
    from ..render.epub import cover_picture

    config = book.config
    if config.cover and config.cover.suffix.lower() != ".svg":
        return None
    svg = cover_picture(book, context)
    fonts = [str(path) for path in sorted(context.fonts_dir.glob("*")) if path.is_file()]
    key = Cache.key("cover png", svg, config.language, *(f"{font}={file_digest(font)}" for font in fonts))
    cache = Cache(config.root, "parts")
    entry = cache.get(key)
    if entry is not None and entry[1].startswith(b"\x89PNG"):
        return entry[1]
    try:
        png = cover_png(svg, context.fonts_dir, config.language)
    except (UnsupportedCover, etree.XMLSyntaxError):
        return None
    cache.put(key, {"png": "cover"}, png)
    return png


def output_files(out: Path, slug: str, page_counts: dict[str, int] | None = None) -> dict[str, OutputFile]:
    """The book's PDFs and EPUBs now in `out` (`slug`-…) by name, with sizes and page counts (from `page_counts`
    by file name for what this build wrote, else read from the file), for the download page."""
    import pikepdf

    found = {}
    for path in sorted(out.glob(f"{slug}-*.*")):
        if path.suffix not in (".pdf", ".epub") or not path.is_file():
            continue
        pages = (page_counts or {}).get(path.name)
        if path.suffix == ".pdf" and pages is None:
            with pikepdf.open(path) as pdf:
                pages = len(pdf.pages)
        found[path.name] = OutputFile(path.stat().st_size, pages)
    return found
