"""A PDF edition made ready for a print shop: PDF/X-4, bleed and crop marks around another edition's pages.

The pages are not laid out again. Each page keeps its content, tags, outline and labels; only its boxes grow:
TrimBox is the page as designed, BleedBox adds the bleed, and MediaBox adds room outside the bleed for crop
marks, which are drawn there (never inside the bleed, where a slightly-off cut would show them). Nothing on the
page reaches into the bleed: a design that prints to the edge of the paper is laid out with `bleed:` on a pdf
edition instead.

For the press the file also becomes PDF/X-4: a CMYK output intent, every RGB colour operator turned into CMYK
(greys onto the black plate alone, so small type cannot mis-register), RGB images and shadings tagged as sRGB,
and no link annotations (a print shop's preflight rejects annotations inside the bleed box; paper has no links).
"""
from __future__ import annotations

import functools
import hashlib
import io
from pathlib import Path

import pikepdf

from .overlay import draw_over

POINTS_PER_MM = 72 / 25.4
MARK_GAP = 2 * POINTS_PER_MM  # between the bleed edge and a crop mark
MARK_LENGTH = 8 * POINTS_PER_MM
MARK_WIDTH = 0.25  # points, the usual hairline
CMYK_PROFILE = Path(__file__).resolve().parent / "icc" / "artifex-cmyk-swop.icc"  # licence: icc/README.md
SRGB_PROFILE = Path(__file__).resolve().parent / "icc" / "ghostscript-srgb.icc"
PDFX_VERSION = "PDF/X-4"


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
    """`pdf` made PDF/X-4, with every page's boxes grown by `bleed` points (and room for crop marks when `marks`);
    named `edition`, it gets its own document ID (derived from its source's, which says which book it is)."""
    document = pikepdf.open(io.BytesIO(pdf))
    if edition and "/ID" in document.trailer:
        own = pikepdf.String(hashlib.md5(bytes(document.trailer.ID[0]) + b"#" + edition.encode()).digest())
        document.trailer.ID = pikepdf.Array([own, own])
    margin = bleed + (MARK_GAP + MARK_LENGTH + MARK_GAP if marks else 0)
    drop_annotations(document)
    to_cmyk(document)
    for page in document.pages:
        x0, y0, x1, y1 = (float(v) for v in page.mediabox)
        page.trimbox = pikepdf.Array([x0, y0, x1, y1])
        page.obj.BleedBox = pikepdf.Array([x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed])
        page.mediabox = pikepdf.Array([x0 - margin, y0 - margin, x1 + margin, y1 + margin])
        if "/CropBox" in page.obj:
            del page.obj.CropBox
        if marks:
            draw_over(page, crop_marks(x0, y0, x1, y1, bleed))
    declare_pdfx(document)
    out = io.BytesIO()
    # PDF/X-4 is defined on PDF 1.6: a 1.7 header is a preflight error
    document.save(out, deterministic_id=True, fix_metadata_version=False, force_version="1.6")
    return out.getvalue()


def drop_annotations(document: pikepdf.Pdf) -> None:
    """Remove every annotation, with its object reference in the structure tree (the tags stay valid)."""
    tree = document.Root.get("/StructTreeRoot")
    parents = pikepdf.NumberTree(tree.ParentTree) if tree is not None and "/ParentTree" in tree else None
    for page in document.pages:
        for annotation in page.obj.get("/Annots", []):
            key = annotation.get("/StructParent")
            if parents is not None and key is not None and int(key) in parents:
                element = parents[int(key)]
                kids = element.get("/K")
                if isinstance(kids, pikepdf.Array):
                    element.K = pikepdf.Array([k for k in kids if not _refers_to(k, annotation)])
                elif _refers_to(kids, annotation):
                    element.K = pikepdf.Array()
                del parents[int(key)]
        if "/Annots" in page.obj:
            del page.obj.Annots


def _refers_to(kid, annotation) -> bool:
    return isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR" and kid.Obj.objgen == annotation.objgen


@functools.lru_cache(maxsize=1)
def _rgb_to_cmyk():
    from PIL import ImageCms  # Pillow comes with WeasyPrint

    srgb = ImageCms.getOpenProfile(str(SRGB_PROFILE))
    cmyk = ImageCms.getOpenProfile(str(CMYK_PROFILE))
    return ImageCms.buildTransform(srgb, cmyk, "RGB", "CMYK", renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)


@functools.lru_cache(maxsize=256)
def cmyk(r: float, g: float, b: float) -> tuple[float, float, float, float]:
    """The CMYK (0–1) an sRGB colour prints as; a grey, black and white included, on the black plate alone."""
    if max(r, g, b) - min(r, g, b) < 0.004:  # a neutral: rich black would put small type on four plates
        return 0.0, 0.0, 0.0, round(1 - (r + g + b) / 3, 4)
    from PIL import Image, ImageCms

    pixel = Image.new("RGB", (1, 1), tuple(round(v * 255) for v in (r, g, b)))
    values = ImageCms.applyTransform(pixel, _rgb_to_cmyk()).getpixel((0, 0))
    return tuple(round(v / 255, 4) for v in values)


RGB_FILL, RGB_STROKE = pikepdf.Operator("rg"), pikepdf.Operator("RG")
CMYK_FILL, CMYK_STROKE = pikepdf.Operator("k"), pikepdf.Operator("K")


def _recolour(stream: pikepdf.Object) -> None:
    """Rewrite `rg`/`RG` (DeviceRGB fill/stroke) as `k`/`K` in one content stream; every other instruction is
    written back as parsed (making each anew cost three times as long: 0.4 s for the guide's 42 pages)."""
    instructions = pikepdf.parse_content_stream(stream)
    changed = False
    for index, instruction in enumerate(instructions):
        operator = instruction.operator
        if operator == RGB_FILL or operator == RGB_STROKE:
            values = cmyk(*(float(v) for v in instruction.operands))
            instructions[index] = pikepdf.ContentStreamInstruction(
                list(values), CMYK_FILL if operator == RGB_FILL else CMYK_STROKE)
            changed = True
    if changed:
        stream.write(pikepdf.unparse_content_stream(instructions))


def to_cmyk(document: pikepdf.Pdf) -> None:
    """Every page, Form XObject and tiling pattern drawn in CMYK; images and shadings in RGB declared sRGB."""
    srgb = None
    seen: set[tuple[int, int]] = set()

    def declare_srgb(owner):
        nonlocal srgb
        if owner.get("/ColorSpace") == "/DeviceRGB":
            if srgb is None:
                profile = document.make_stream(_srgb_profile())
                profile.N = 3
                srgb = pikepdf.Array([pikepdf.Name.ICCBased, profile])
            owner.ColorSpace = srgb

    def visit_resources(resources):
        for kind in ("/XObject", "/Pattern", "/Shading"):
            for _, item in resources.get(kind, {}).items():
                if item.objgen in seen and item.objgen != (0, 0):
                    continue
                seen.add(item.objgen)
                shading = item.get("/Shading") if kind == "/Pattern" else item if kind == "/Shading" else None
                if shading is not None:
                    declare_srgb(shading)
                elif item.get("/Subtype") == "/Image":
                    declare_srgb(item)
                elif isinstance(item, pikepdf.Stream):  # a Form XObject or a tiling pattern
                    _recolour(item)
                    blend_in_cmyk(item)
                    if "/Resources" in item:
                        visit_resources(item.Resources)

    for page in document.pages:
        page.contents_coalesce()
        _recolour(page.obj.Contents)
        blend_in_cmyk(page.obj)
        visit_resources(page.Resources)


def blend_in_cmyk(owner) -> None:
    """A transparency group WeasyPrint blends in DeviceRGB (opacity, SVG drawings) blends in DeviceCMYK, as what it
    holds now draws: PDF/X-4 allows no device RGB, and a print shop's preflight reports each (117 in the guide)."""
    group = owner.get("/Group")
    if isinstance(group, pikepdf.Dictionary) and group.get("/CS") == "/DeviceRGB":
        group.CS = pikepdf.Name.DeviceCMYK


def _srgb_profile() -> bytes:
    # a file, not Pillow's createProfile(), whose header carries the time it was made
    return SRGB_PROFILE.read_bytes()


def declare_pdfx(document: pikepdf.Pdf) -> None:
    """The output intent (CMYK profile), GTS_PDFXVersion and Trapped in the Info dictionary and in XMP."""
    profile = document.make_stream(CMYK_PROFILE.read_bytes())
    profile.N = 4
    document.Root.OutputIntents = pikepdf.Array([pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFX, OutputConditionIdentifier="CGATS TR 001",
        OutputCondition="SWOP (Artifex CMYK SWOP profile)", RegistryName="http://www.color.org",
        Info="Artifex CMYK SWOP Profile", DestOutputProfile=profile)])
    document.docinfo.GTS_PDFXVersion = PDFX_VERSION
    document.docinfo.Trapped = pikepdf.Name("/False")
    identifier = bytes(document.trailer.ID[0]).hex() if "/ID" in document.trailer else ""
    with document.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["pdfxid:GTS_PDFXVersion"] = PDFX_VERSION
        meta["pdf:Trapped"] = "False"
        meta["xmpMM:DocumentID"] = "uuid:" + identifier if identifier else "uuid:guidebook"
        meta["xmpMM:VersionID"] = "1"
        meta["xmpMM:RenditionClass"] = "default"
