"""A PDF edition made ready for a print shop: bleed and crop marks around another edition's pages.

The pages are not laid out again. Each page keeps its content, links, tags, outline and labels; only its
boxes grow: TrimBox is the page as designed, BleedBox adds the bleed, and MediaBox adds room outside the
bleed for crop marks, which are drawn there (never inside the bleed, where a slightly-off cut would show
them). Nothing on the page reaches into the bleed: a design that prints to the edge of the paper is laid
out with `bleed:` on a pdf edition instead.
"""
from __future__ import annotations

import hashlib
import io

import pikepdf

from .overlay import draw_over

POINTS_PER_MM = 72 / 25.4
MARK_GAP = 2 * POINTS_PER_MM  # between the bleed edge and a crop mark
MARK_LENGTH = 8 * POINTS_PER_MM
MARK_WIDTH = 0.25  # points, the usual hairline


def points(length: str) -> float:
    """'3mm', '0.125in', '0.3cm' or '9pt' in PDF points (book.yaml has checked the form)."""
    units = {"mm": POINTS_PER_MM, "cm": 10 * POINTS_PER_MM, "in": 72.0, "pt": 1.0}
    return float(length[:-2]) * units[length[-2:]]


def crop_marks(x0: float, y0: float, x1: float, y1: float, bleed: float) -> bytes:
    """Eight hairlines in registration black, two at each corner of the trim box, outside the bleed."""
    near, far = bleed + MARK_GAP, bleed + MARK_GAP + MARK_LENGTH
    lines = []
    for x, sign_x in ((x0, -1), (x1, 1)):
        for y, sign_y in ((y0, -1), (y1, 1)):
            lines.append((x + sign_x * near, y, x + sign_x * far, y))  # horizontal, in line with the trim edge
            lines.append((x, y + sign_y * near, x, y + sign_y * far))  # vertical
    path = "".join(f"{a:.3f} {b:.3f} m {c:.3f} {d:.3f} l S\n" for a, b, c, d in lines)
    # An artifact (not content) for tagged PDF; CMYK black so the mark appears on every plate that prints black.
    return f"/Artifact BMC\nq {MARK_WIDTH} w 0 0 0 1 K\n{path}Q\nEMC\n".encode()


def add_bleed_and_marks(pdf: bytes, bleed: float, marks: bool, edition: str = "") -> bytes:
    """`pdf` with every page's boxes grown by `bleed` points (and room for crop marks when `marks`); named
    `edition`, it gets its own document ID (derived from its source's, which says which book it is)."""
    document = pikepdf.open(io.BytesIO(pdf))
    if edition and "/ID" in document.trailer:
        own = pikepdf.String(hashlib.md5(bytes(document.trailer.ID[0]) + b"#" + edition.encode()).digest())
        document.trailer.ID = pikepdf.Array([own, own])
    margin = bleed + (MARK_GAP + MARK_LENGTH + MARK_GAP if marks else 0)
    for page in document.pages:
        x0, y0, x1, y1 = (float(v) for v in page.mediabox)
        page.trimbox = pikepdf.Array([x0, y0, x1, y1])
        page.obj.BleedBox = pikepdf.Array([x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed])
        page.mediabox = pikepdf.Array([x0 - margin, y0 - margin, x1 + margin, y1 + margin])
        if "/CropBox" in page.obj:
            del page.obj.CropBox
        if marks:
            draw_over(page, crop_marks(x0, y0, x1, y1, bleed))
    out = io.BytesIO()
    document.save(out, deterministic_id=True, fix_metadata_version=False)
    return out.getvalue()
