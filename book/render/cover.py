"""The generated cover: its SVG (from the cover.svg.j2 layout) and the same picture as PNG bytes.

The EPUB's cover-image must be raster: Kindle conversion (calibre's AZW3) and many shops ignore an SVG cover.
Rather than keep a second design in Python, the PNG is drawn from the rendered SVG itself, which may only use
the two things a generated cover needs, <rect> and <text>; the text is set in the book's own fonts
(styles/fonts), so every machine draws the same pixels and the PNG's bytes are the same on every build.
"""
from __future__ import annotations

import io
import textwrap
from pathlib import Path

import jinja2
from lxml import etree
from PIL import Image, ImageDraw, ImageFont

SVG = "{http://www.w3.org/2000/svg}"
# Elements that carry no pixels: a picture's accessible name and grouping-free metadata.
SILENT = {f"{SVG}title", f"{SVG}desc", f"{SVG}metadata"}
FONT_FILES = {"normal": "Lato-Regular.ttf", "bold": "Lato-Bold.ttf"}


class UnsupportedCover(ValueError):
    """The SVG uses something the PNG drawing does not know (an overridden layout or a project's own SVG)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def cover_svg(config, layouts: jinja2.Environment) -> bytes:
    """The cover.svg.j2 layout rendered for this book."""
    return layouts.get_template("cover.svg.j2").render(
        config=config, title_lines=textwrap.wrap(config.title, 20), subtitle_lines=textwrap.wrap(config.subtitle, 36)
    ).encode("utf-8")


def _length(value: str | None, default: float = 0.0) -> float:
    if value is None:
        return default
    return float(value.removesuffix("px"))


def cover_png(svg: bytes, fonts: Path) -> bytes:
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
            font = ImageFont.truetype(str(fonts / FONT_FILES[weight]), size)
            draw.text((_length(element.get("x")), _length(element.get("y"))), "".join(element.itertext()),
                      fill=element.get("fill", "black"), font=font, anchor="ls")
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
