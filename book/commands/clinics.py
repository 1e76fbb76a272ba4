"""A clinic list: one brochure (and booklet, print-shop PDF) per clinic, the shared pages laid out once and only
each clinic's back cover made per clinic (book/render/backcover.py)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..assemble import assemble
from ..infra.parallel import map_forked, worker_count
from ..load.config import BookConfig, Edition
from ..load.project import Project
from .assets import render_context
from .derived import derive, notes_page


def clinic_output_path(out: Path, config: BookConfig, edition: Edition, clinic_id: str) -> Path:
    return out / f"{config.slug}-{edition.name}-{clinic_id}.{edition.extension}"


def clinic_files(project: Project, edition: Edition, rendered, derived: list[Edition],
                 with_source: bool = True) -> list[tuple[str, Edition, bytes, int]]:
    """One PDF per row of the edition's clinic list (and per derived edition). The layout, and the booklet and
    press files derived from it, are made once, with the first clinic's back cover; the other clinics' back covers
    are laid out in batches, one WeasyPrint document each (book/render/backcover.py), and swapped into copies of
    those files, the batches spread over the cores. Without `with_source` only the derived files are made (a
    booklet asked for alone). Returns (clinic id, edition, PDF, pages) of each file."""
    global _CLINIC_BATCH
    others = [e for e in derived if e.source == edition.name]
    book = assemble(project.chapters, project.config, edition)
    context = render_context(project, book)  # read once: every batch lays its back covers out from it
    shared = {edition.name: (rendered.data, rendered.page_count)}
    for other in others:  # a booklet's padding pages print the Notes page, as the single brochure's do
        shared[other.name] = derive(edition, rendered, other, notes_page(book, context))
    clinics = edition.clinics
    _CLINIC_BATCH = (book, context, [edition, *others], shared, rendered.page_count)
    try:
        count = len(clinics) - 1
        batches = [range(start, min(start + CLINICS_PER_BATCH, count)) for start in range(0, count, CLINICS_PER_BATCH)]
        workers = worker_count(len(batches))
        made = [[(e, *shared[e.name]) for e in [edition, *others]]]
        for batch in map_forked(_clinic_batch, batches, workers=workers):
            made += batch
    finally:
        _CLINIC_BATCH = None
    return [(clinic.id, other, data, pages) for clinic, outputs in zip(clinics, made)
            for other, data, pages in (outputs if with_source else outputs[1:])]


# Back covers laid out per WeasyPrint document: enough to pay its start-up (stylesheets, fonts: ~0.3 s) once for
# many clinics, few enough to keep its memory small and both cores busy with 50 clinics. Not derived from the
# number of cores: a batch's fonts are subset for its clinics, and the files must not depend on the machine.
CLINICS_PER_BATCH = 25
_CLINIC_BATCH = None  # what a forked worker lays out and swaps back covers into


@dataclass(frozen=True)
class _Data:
    """Just the PDF, where derive() expects a rendered edition."""

    data: bytes
    page_count: int = 0


def _clinic_batch(rows: range) -> list[list[tuple[Edition, bytes, int]]]:
    """For the clinics of list rows rows + 1: (edition, PDF, pages) of each of its files."""
    from ..render.backcover import LastPageSwapper, open_back_covers, render_back_covers
    from ..render.impose import BookletPageSwapper

    book, context, editions, shared, page_count = _CLINIC_BATCH
    source = editions[0]
    covers_pdf = render_back_covers(book, context, [source.clinics[i + 1] for i in rows])
    covers = {}
    for edition in editions:
        # a press file's back cover goes through the same PDF/X conversion as its shared pages, once per batch
        data = derive(source, _Data(covers_pdf), edition)[0] if edition.format == "press" else covers_pdf
        covers[edition.name] = open_back_covers(data)
    swappers = {e.name: BookletPageSwapper(shared[e.name][0], page_count) if e.format == "booklet"
                else LastPageSwapper(shared[e.name][0], covers[e.name]) for e in editions}
    made = []
    for index in range(len(rows)):
        files = []
        for edition in editions:
            swapper, pages = swappers[edition.name], shared[edition.name][1]
            if edition.format == "booklet":
                data = swapper.swap(covers[edition.name].pdf.pages[index])
            else:
                data = swapper.swap(index)
            files.append((edition, data, pages))
        made.append(files)
    return made
