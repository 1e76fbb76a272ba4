"""Images checked when they are loaded: a real, intact picture of a bounded size, and SVG without scripts."""
from __future__ import annotations

import warnings
from pathlib import Path

from ..infra.errors import BookError
from ..infra.limits import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS
from .paths import read_bytes

RASTER_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".webp": "WEBP"}
SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def image_problem(path: Path) -> str | None:
    """Why the image file at `path` cannot go into the book (corrupt, not an image, too big, scripted), or None."""
    try:
        data = read_bytes(path, path, MAX_IMAGE_BYTES, "image")
    except BookError as error:
        return error.message
    suffix = path.suffix.lower()
    if suffix == ".svg":
        return _svg_problem(data)
    if suffix not in RASTER_FORMATS:
        return f"is not a supported image type ({', '.join(sorted(RASTER_FORMATS))} or .svg)"
    return _raster_problem(data, RASTER_FORMATS[suffix])


def _raster_problem(data: bytes, expected: str) -> str | None:
    import io

    from PIL import Image, ImageFile, UnidentifiedImageError

    # WeasyPrint's import sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process, after which a truncated JPEG
    # loads (grey where data is missing) and plugins answer differently: the check must not depend on whether a
    # build in this process (`watch`, a clinic list's workers) has imported it yet.
    truncated_allowed, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    return (f"is {width}×{height} pixels, above the limit of {MAX_IMAGE_PIXELS:,} pixels "
                            "(scale it down)")
                if image.format != expected:
                    return f"is a {image.format} image but its name says {expected}"
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # verify() does not decode the pixels; truncated data shows up only here
    except UnidentifiedImageError:
        return "is not an image (or not one Pillow can read)"
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return f"is above the limit of {MAX_IMAGE_PIXELS:,} pixels (scale it down)"  # Pillow's own, far above ours
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        return f"is corrupt ({error})"
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated_allowed
    return None


def _svg_problem(data: bytes) -> str | None:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        return f"is not a valid SVG file ({error})"
    if root.tag != f"{SVG_NS}svg":
        return "is not an SVG image (its root element is not <svg>)"
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        if local in ("script", "foreignObject"):
            return f"contains <{local}>, which an image may not carry (remove it)"
        for name, value in element.attrib.items():
            attribute = etree.QName(name).localname.lower()
            if attribute.startswith("on"):
                return f"has an event attribute '{attribute}' on <{local}> (remove it)"
            if (name == XLINK_HREF or attribute == "href") and not value.startswith("#"):
                return f"refers to '{value[:60]}' from <{local}>; an SVG image may only refer inside itself"
    return None


def check_image(path: Path, display: str, line: int | None) -> BookError | None:
    """An error at `display:line` when the image at `path` cannot go into the book."""
    problem = image_problem(path)
    if problem is None:
        return None
    return BookError(display, line, f"image '{path.name}' {problem}", "replace it with a valid PNG, JPEG or SVG")
