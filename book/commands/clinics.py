"""A clinic list: one brochure (and booklet, print-shop PDF) per clinic, the shared pages laid out once and only
each clinic's back cover made per clinic (book/render/backcover.py).

The back covers do not depend on the brochure's pages, so they are laid out in forked workers from the start
of the build, while the brochure itself is laid out (clinic_back_covers); once it is, each batch's back covers
are swapped into copies of the brochure and of the files derived from it (clinic_files).
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

from ..assemble import Book, assemble
from ..infra.parallel import MAX_WORKERS, forked_pool, worker_count
from ..load.editions import Edition
from ..load.project import Project
from ..render.context import RenderContext
from .assets import render_context
from .derived import derive, notes_page


# Back covers laid out per WeasyPrint document: enough to pay its start-up (stylesheets, fonts: ~0.3 s) once for
# many clinics, few enough to keep its memory small and both cores busy with 50 clinics. Not derived from the
# number of cores: a batch's fonts are subset for its clinics, and the files must not depend on the machine.
CLINICS_PER_BATCH = 25


@dataclass(frozen=True)
class _ClinicList:
    """What a forked worker lays an edition's back covers out from: the edition and those made from it."""

    book: Book
    context: RenderContext
    editions: tuple[Edition, ...]  # the edition with the list, then its booklet and press editions

    def batches(self) -> list[range]:
        """Rows of the list, from the second (the first clinic's back cover is in the edition's own layout)."""
        return [range(start, min(start + CLINICS_PER_BATCH, len(self.editions[0].clinics)))
                for start in range(1, len(self.editions[0].clinics), CLINICS_PER_BATCH)]


_LISTS: dict[str, _ClinicList] = {}  # what forked workers see: set before they fork (the fork trick)


@contextlib.contextmanager
def clinic_back_covers(project: Project, editions: list[Edition], derived: list[Edition]):
    """Start laying out the back covers of each clinic list among `editions`, in forked workers alongside the
    editions' own layouts; yields {edition name: (the pool, each batch's future)} for clinic_files."""
    lists = [e for e in editions if len(e.clinics) > 1]
    if not lists:
        yield {}
        return
    from ..render.backcover import parse_back_cover_styles
    from .runner import prepare_layouts
    prepare_layouts(project)  # the workers fork now: fontconfig and WeasyPrint first
    for edition in lists:
        book = assemble(project.chapters, project.config, edition)
        others = tuple(e for e in derived if e.source == edition.name)
        _LISTS[edition.name] = _ClinicList(book, render_context(project, book), (edition, *others))
        parse_back_cover_styles(book, _LISTS[edition.name].context)
    try:
        batches = [(name, rows) for name, clinic_list in _LISTS.items() for rows in clinic_list.batches()]
        cores = worker_count(MAX_WORKERS)  # beside this process, which lays the editions out meanwhile
        # The edition's own layout, in this process, is the longest piece of work and what everything after it
        # waits for: the workers get the cores it leaves.
        with forked_pool(min(len(batches), cores) if cores > 1 else 0, niceness=10) as pool:
            futures = {name: [] for name in _LISTS}
            for name, rows in batches:
                futures[name].append(pool.submit(_lay_out_back_covers, name, rows))
            for name in _LISTS:  # into the cache, where the edition's layout finds it when it is done (derived.py)
                pool.submit(_notes_page, name)
            yield {name: (pool, batch) for name, batch in futures.items()}
    finally:
        _LISTS.clear()


def _lay_out_back_covers(name: str, rows: range) -> dict[str, bytes]:
    """The back covers of list rows `rows` of edition `name`, as a PDF per edition made from it (a press file's
    back covers go through the same PDF/X conversion as its shared pages, once per batch)."""
    from ..render.backcover import render_back_covers
    clinic_list = _LISTS[name]
    source = clinic_list.editions[0]
    covers = render_back_covers(clinic_list.book, clinic_list.context, [source.clinics[i] for i in rows])
    return {edition.name: derive(source, _Data(covers), edition)[0] if edition.format == "press" else covers
            for edition in clinic_list.editions}


def _notes_page(name: str) -> None:
    clinic_list = _LISTS[name]
    notes_page(clinic_list.book, clinic_list.context)()


def clinic_files(project: Project, edition: Edition, rendered, derived: list[Edition], back_covers,
                 with_source: bool = True) -> list[tuple[str, Edition, bytes, int]]:
    """One PDF per row of the edition's clinic list (and per derived edition), from the edition laid out once
    (`rendered`, with the first clinic's back cover) and the other clinics' back covers (`back_covers`, from
    clinic_back_covers): the booklet and press files are derived once, then each batch's back covers are swapped
    into copies of the three, the batches spread over the cores. Without `with_source` only the derived files
    are made (a booklet asked for alone). Returns (clinic id, edition, PDF, pages) of each file; writes nothing."""
    editions = [edition, *[e for e in derived if e.source == edition.name]]
    book = assemble(project.chapters, project.config, edition)
    context = render_context(project, book)
    shared = {edition.name: (rendered.data, rendered.page_count)}
    for other in editions[1:]:  # a booklet's padding pages print the Notes page, as the single brochure's do
        shared[other.name] = derive(edition, rendered, other, notes_page(book, context))
    made = [[(e, *shared[e.name]) for e in editions]]
    if back_covers:
        pool, batches = back_covers
        swaps = [pool.submit(_swap_back_covers, editions, shared, rendered.page_count, batch.result())
                 for batch in batches]
        for swap in swaps:
            made += swap.result()
    return [(clinic.id, other, data, pages) for clinic, outputs in zip(edition.clinics, made)
            for other, data, pages in (outputs if with_source else outputs[1:])]


@dataclass(frozen=True)
class _Data:
    """Just the PDF, where derive() expects a rendered edition."""

    data: bytes
    page_count: int = 0


def _swap_back_covers(editions: list[Edition], shared: dict[str, tuple[bytes, int]], page_count: int,
                      covers_pdfs: dict[str, bytes]) -> list[list[tuple[Edition, bytes, int]]]:
    """For each clinic of a batch, whose back covers are `covers_pdfs` (per edition): (edition, PDF, pages) of
    each of its files, made from the `shared` files (per edition: the PDF laid out with the first clinic)."""
    from ..render.backcover import LastPageSwapper, open_back_covers
    from ..render.impose import BookletPageSwapper

    covers = {name: open_back_covers(data) for name, data in covers_pdfs.items()}
    swappers = {e.name: BookletPageSwapper(shared[e.name][0], page_count) if e.format == "booklet"
                else LastPageSwapper(shared[e.name][0], covers[e.name]) for e in editions}
    made = []
    for index in range(len(covers[editions[0].name].pdf.pages)):
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
