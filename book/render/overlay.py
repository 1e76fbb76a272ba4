"""Drawing over PDF pages with pypdf, without re-parsing their content.

pypdf's merge_page() parses both pages' content streams operator by operator; for a whole book that was most
of the time of a merge. Here a page to be placed becomes a Form XObject (its content stream copied as it is)
and the page it goes on gets a few operators appended that draw it.
"""
from __future__ import annotations

from pypdf import PageObject, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject


def _add_stream(writer: PdfWriter, data: bytes, entries: dict | None = None):
    stream = DecodedStreamObject()
    stream.set_data(data)
    stream.update(entries or {})
    return writer._add_object(stream.flate_encode() if len(data) > 256 else stream)  # noqa: SLF001 - pypdf's way


def page_as_form(writer: PdfWriter, page: PageObject):
    """`page` (of any PDF) as a Form XObject in `writer`, drawn at the origin with its own size."""
    entries = {NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
               NameObject("/BBox"): page.mediabox, NameObject("/Resources"): page["/Resources"]}
    form = DecodedStreamObject()
    form.set_data(page.get_contents().get_data())
    form.update(entries)
    return writer._add_object(form.flate_encode().clone(writer))  # noqa: SLF001 - clones the resources too


def draw_over(writer: PdfWriter, page: PageObject, drawing: bytes, forms: dict | None = None) -> None:
    """Append `drawing` (PDF operators in the page's default coordinates) to a page of `writer`.

    The page's own content is wrapped in q/Q, since it may leave its coordinate system changed; `forms` maps
    names used in `drawing` (`/Name Do`) to Form XObjects, added to a copy of the page's resources (pages may
    share one resource dictionary).
    """
    if forms:
        resources = DictionaryObject(page.get("/Resources", DictionaryObject()).get_object())
        xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
        xobjects.update({NameObject(f"/{name}"): form for name, form in forms.items()})
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources
    existing = page.raw_get("/Contents") if "/Contents" in page else None
    if existing is None:
        refs = []
    else:
        refs = list(existing.get_object()) if isinstance(existing.get_object(), ArrayObject) else [existing]
    page[NameObject("/Contents")] = ArrayObject([_add_stream(writer, b"q\n"), *refs,
                                                 _add_stream(writer, b"Q\n" + drawing)])
