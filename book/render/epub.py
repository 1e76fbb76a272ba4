"""Book + RenderContext → EPUB 3 bytes (ebooklib for the package; our layouts for every XHTML file)."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Callable

import jinja2
from ebooklib import epub
from lxml import etree
from lxml import html as lxml_html

from ..assemble import Book, BookChapter
from ..infra.errors import BookError
from .context import RenderContext
from .cover import UnsupportedCover, cover_png, cover_svg
from .page_list import PageBreak, front_page_targets, marked_body, nav_ids, page_markers, place_markers

XHTML = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
NS = {"x": XHTML}
MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".svg": "image/svg+xml", ".webp": "image/webp", ".ttf": "font/ttf", ".otf": "font/otf",
               ".woff": "font/woff", ".woff2": "font/woff2", ".css": "text/css"}
# chapter type → (epub:type, ARIA role)
SEMANTICS = {"chapter": ("chapter", "doc-chapter"), "appendix": ("appendix", "doc-appendix"),
             "preface": ("preface", "doc-preface"), "introduction": ("introduction", "doc-introduction"),
             "glossary": ("glossary", "doc-glossary"), "backmatter": ("backmatter", "region")}
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _xml(element) -> str:
    return etree.tostring(element, method="xml", encoding="unicode")


def _body_xhtml(body) -> str:
    """The body's children as XHTML (assemble already dropped HTML comments)."""
    return (body.text or "") + "".join(_xml(child) for child in body)


def _epub_attr(element, value: str) -> None:
    element.set(f"{{{EPUB_NS}}}type", value)


def _semantic_footnotes(root, back_label: str) -> None:
    """Footnote calls become noterefs and the notes asides, as reading systems expect."""
    for ref in root.iterfind(".//x:a[@class='footnote-ref']", NS):
        _epub_attr(ref, "noteref")
        ref.set("role", "doc-noteref")
    for block in root.xpath(".//x:div[@class='footnote']", namespaces=NS):
        parent = block.getparent()
        index = parent.index(block)
        for li in block.iterfind(".//x:li", NS):
            aside = etree.Element(f"{{{XHTML}}}aside", {"id": li.get("id"), "class": "footnote", "role": "doc-footnote"})
            _epub_attr(aside, "footnote")
            aside.text, aside[:] = li.text, list(li)
            for back in aside.iterfind(".//x:a[@class='footnote-backref']", NS):
                back.set("role", "doc-backlink")
                back.set("aria-label", back_label)
                back.attrib.pop("title", None)
            parent.insert(index, aside)
            index += 1
        parent.remove(block)


def _relink(root, chapter_id: str, targets: dict[str, str]) -> None:
    """Internal links ("#id") to another chapter point at its file (`targets`: id → chapter id)."""
    for link in root.iterfind(".//x:a[@href]", NS):
        href = link.get("href")
        target = targets.get(href[1:]) if href.startswith("#") else None
        if target is not None and target != chapter_id:
            link.set("href", f"{target}.xhtml{href}")


def _strip_block_ids(root) -> None:
    for element in root.iterfind(".//*[@data-block]"):
        del element.attrib["data-block"]


def chapter_xhtml(chapter: BookChapter, book: Book, layouts: jinja2.Environment, breaks: list[PageBreak]) -> bytes:
    """One chapter as an XHTML content document, with markers where the print edition's pages begin."""
    epub_type, role = SEMANTICS[chapter.chapter.type]
    text = layouts.get_template("chapter.xhtml.j2").render(
        language=book.config.language, title=chapter.chapter.title, anchor=chapter.anchor, chapter_id=chapter.id, number=chapter.number,
        epub_type=epub_type, role=role, css_class=f"type-{chapter.chapter.type} {chapter.chapter.css_class}".strip(),
        body=_body_xhtml(marked_body(chapter)), fonts=book.edition.epub_fonts, t=book.messages)
    root = etree.fromstring(text.encode("utf-8"))
    _semantic_footnotes(root, book.messages("back_to_text"))
    _relink(root, chapter.id, dict(book.targets))
    page_markers(root, breaks)
    _strip_block_ids(root)
    return _document(root)


def _document(root) -> bytes:
    """An XHTML content document's bytes."""
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>")


def _item(uid: str, name: str, media_type: str, content: bytes, properties: list[str] | None = None) -> epub.EpubItem:
    item = epub.EpubItem(uid=uid, file_name=name, media_type=media_type, content=content)
    item.properties = properties or []
    return item


@dataclass(frozen=True)
class ContentFacts:
    """What the book holds, as far as its accessibility metadata is concerned."""

    images: bool  # pictures that carry meaning (with alt text); decorative ones do not count
    tables: bool
    page_list: bool  # print page numbers from a PDF edition


def content_facts(book: Book, paged: bool) -> ContentFacts:
    """The facts of this edition's chapters."""
    bodies = [marked_body(c) for c in book.chapters]
    images = any(img.get("alt", "").strip() for body in bodies for img in body.iter("img"))
    return ContentFacts(images=images, tables=any(True for body in bodies for _ in body.iter("table")), page_list=paged)


def accessibility_metadata(facts: ContentFacts, print_edition: str) -> list[tuple[str, str]]:
    """(property, value) pairs of EPUB Accessibility 1.1 metadata that say what this book really offers."""
    modes = ["textual", "visual"] if facts.images else ["textual"]
    # Every picture has a text alternative, so text alone is enough; with pictures, text and pictures are too.
    sufficient = ["textual", "textual,visual"] if facts.images else ["textual"]
    features = ["tableOfContents", "structuralNavigation", "readingOrder"]
    if facts.images:
        features.append("alternativeText")
    if facts.page_list:
        features += ["printPageNumbers", "pageBreakMarkers", "pageNavigation"]
    summary = [("Text and images; every image that carries meaning has a text alternative, decorative ones are "
                "hidden from assistive technology." if facts.images else "All content is text, with no images."),
               "A table of contents, semantic headings and landmarks lead through the book in its reading order."]
    if facts.tables:
        summary.append("Data tables have captions and header cells with their scope, and a list of tables.")
    if facts.page_list:
        summary.append(f"Page breaks and a page list follow the {print_edition} edition's printed page numbers.")
    summary.append("No flashing, sound or motion hazards.")
    return [*[("schema:accessMode", m) for m in modes], *[("schema:accessModeSufficient", m) for m in sufficient],
            *[("schema:accessibilityFeature", f) for f in features], ("schema:accessibilityHazard", "none"),
            ("schema:accessibilitySummary", " ".join(summary)),
            ("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.2 Level AA")]


def _metadata(package: epub.EpubBook, book: Book, date: str, facts: ContentFacts) -> None:
    config = book.config
    package.set_identifier(config.identifier)
    package.set_title(config.title)
    package.set_language(config.language)
    if book.messages.direction == "rtl":
        package.set_direction("rtl")  # page-progression-direction="rtl" on the spine
    for index, author in enumerate(config.authors):
        package.add_author(author, uid=f"creator{index}")  # ebooklib repeats id="creator" otherwise
    for name, value in (("publisher", config.publisher), ("rights", config.rights), ("description", config.description),
                        ("date", date)):
        if value:
            package.add_metadata("DC", name, value)
    for keyword in config.keywords:
        package.add_metadata("DC", "subject", keyword)
    if config.subtitle:
        package.add_metadata("DC", "title", config.subtitle, {"id": "subtitle"})
        package.add_metadata(None, "meta", "subtitle", {"refines": "#subtitle", "property": "title-type"})
    if facts.page_list:
        package.add_metadata("DC", "source", f"{config.identifier}#{config.print_edition}", {"id": "print-source"})
        package.add_metadata(None, "meta", "pagination", {"refines": "#print-source", "property": "source-of"})
    for prop, value in accessibility_metadata(facts, config.print_edition):
        package.add_metadata(None, "meta", value, {"property": prop})


def package_language(language: str) -> Callable[[str, bytes], bytes]:
    """A zip-entry rewrite giving the OPF's <package> an xml:lang (ebooklib writes none; DAISY Ace requires it)."""
    def rewrite(name: str, data: bytes) -> bytes:
        if not name.endswith(".opf"):
            return data
        root = etree.fromstring(data)
        root.set(XML_LANG, language)
        return etree.tostring(root, pretty_print=True, encoding="utf-8", xml_declaration=True)
    return rewrite


def reproducible_zip(data: bytes, rewrite: Callable[[str, bytes], bytes] = lambda name, data: data) -> bytes:
    """The same EPUB with fixed entry dates and permissions, mimetype first and stored (entries passed through
    `rewrite`)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.external_attr = 0o644 << 16
            fixed.compress_type = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            target.writestr(fixed, rewrite(info.filename, source.read(info.filename)))
    return out.getvalue()


def render_epub(book: Book, context: RenderContext) -> bytes:
    """The EPUB's bytes, with the print edition's page numbers where `context.page_breaks` has them."""
    config, layouts, breaks = book.config, context.layouts, context.page_breaks
    package = epub.EpubBook()
    package.FOLDER_NAME = "EPUB"
    _metadata(package, book, context.date, content_facts(book, any(breaks.values())))

    # the looks of GitHub-flavoured Markdown first, so that the book's own CSS may override them
    package.add_item(_item("style", "style/ebook.css", "text/css", context.ebook_css))
    if book.edition.epub_fonts:
        package.add_item(_item("fonts-css", "style/fonts.css", "text/css", context.fonts_css))
        for name, data in context.fonts:
            font = PurePosixPath(name)
            package.add_item(_item(f"font-{font.stem}", f"style/fonts/{name}", MEDIA_TYPES[font.suffix], data))
    for index, (src, data) in enumerate(context.images):
        suffix = PurePosixPath(src).suffix.lower()
        package.add_item(_item(f"img{index}", src, MEDIA_TYPES.get(suffix, "application/octet-stream"), data))

    cover_name = _add_cover(package, book, context)
    cover_page = layouts.get_template("cover.xhtml.j2").render(config=config, cover_href=cover_name, fonts=book.edition.epub_fonts, t=book.messages)
    cover = _item("cover", "cover.xhtml", "application/xhtml+xml", cover_page.encode("utf-8"))
    package.add_item(cover)

    disclaimer = _xml(lxml_html.fragment_fromstring(book.disclaimer_html)) if book.disclaimer_html else ""  # allow-listed
    front_text = layouts.get_template("frontmatter.xhtml.j2").render(
        config=config, edition_label=book.messages.edition(book.edition.name), disclaimer_html=disclaimer,
        fonts=book.edition.epub_fonts, t=book.messages)
    front_root = etree.fromstring(front_text.encode("utf-8"))
    front_pages = front_page_targets(breaks.get("", []), set(front_root.xpath("//@id")), nav_ids(book))
    place_markers(front_root, [(page, target) for page, file, target in front_pages if file == "front.xhtml"])
    front = _item("front", "front.xhtml", "application/xhtml+xml", _document(front_root))
    package.add_item(front)

    chapters = []
    for chapter in book.chapters:
        item = _item(f"c-{chapter.id}", chapter.file_name, "application/xhtml+xml",
                     chapter_xhtml(chapter, book, layouts, breaks.get(chapter.id, [])))
        package.add_item(item)
        chapters.append(item)

    pages = [*[{"label": page.label, "href": f"{file}#page-{page.label}"} for page, file, _ in front_pages],
             *[{"label": p.label, "href": f"{p.chapter_id}.xhtml#page-{p.label}"}
               for c in book.chapters for p in breaks.get(c.id, [])]]
    first_body = next((c for c in book.chapters if c.chapter.type == "chapter"), book.chapters[0])
    glossary = next((c for c in book.chapters if c.chapter.type == "glossary"), None)
    nav_text = layouts.get_template("nav.xhtml.j2").render(
        config=config, toc=book.toc, tables=book.tables, figures=book.figures, pages=pages, bodymatter=first_body.file_name,
        glossary=glossary.file_name if glossary else "", fonts=book.edition.epub_fonts, t=book.messages)
    nav_root = etree.fromstring(nav_text.encode("utf-8"))
    place_markers(nav_root, [(page, target) for page, file, target in front_pages if file == "nav.xhtml"])
    nav = _item("nav", "nav.xhtml", "application/xhtml+xml", _document(nav_root), ["nav"])
    package.add_item(nav)
    package.add_item(epub.EpubNcx())
    package.toc = [_ncx_entry(e) for e in book.toc]
    if book.tables:
        package.toc.insert(0, epub.Link("nav.xhtml#lot", book.messages("list_of_tables"), "lot"))
    if book.figures:
        package.toc.insert(bool(book.tables), epub.Link("nav.xhtml#loi", book.messages("list_of_figures"), "loi"))
    package.spine = [cover, front, nav, *chapters]

    buffer = io.BytesIO()
    modified = dt.datetime.strptime(context.date, "%Y-%m-%dT%H:%M:%SZ")
    epub.write_epub(buffer, package, {"mtime": modified, "epub3_pages": False, "epub2_guide": False})
    return reproducible_zip(buffer.getvalue(), package_language(config.language))


def _ncx_entry(entry):
    """toc.ncx node for a contents entry and its sections (the same tree as nav.xhtml and the PDF)."""
    href = f"{entry.chapter_id}.xhtml" + (f"#{entry.anchor}" if entry.level > 1 else "")
    title = f"{entry.number}. {entry.title}" if entry.number else entry.title
    if not entry.children:
        return epub.Link(href, title, _ncx_id(entry.anchor))
    return (epub.Section(title, href), [_ncx_entry(child) for child in entry.children])


def _ncx_id(anchor: str) -> str:
    """A navPoint id for `anchor` in ASCII: toc.ncx is checked against XML 1.0's old name rules, which refuse
    many letters a heading id may hold (ª, ĳ …; found by the fuzz test). Each other character becomes _hex_."""
    return "nav-" + re.sub(r"[^A-Za-z0-9-]", lambda m: f"_{ord(m.group()):x}_", anchor)


def cover_picture(book: Book, context: RenderContext) -> bytes:
    """The cover as SVG: book.yaml's cover file, or the one drawn from cover.svg.j2."""
    if book.config.cover:
        return context.cover
    return cover_svg(book.config, context.layouts, context.fonts_dir, book.messages.direction == "rtl")


def _add_cover(package: epub.EpubBook, book: Book, context: RenderContext) -> str:
    """Add the cover-image, always raster (a PNG drawn from an SVG cover); returns its name for the cover page."""
    config = book.config
    suffix = config.cover.suffix.lower() if config.cover else ".svg"
    if suffix != ".svg":
        package.add_item(_item("cover-image", f"images/cover{suffix}", MEDIA_TYPES[suffix], context.cover, ["cover-image"]))
        return f"images/cover{suffix}"
    try:
        png = context.cover_png or cover_png(cover_picture(book, context), context.fonts_dir, config.language)
    except (UnsupportedCover, etree.XMLSyntaxError) as error:
        where = config.cover.relative_to(config.root) if config.cover else "layouts/cover.svg.j2"
        raise BookError(where, getattr(error, "line", None) or getattr(error, "lineno", None), str(error),
                        "give book.yaml a PNG or JPEG cover: ebook shops and Kindle conversion need a raster cover") from None
    # Only the PNG goes in: a second, unreferenced SVG would be an unused resource (EPUBCheck's OPF-097).
    package.add_item(_item("cover-image", "images/cover.png", "image/png", png, ["cover-image"]))
    return "images/cover.png"
