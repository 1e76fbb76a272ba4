"""Book + Edition → EPUB 3 bytes (ebooklib for the package; our layouts for every XHTML file)."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import jinja2
from ebooklib import epub
from lxml import etree
from lxml import html as lxml_html

from ..assemble import Book, BookChapter
from ..theme import styles_dir
from .cover import wrap_title

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


@dataclass(frozen=True)
class PageBreak:
    """A print page that starts at the top of block `block` (a data-block id) of chapter `chapter_id`."""

    label: str
    chapter_id: str  # "" for the front matter
    block: str


def _xml(element) -> str:
    return etree.tostring(element, method="xml", encoding="unicode")


def _body_xhtml(body) -> str:
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


def _relink(root, chapter_id: str) -> None:
    """Internal links point at the right file; data-chapter was only for us."""
    for link in root.iterfind(".//x:a[@data-chapter]", NS):
        target = link.attrib.pop("data-chapter")
        if target != chapter_id:
            link.set("href", f"{target}.xhtml{link.get('href')}")


def _page_markers(root, breaks: list[PageBreak]) -> None:
    """Invisible print-page markers before the blocks where the print edition's pages begin."""
    section = root.find(".//x:section", NS)
    for page in breaks:
        target = root.find(f".//*[@data-block='{page.block}']") if page.block else None
        if target is None:
            section.append(_marker(page.label))  # a page after the chapter's last block
        else:
            target.addprevious(_marker(page.label))


def _marker(label: str):
    """An invisible print-page marker."""
    marker = etree.Element(f"{{{XHTML}}}span", {"id": f"page-{label}", "role": "doc-pagebreak",
                                                "aria-label": label, "class": "pagebreak"})
    _epub_attr(marker, "pagebreak")
    return marker


def _strip_block_ids(root) -> None:
    for element in root.iterfind(".//*[@data-block]"):
        del element.attrib["data-block"]


def chapter_xhtml(chapter: BookChapter, book: Book, layouts: jinja2.Environment, breaks: list[PageBreak]) -> bytes:
    """One chapter as an XHTML content document."""
    epub_type, role = SEMANTICS[chapter.chapter.type]
    text = layouts.get_template("chapter.xhtml.j2").render(
        language=book.config.language, title=chapter.chapter.title, anchor=chapter.anchor, chapter_id=chapter.id, number=chapter.number,
        epub_type=epub_type, role=role, css_class=f"type-{chapter.chapter.type} {chapter.chapter.css_class}".strip(),
        body=_body_xhtml(chapter.body), fonts=book.edition.epub_fonts, t=book.messages)
    root = etree.fromstring(text.encode("utf-8"))
    _semantic_footnotes(root, book.messages("back_to_text"))
    _relink(root, chapter.id)
    _page_markers(root, breaks)
    _strip_block_ids(root)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>")


def _cover_svg(book: Book, layouts: jinja2.Environment) -> bytes:
    config = book.config
    fonts, language = styles_dir(config.root) / "fonts", config.language
    # 920 of the cover's 1200 units are inside its frame and margins; 92 and 52 are the title and subtitle sizes
    return layouts.get_template("cover.svg.j2").render(
        config=config, title_lines=wrap_title(config.title, 92, 920, fonts, language),
        subtitle_lines=wrap_title(config.subtitle, 52, 920, fonts, language), rtl=book.messages.direction == "rtl"
    ).encode("utf-8")


def _item(uid: str, name: str, media_type: str, content: bytes, properties: list[str] | None = None) -> epub.EpubItem:
    item = epub.EpubItem(uid=uid, file_name=name, media_type=media_type, content=content)
    item.properties = properties or []
    return item


def _metadata(package: epub.EpubBook, book: Book, date: str, has_images: bool, paged: bool) -> None:
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
    features = ["tableOfContents", "structuralNavigation", "readingOrder"]
    if paged:
        features.append("printPageNumbers")
        package.add_metadata("DC", "source", f"{config.identifier}#{config.print_edition}", {"id": "print-source"})
        package.add_metadata(None, "meta", "pagination", {"refines": "#print-source", "property": "source-of"})
    if has_images:
        features.append("alternativeText")
    accessibility = [("schema:accessMode", "textual"), ("schema:accessModeSufficient", "textual"),
                     *[("schema:accessibilityFeature", f) for f in features],
                     ("schema:accessibilityHazard", "none"),
                     ("schema:accessibilitySummary",
                      "Text-only publication with a navigable table of contents, semantic headings, tables with "
                      "header cells and captions, and print page numbers from the print edition. "
                      "No flashing, sound or motion hazards."),
                     ("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.2 Level AA")]
    for prop, value in accessibility:
        package.add_metadata(None, "meta", value, {"property": prop})


def reproducible_zip(data: bytes) -> bytes:
    """The same EPUB with fixed entry dates and permissions, mimetype first and stored."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.external_attr = 0o644 << 16
            fixed.compress_type = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def render_epub(book: Book, layouts: jinja2.Environment, date: str, breaks: dict[str, list[PageBreak]]) -> bytes:
    """The EPUB's bytes; `breaks` holds the print edition's page starts by chapter id ('' = front matter)."""
    config = book.config
    styles = styles_dir(config.root)
    package = epub.EpubBook()
    package.FOLDER_NAME = "EPUB"
    images = sorted({img.get("src") for c in book.chapters for img in c.body.iter("img")})
    _metadata(package, book, date, bool(images), any(breaks.values()))

    # the looks of GitHub-flavoured Markdown first, so that the book's own CSS may override them
    css = (Path(__file__).resolve().parent.parent / "layouts" / "highlight.css").read_bytes() + b"\n" + (styles / "ebook.css").read_bytes()
    package.add_item(_item("style", "style/ebook.css", "text/css", css))
    if book.edition.epub_fonts:
        fonts_css = (styles / "fonts.css").read_bytes()
        package.add_item(_item("fonts-css", "style/fonts.css", "text/css", fonts_css))
        for font in sorted((styles / "fonts").glob("*.[ot]tf")):
            package.add_item(_item(f"font-{font.stem}", f"style/fonts/{font.name}", MEDIA_TYPES[font.suffix], font.read_bytes()))
    for index, src in enumerate(images):
        path = config.root / src
        package.add_item(_item(f"img{index}", src, MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream"), path.read_bytes()))

    if config.cover:
        cover_name = f"images/cover{config.cover.suffix.lower()}"
        cover_bytes, cover_type = config.cover.read_bytes(), MEDIA_TYPES[config.cover.suffix.lower()]
    else:
        cover_name, cover_bytes, cover_type = "images/cover.svg", _cover_svg(book, layouts), "image/svg+xml"
    package.add_item(_item("cover-image", cover_name, cover_type, cover_bytes, ["cover-image"]))
    cover_page = layouts.get_template("cover.xhtml.j2").render(config=config, cover_href=cover_name, fonts=book.edition.epub_fonts, t=book.messages)
    cover = _item("cover", "cover.xhtml", "application/xhtml+xml", cover_page.encode("utf-8"))
    package.add_item(cover)

    disclaimer = _xml(lxml_html.fragment_fromstring(book.disclaimer_html)) if book.disclaimer_html else ""  # allow-listed
    front_text = layouts.get_template("frontmatter.xhtml.j2").render(
        config=config, edition_label=book.messages.edition(book.edition.name), disclaimer_html=disclaimer,
        fonts=book.edition.epub_fonts, t=book.messages)
    front_root = etree.fromstring(front_text.encode("utf-8"))
    _front_page_markers(front_root, breaks.get("", []))
    front = _item("front", "front.xhtml", "application/xhtml+xml",
                  etree.tostring(front_root, xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>"))
    package.add_item(front)

    chapters = []
    for chapter in book.chapters:
        item = _item(f"c-{chapter.id}", chapter.file_name, "application/xhtml+xml",
                     chapter_xhtml(chapter, book, layouts, breaks.get(chapter.id, [])))
        package.add_item(item)
        chapters.append(item)

    pages = [{"label": p.label, "href": f"{p.chapter_id or 'front'}.xhtml#page-{p.label}"}
             for chapter_id in ["", *[c.id for c in book.chapters]] for p in breaks.get(chapter_id, [])]
    first_body = next((c for c in book.chapters if c.chapter.type == "chapter"), book.chapters[0])
    glossary = next((c for c in book.chapters if c.chapter.type == "glossary"), None)
    nav_text = layouts.get_template("nav.xhtml.j2").render(
        config=config, toc=book.toc, tables=book.tables, pages=pages, bodymatter=first_body.file_name,
        glossary=glossary.file_name if glossary else "", fonts=book.edition.epub_fonts, t=book.messages)
    nav = _item("nav", "nav.xhtml", "application/xhtml+xml", nav_text.encode("utf-8"), ["nav"])
    package.add_item(nav)
    package.add_item(epub.EpubNcx())
    package.toc = [_ncx_entry(e) for e in book.toc]
    if book.tables:
        package.toc.insert(0, epub.Link("nav.xhtml#lot", book.messages("list_of_tables"), "lot"))
    package.spine = [cover, front, nav, *chapters]

    buffer = io.BytesIO()
    modified = dt.datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ")
    epub.write_epub(buffer, package, {"mtime": modified, "epub3_pages": False, "epub2_guide": False})
    return reproducible_zip(buffer.getvalue())


def _ncx_entry(entry):
    """toc.ncx node for a contents entry and its sections (the same tree as nav.xhtml and the PDF)."""
    href = f"{entry.chapter_id}.xhtml" + (f"#{entry.anchor}" if entry.level > 1 else "")
    title = f"{entry.number}. {entry.title}" if entry.number else entry.title
    if not entry.children:
        return epub.Link(href, title, f"nav-{entry.anchor}")
    return (epub.Section(title, href), [_ncx_entry(child) for child in entry.children])


def _front_page_markers(root, breaks: list[PageBreak]) -> None:
    """Roman-numbered print pages: the title page and colophon open their sections, the rest follow them."""
    sections = root.findall(".//x:section", NS)
    for index, page in enumerate(breaks):
        if index < len(sections):
            sections[index].insert(0, _marker(page.label))
        else:
            sections[-1].append(_marker(page.label))
