"""One subset of each big script face for a whole book laid out in parts.

Each part embeds its own subset of every face it draws with, and WeasyPrint keeps glyph ids when it subsets (a
subset of a CJK face holds an empty outline for every glyph below the highest one used): each CJK face costs
each part about 130-230 kB, and the guide's Chinese brochure, eight parts, came to 4.7 MB (1.15 MB laid out as
one document). The merge gives every part's font of a script face (fonts.FACES: Debian's CJK, Arabic and Hebrew
files) one new subset of that face, made as WeasyPrint makes its own (HarfBuzz, glyph ids kept, the same tables
dropped) from the glyphs all the parts use: the glyph ids in the pages stay right, and each part keeps its own
widths and ToUnicode map. The project's own fonts are small subsets: left as they are.
"""
from __future__ import annotations

from pathlib import Path

import pikepdf

from .fonts import SYSTEM_FONTS, Face, available_faces

# the tables WeasyPrint (70, pdf/fonts.py) drops from a subset
DROPPED_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")


def share_script_subsets(pdf: pikepdf.Pdf) -> None:
    """Every Type 0 font of `pdf` drawn with the same script face gets one subset of it for the whole book."""
    faces = {_pdf_name(face): face for face in available_faces()}
    fonts: dict[str, list] = {}  # the face's PDF name → its CID fonts, one per part
    seen = set()  # (a part's pages share one resource dictionary: each looked at once)
    for page in pdf.pages:
        resources = page.obj.get("/Resources")
        font_dict = resources.get("/Font") if resources is not None else None
        if font_dict is None or font_dict.objgen in seen and font_dict.objgen != (0, 0):
            continue
        seen.add(font_dict.objgen)
        for font in font_dict.values():
            if font.get("/Subtype") != "/Type0" or font.objgen in seen:
                continue
            seen.add(font.objgen)
            cid_font = font.DescendantFonts[0]
            name = str(cid_font.FontDescriptor.FontName).lstrip("/").split("+", 1)[-1]
            if name in faces:
                fonts.setdefault(name, []).append(cid_font)
    for name, cid_fonts in fonts.items():
        files = [next((k for k in ("/FontFile3", "/FontFile2") if k in f.FontDescriptor), None) for f in cid_fonts]
        if len(cid_fonts) < 2 or len(set(files)) != 1 or files[0] is None:
            continue
        glyphs = {0}.union(*(_glyphs(f.get("/W")) for f in cid_fonts))
        data = _subset(SYSTEM_FONTS / faces[name].file, faces[name].index, glyphs)
        if not data:
            continue  # (HarfBuzz could not: each part keeps its own subset)
        first = cid_fonts[0].FontDescriptor[files[0]]
        shared = pikepdf.Stream(pdf, data)
        for key, value in first.stream_dict.items():
            if key not in ("/Length", "/Filter", "/DecodeParms", "/Length1"):
                shared[key] = value
        if files[0] == "/FontFile2":
            shared.Length1 = len(data)
        for cid_font in cid_fonts:
            cid_font.FontDescriptor[files[0]] = shared


def _pdf_name(face: Face) -> str:
    """The name WeasyPrint gives a face in a PDF: its family, and its weight when bold ("Noto-Serif-CJK-SC-Bold")."""
    return face.family.replace(" ", "-") + ("-Bold" if "-Bold." in face.file else "")


def _glyphs(widths) -> set[int]:
    """The glyph ids a CID font's /W array gives widths for: `c [w1 w2 …]` and `c_first c_last w` entries."""
    found, items, index = set(), list(widths or []), 0
    while index < len(items):
        first = int(items[index])
        if index + 1 < len(items) and isinstance(items[index + 1], pikepdf.Array):
            found.update(range(first, first + len(items[index + 1])))
            index += 2
        else:
            found.update(range(first, int(items[index + 1]) + 1))
            index += 3
    return found


def _subset(path: Path, index: int, glyphs: set[int]) -> bytes | None:
    """The face at `index` of the font file at `path` subset to `glyphs` as WeasyPrint subsets (ids kept, then
    the empty glyphs after the last one used dropped), or None."""
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
    from weasyprint.text.fonts import get_hb_object_data

    try:
        harfbuzz.hb_face_create
    except AttributeError:  # (WeasyPrint's bindings lack these two)
        ffi.cdef("hb_blob_t * hb_blob_create_from_file (const char *file_name);"
                 "hb_face_t * hb_face_create (hb_blob_t *blob, unsigned int index);")
    blob = ffi.gc(harfbuzz.hb_blob_create_from_file(str(path).encode()), harfbuzz.hb_blob_destroy)
    face = ffi.gc(harfbuzz.hb_face_create(blob, index), harfbuzz.hb_face_destroy)
    used = sorted(glyphs)
    for keep, flags in ((used, harfbuzz_subset.HB_SUBSET_FLAGS_RETAIN_GIDS),
                        (list(range(used[-1] + 1)), harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING)):
        request = ffi.gc(harfbuzz_subset.hb_subset_input_create_or_fail(), harfbuzz_subset.hb_subset_input_destroy)
        ids = ffi.new(f"hb_codepoint_t[{len(keep)}]", keep)
        harfbuzz.hb_set_add_sorted_array(harfbuzz_subset.hb_subset_input_glyph_set(request), ids, len(keep))
        harfbuzz_subset.hb_subset_input_set_flags(
            request, flags | harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
            | harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE)
        if flags == harfbuzz_subset.HB_SUBSET_FLAGS_RETAIN_GIDS:
            dropped = ffi.new(f"hb_codepoint_t[{len(DROPPED_TABLES)}]",
                              [harfbuzz.hb_tag_from_string(tag, -1) for tag in DROPPED_TABLES])
            drop_set = harfbuzz_subset.hb_subset_input_set(request, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG)
            harfbuzz.hb_set_add_sorted_array(drop_set, dropped, len(DROPPED_TABLES))
        face = harfbuzz_subset.hb_subset_or_fail(face, request)
        if face == ffi.NULL:
            return None
        face = ffi.gc(face, harfbuzz.hb_face_destroy)
    return get_hb_object_data(face) or None
