"""Editions made from another edition's PDF without a layout of their own: the booklet and the print-shop PDF,
and the Notes page they and a back cover's empty facing page print."""
from __future__ import annotations

import dataclasses
import functools
import time
from typing import Callable

from ..infra.cache import Cache, recorded
from ..load.editions import Edition


def derive(source: Edition, rendered, edition: Edition, notes: Callable[[], bytes] | None = None) -> tuple[bytes, int]:
    """(PDF, page count) of a booklet or press edition, made from its source edition's PDF without a new layout;
    `notes` makes the Notes page a booklet prints on its padding pages."""
    if edition.format == "booklet":
        from ..render.impose import impose_booklet
        from ..infra.i18n import is_rtl
        data, sheets = impose_booklet(rendered.data, back_cover=source.branding is not None or source.back_cover,
                                      right_to_left=is_rtl(source.language), pad_page=notes() if notes else None)
        return data, sheets * 2
    from ..render.press import add_bleed_and_marks, points
    data = add_bleed_and_marks(rendered.data, points(edition.bleed or "0pt"), edition.marks, edition.name)
    return data, rendered.page_count


def with_derived(edition: Edition, rendered, seconds: float, derived: list[Edition], notes=None):
    """The rendered edition and what is derived from it: (edition, rendered, seconds, [(edition, PDF, pages, s)]).

    An edition with a clinic list derives its booklet and press editions per clinic (book/commands/clinics.py). `notes`
    makes the Notes page: on the empty page before a back cover, and on a booklet's padding pages."""
    if notes and edition.two_sided and (edition.branding or edition.back_cover):
        from ..render.notes import notes_before_back_cover
        rendered = dataclasses.replace(rendered, data=notes_before_back_cover(rendered.data, rendered.starts, notes))
    made = []
    for other in [e for e in derived if e.source == edition.name and not edition.clinics]:
        tick = time.perf_counter()
        made.append((other, *derive(edition, rendered, other, notes), time.perf_counter() - tick))
    return edition, rendered, seconds, made


def notes_page(book, context) -> Callable[[], bytes]:
    """The edition's Notes page (book/render/notes.py), made once when a booklet or a back cover needs it; from
    the edition's own RenderContext, not read again, and kept in the cache by its HTML and stylesheets (the page
    is the same from build to build)."""
    from ..render.notes import notes_page_source, render_notes_page

    def made() -> bytes:
        cache, roots = Cache(book.config.root, "parts"), [book.config.root, context.styles]
        html, sheets = notes_page_source(book, context)
        key = Cache.key("notes page", html, repr(sheets), book.config.identifier)
        entry = cache.get_fresh(key, roots)
        if entry is not None and entry[1].startswith(b"%PDF-"):
            return entry[1]
        pdf, files = render_notes_page(book, context)
        cache.put(key, {"files": recorded(files)}, pdf)
        return pdf
    return functools.cache(made)
