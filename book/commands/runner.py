"""The layouts of a build's PDF editions, run on every core: each edition in a forked worker, or a long one in
parallel parts (book/render/pdf_parts.py); the booklet and print-shop files derived from each in the same
worker. The fork trick (workers see the parent's loaded project instead of receiving it) lives here only."""
from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import tempfile
import time
from pathlib import Path

from ..assemble import assemble
from ..infra.cache import Cache
from ..infra.parallel import MAX_WORKERS, map_forked_as_done, worker_count
from ..infra.templating import layout_errors
from ..load.editions import Edition
from ..load.project import Project
from .assets import render_context
from .derived import notes_page, with_derived

_FORKED_PROJECTS: dict[str, Project] = {}  # by language: what a forked worker renders from (lxml trees do not pickle)
_STYLES_HOME: Path | None = None  # `watch`: where stylesheets parsed before the fork keep their fonts between builds


def _render_one(project: Project, edition: Edition, derived: list[Edition]):
    from ..render.pdf import render_pdf
    tick = time.perf_counter()
    book = assemble(project.chapters, project.config, edition)
    context = render_context(project, book)
    with layout_errors(project.layouts):  # here too: in a forked worker the traceback does not travel back
        rendered = render_pdf(book, context)
    return with_derived(edition, rendered, time.perf_counter() - tick, derived, notes_page(book, context))


def _render_in_worker(edition: Edition, derived: list[Edition], in_parts: bool = False):
    """_render_one (or, `in_parts`, _render_parts on this process alone) in a forked worker, with the warnings
    it logged, which the parent logs again: the command line counts them there."""
    captured: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(record.getMessage())

    logger = logging.getLogger("guidebook.warnings")
    logger.handlers = [Capture()]
    project = _FORKED_PROJECTS[edition.language]
    if in_parts:
        return _render_parts(project, edition, derived, workers=1), captured
    return _render_one(project, edition, derived), captured


# Characters of chapter text above which `auto` lays an edition out in parallel parts. Measured: the guide's
# chapters once (45,000 characters, 37 pages) took 2.1 s in parts and 2.6 s as one document.
PARTS_THRESHOLD = 20_000


def uses_parts(project: Project, edition: Edition) -> bool:
    """Whether this edition takes the parts path (book/render/pdf_parts.py): untagged and PDF/UA editions can,
    since the parts' structure trees are merged into the single document's tree (tests/test_parts.py); PDF/A
    and bleed cannot. An edition with a clinic list is one document under `auto`."""
    if edition.pdf_engine != "auto":
        return edition.pdf_engine == "parts"
    if edition.pdf_variant not in ("none", "pdf/ua-1") or edition.bleed:
        return False
    if len(edition.clinics) > 1:  # the other cores lay the clinics' back covers out meanwhile (clinics.py): one
        return False              # document on one core took 4.5 s of CPU for the guide's brochure, parts 9 s
    size = sum(len(p.text) for p in project.chapters)
    return size > PARTS_THRESHOLD


def _render_parts(project: Project, edition: Edition, derived: list[Edition], workers: int | None = None):
    from ..render.pdf_parts import render_pdf_parts
    tick = time.perf_counter()
    book = assemble(project.chapters, project.config, edition)
    workers = workers or worker_count(MAX_WORKERS)
    context = render_context(project, book)
    rendered = render_pdf_parts(book, context, workers, Cache(project.config.root, "parts"))
    return with_derived(edition, rendered, time.perf_counter() - tick, derived, notes_page(book, context))


def _estimated_work(project: Project) -> int:
    """How long an edition of `project` takes to lay out, in characters of chapter text; a wide (Han, kana,
    Hangul) one counts as five, its glyphs coming from 20 MB collections subset again for every part. (The guide's
    Chinese brochure, 20,000 characters of which 11,400 wide, took 4.4 s; the English one, 43,000, took 2.4 s.)"""
    from ..render.xref_numbers import WIDE
    return sum(len(chapter.text) + 4 * len(WIDE.findall(chapter.text)) for chapter in project.chapters)


def prepare_layouts(project: Project) -> None:
    """Before the first layout and before any layout worker forks: fontconfig made to see only the book's fonts
    (it reads its configuration once per process), and WeasyPrint imported once (~0.7 s) for every worker."""
    from ..render.fonts import isolate_fonts
    from ..infra.theme import styles_dir
    isolate_fonts(styles_dir(project.config.root) / "fonts", project.config.root / ".cache" / "fontconfig")
    import weasyprint  # noqa: F401
    # What every worker imports on its first layout, imported here once instead (a worker forked before, each did:
    # 0.2 s of CPU each, three workers on two cores after an edit). email.policy and fontTools.agl are imported
    # on first use by WeasyPrint's URL fetcher and by fontTools' font subsetting.
    import email.policy  # noqa: F401
    import fontTools.agl  # noqa: F401
    from ..render import impose, notes, pdf, pdf_parts, press  # noqa: F401
    for layout in ("print.html.j2", "edition.css.j2"):  # compiled once (0.15 s), not in every worker
        project.layouts.get_template(layout)


@contextlib.contextmanager
def styles_kept_between_builds(scratch_base: Path):
    """While `watch` runs: each build parses its editions' stylesheets (~0.3 s each) before the layout workers
    fork, once for all of them, and the next build finds them parsed (book/render/fetcher.py). Their fonts are
    kept in a folder under `scratch_base` that lasts as long as this (a killed `watch` leaves one folder named
    with its process id, which the next build removes, as it does a killed build's)."""
    global _STYLES_HOME
    with tempfile.TemporaryDirectory(prefix=f"guidebook-{os.getpid()}-styles-", dir=scratch_base) as folder:
        _STYLES_HOME = Path(folder)
        try:
            yield
        finally:
            _STYLES_HOME = None


def parse_styles_before_fork(project: Project, editions: list[Edition]) -> None:
    """Under `watch`: the stylesheets each edition's layout (as a document, or in parts: a chapter's and the
    front matter's) starts from, parsed in this process, which outlives the build."""
    from ..render.fetcher import parsed_styles
    from ..render.pdf import prepare_print
    from ..render.pdf_parts import chapter_part_css
    previous, tempfile.tempdir = tempfile.tempdir, str(_STYLES_HOME)
    try:
        for edition in editions:
            book = assemble(project.chapters, project.config, edition)
            context = render_context(project, book)
            css = prepare_print(dataclasses.replace(book, chapters=()), context).css  # the same for any chapters
            roots = [str(project.config.root), str(context.styles)]
            parts = [chapter_part_css(css, context.parts_css, verso) for verso in (False, True)]
            for sheets in [css, *(parts if uses_parts(project, edition) else [])]:  # (the front matter: css alone)
                parsed_styles(sheets, roots)
    finally:
        tempfile.tempdir = previous


def render_pdfs(batches: list[tuple[Project, list[Edition], list[Edition]]]):
    """(project, (edition, RenderedPdf, seconds, derived outputs)) for each PDF edition of each (project, editions,
    derived editions) batch, one batch per language, on every core when there are several.

    Each WeasyPrint layout is single-threaded, so editions render in forked worker processes; a worker's
    memory goes back to the system when it exits. The booklet and press editions made from an edition are
    made in the same worker, alongside the other layouts. Long editions split into parts instead (uses_parts).
    All languages' editions share the workers: laid out one language after the other, the guide's editions
    took 13.3 s cold, each language's last edition leaving a core idle; side by side 10.8 s.
    """
    jobs = [(project, edition, derived) for project, editions, derived in batches for edition in editions]
    if not jobs:  # the EPUB alone, its print page numbers known: no layout, no WeasyPrint to import
        return
    for project, editions, _ in batches:
        if editions:
            prepare_layouts(project)
            if _STYLES_HOME is not None and _STYLES_HOME.is_dir():
                parse_styles_before_fork(project, editions)
    in_parts = [i for i, (project, edition, _) in enumerate(jobs) if uses_parts(project, edition)]
    # One long edition lays its chapters out on every core. Several go side by side, each in a process of its own
    # laying its chapters out one after the other: after an edit each has one chapter to lay out again, so the
    # editions, not the chapters, are what can share the cores.
    side_by_side = in_parts if len(in_parts) > 1 and worker_count(len(in_parts)) > 1 else []
    for i in in_parts:
        if i not in side_by_side:
            yield jobs[i][0], _render_parts(*jobs[i])
    forked = side_by_side + [i for i in range(len(jobs)) if i not in in_parts]
    workers = worker_count(len(forked), spare=1)
    if workers < 2:
        yield from ((jobs[i][0], _render_one(*jobs[i])) for i in forked)
        return
    # the longest first: the guide's Chinese brochure begun fifth of six kept one core busy 1.6 s after the rest
    work = {project.config.language: _estimated_work(project) for project, editions, _ in batches if editions}
    forked.sort(key=lambda i: -work[jobs[i][0].config.language])
    _FORKED_PROJECTS.update({edition.language: project for project, edition, _ in jobs})
    try:
        results = map_forked_as_done(_render_in_worker, [jobs[i][1] for i in forked], [jobs[i][2] for i in forked],
                                     [i in side_by_side for i in forked], workers=workers)
        for i, (result, warnings) in ((forked[n], result) for n, result in results):
            for warning in warnings:
                logging.getLogger("guidebook.warnings").warning("%s", warning)
            yield jobs[i][0], result
    finally:
        _FORKED_PROJECTS.clear()
