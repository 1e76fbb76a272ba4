"""The generated cover: its SVG (from the cover.svg.j2 layout) and the same picture as PNG bytes.

The EPUB's cover-image must be raster: Kindle conversion (calibre's AZW3) and many shops ignore an SVG cover.
Rather than keep a second design in Python, the PNG is drawn from the rendered SVG itself, which may only use
the two things a generated cover needs, <rect> and <text>; the text is set in the book's own fonts
(styles/fonts), so every machine draws the same pixels and the PNG's bytes are the same on every build.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import jinja2
from lxml import etree
from PIL import Image, ImageDraw, ImageFont

from .fonts import SYSTEM_FONTS, available_faces, font_cmap, text_width

SVG = "{http://www.w3.org/2000/svg}"
# Elements that carry no pixels: a picture's accessible name and grouping-free metadata.
SILENT = {f"{SVG}title", f"{SVG}desc", f"{SVG}metadata"}
FONT_FILES = {"normal": "Lato-Regular.ttf", "bold": "Lato-Bold.ttf"}
# A Han or kana character, or a full-width sign: lines may break on either side of it (there are no spaces).
CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
TOKEN = re.compile(f"[{CJK}]|[^\\s{CJK}]+|\\s+")
# Closing punctuation and small kana never start a line (kinsoku), so they stay with the character before.
NO_LINE_START = set("、。，．・：；？！）」』】〕〉》ー〜ぁぃぅぇぉっゃゅょァィゥェォッャュョ,.:;?!)]}%")
NO_LINE_END = set("（「『【〔〈《([{")  # opening brackets go down with what they open


class UnsupportedCover(ValueError):
    """The SVG uses something the PNG drawing does not know (an overridden layout or a project's own SVG)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def wrap_title(text: str, size: float, width: float, fonts_dir: Path, language: str) -> list[str]:
    """`text` in lines no wider than `width` at font `size`: breaks at spaces, or between CJK characters."""
    lines: list[str] = []
    line = ""
    for token in TOKEN.findall(text):
        if token.isspace():
            line += " " if line else ""
            continue
        candidate = line + token
        if line and token[0] not in NO_LINE_START and text_width(candidate.rstrip(), size, fonts_dir, language) > width:
            carried = ""
            while line and line[-1] in NO_LINE_END:
                line, carried = line[:-1], line[-1] + carried
            lines.append(line.rstrip())
            line = carried + token
        else:
            line = candidate
    if line.strip():
        lines.append(line.rstrip())
    return lines


def cover_svg(config, layouts: jinja2.Environment, fonts_dir: Path, rtl: bool = False) -> bytes:
    """The cover.svg.j2 layout rendered for this book, its title wrapped by measured width."""
    # 920 of the cover's 1200 units are inside its frame and margins; 92 and 52 are the title and subtitle sizes
    return layouts.get_template("cover.svg.j2").render(
        config=config, title_lines=wrap_title(config.title, 92, 920, fonts_dir, config.language),
        subtitle_lines=wrap_title(config.subtitle, 52, 920, fonts_dir, config.language), rtl=rtl
    ).encode("utf-8")


def _font(text: str, weight: str, fonts: Path) -> tuple[Path, int]:
    """(file, face index): the shipped Lato when it has every character of `text`, else a script face that has."""
    def covers(path: Path, index: int) -> bool:
        cmap = font_cmap(path, index)
        return all(ord(c) in cmap for c in text if not c.isspace())

    lato = fonts / FONT_FILES[weight]
    if covers(lato, 0):
        return lato, 0
    for face in available_faces():
        if ("-Bold." in face.file) == (weight == "bold") and "Sans" in face.family \
                and covers(SYSTEM_FONTS / face.file, face.index):
            return SYSTEM_FONTS / face.file, face.index
    return lato, 0


def _length(value: str | None, default: float = 0.0) -> float:
    if value is None:
        return default
    return float(value.removesuffix("px"))


def cover_png(svg: bytes, fonts: Path, language: str = "en") -> bytes:
    """The SVG's <rect>s and <text>s drawn at its own pixel size, as PNG bytes (no timestamps, no metadata)."""
    root = etree.fromstring(svg)
    width, height = round(_length(root.get("width"))), round(_length(root.get("height")))
    if not width or not height:
        raise UnsupportedCover("the cover SVG needs width and height in pixels", root.sourceline)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for element in root.iter(etree.Element):
        if element is root or element.tag in SILENT:
            continue
        if element.tag == f"{SVG}rect":
            _rect(draw, element)
        elif element.tag == f"{SVG}text":
            size = round(_length(element.get("font-size"), 16))
            weight = "bold" if element.get("font-weight") in ("bold", "700", "800", "900") else "normal"
            text = "".join(element.itertext())
            path, index = _font(text, weight, fonts)
            font = ImageFont.truetype(str(path), size, index=index)
            rtl = element.get("direction") == "rtl"
            draw.text((_length(element.get("x")), _length(element.get("y"))), text, fill=element.get("fill", "black"),
                      font=font, anchor="rs" if rtl else "ls", direction="rtl" if rtl else None, language=language)
        else:
            raise UnsupportedCover(f"<{etree.QName(element).localname}> cannot be drawn as the PNG cover (only <rect> "
                                   "and <text> can)", element.sourceline)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _rect(draw: ImageDraw.ImageDraw, element) -> None:
    x, y = _length(element.get("x")), _length(element.get("y"))
    right, bottom = x + _length(element.get("width")), y + _length(element.get("height"))
    fill, stroke = element.get("fill", "black"), element.get("stroke", "none")
    if fill != "none":
        draw.rectangle((x, y, right - 1, bottom - 1), fill=fill)
    if stroke != "none":
        # SVG centres a stroke on the edge; Pillow draws its outline inside the box.
        half = _length(element.get("stroke-width"), 1) / 2
        draw.rectangle((x - half, y - half, right + half - 1, bottom + half - 1), outline=stroke, width=round(2 * half))
