"""The build flow: load and check everything, render each edition, then write all outputs at once."""
from __future__ import annotations

import dataclasses
import functools
import errno
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..assemble import assemble
from .assets import render_context
from ..infra.cache import Cache, file_digest, files_unchanged
from ..load.config import BookConfig, Edition, load_config
from ..infra.errors import BookError
from ..infra.output import write_outputs
from ..infra.parallel import MAX_WORKERS, map_forked, worker_count
from ..load.project import Project, load_project
from ..infra.templating import layout_errors
from ..render.epub import PageBreak, render_epub


@dataclass(frozen=True)
class Built:
    """What one edition produced, for the progress lines."""

    edition: Edition
    path: Path
    pages: int | None
    seconds: float


def output_path(out: Path, config: BookConfig, edition: Edition) -> Path:
    return out / f"{config.slug}-{edition.name}.{edition.extension}"


def select_editions(config: BookConfig, names: list[str]) -> list[Edition]:
    """The editions asked for (all when none are named); an unknown name is an error listing the known ones."""
    known = {e.name: e for e in config.editions}
    for name in names:
        if name not in known:
            raise BookError("book.yaml", None, f"unknown edition '{name}'", f"editions are: {', '.join(known)}")
    return [known[n] for n in names] if names else list(config.editions)


def page_breaks(labels, starts) -> dict[str, list[PageBreak]]:
    """Print pages grouped by the chapter they begin in; '' holds the front matter, blank pages join the next page."""
    breaks: dict[str, list[PageBreak]] = {}
    pending: list[str] = []
    last_chapter = ""
    front_blocks = any(block.startswith("-") for block in starts)
    for label, block in zip(labels, starts):
        if not block and not last_chapter and not front_blocks:  # a layout without front-matter blocks
            breaks.setdefault("", []).append(PageBreak(label, "", ""))
        elif not block or block == "back-cover":
            pending.append(label)  # a blank page sits where the next page begins; the back cover has no EPUB page
        else:
            last_chapter = "" if block.startswith("-") else block.rsplit("-", 1)[0]  # "-colophon": front matter
            for waiting in [*pending, label]:
                breaks.setdefault(last_chapter, []).append(PageBreak(waiting, last_chapter, block))
            pending = []
    for label in pending:  # pages after the last chapter's text: at its end
        breaks.setdefault(last_chapter, []).append(PageBreak(label, last_chapter, ""))
    return breaks


def build(root: Path, out: Path, names: list[str] | None = None,
          progress: Callable[[str], None] = lambda line: None, strict: bool | None = None) -> list[Built]:
    """Build the named editions (or all) of the project at `root` into `out`; nothing is written on error."""
    # WeasyPrint keeps fonts in temporary folders that forked workers never clean up: give the whole build one
    # temporary folder, removed at the end. It lives under the project's .cache/ (or the system's temporary
    # folder when the project is read-only) and carries the builder's process id, so a build killed with -9
    # leaves one folder that the next build removes.
    base = _scratch_base(root)
    _remove_stale_scratch(base)
    previous = tempfile.tempdir
    try:
        with tempfile.TemporaryDirectory(prefix=f"guidebook-{os.getpid()}-", dir=base) as scratch:
            tempfile.tempdir = scratch
            try:
                return _build(root, out, names, progress, strict)
            finally:
                tempfile.tempdir = previous
    except OSError as error:
        # The disk filled up (or became read-only) under the layout engine's temporary files: the author's
        # machine, not a bug; the outputs were not touched yet.
        if error.errno not in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS):
            raise
        raise BookError(out, None, f"cannot finish the build ({error.strerror})",
                        "free some disk space; nothing in the output folder was replaced") from None


def _scratch_base(root: Path) -> Path:
    """The project's .cache/tmp/ when it can be written, else the system's temporary folder."""
    base = root / ".cache" / "tmp"
    try:
        base.mkdir(parents=True, exist_ok=True)
        if base.is_symlink() or not os.access(base, os.W_OK):
            raise OSError
        return base
    except OSError:
        return Path(tempfile.gettempdir())


def _remove_stale_scratch(base: Path) -> None:
    """Remove `guidebook-<pid>-*` folders in `base` whose builder process no longer runs (killed builds)."""
    for folder in base.glob("guidebook-*"):
        parts = folder.name.split("-")
        if len(parts) < 3 or not parts[1].isdigit() or folder.is_symlink() or not folder.is_dir():
            continue
        try:
            os.kill(int(parts[1]), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # alive, but another user's
            continue


def _build(root: Path, out: Path, names: list[str] | None, progress: Callable[[str], None],
           strict: bool | None = None) -> list[Built]:
    started = time.perf_counter()
    editions = select_editions(load_config(root), names or [])
    files: dict = {}
    built: list[Built] = []
    # Each language's editions come from that language's chapters and data (chapters/<language>/), loaded once.
    languages = list(dict.fromkeys(e.language for e in editions))
    projects = []
    for language in languages:
        project = load_project(root, language, strict)
        projects.append(project)
        which = f" ({language})" if len(languages) > 1 else ""
        progress(f"load     {len(project.chapters)} chapters{which}  {time.perf_counter() - started:.1f} s")
        if language == languages[0]:  # logos are the same in every language: warn once
            _warn_about_logos(project, progress)
        _check_essentials(project, [e for e in editions if e.language == language], progress)
    for project, language in zip(projects, languages):
        with layout_errors(project.layouts):  # a mistake in a project layout is the author's: its file and line
            _build_language(project, [e for e in editions if e.language == language], out, files, built, progress)
    write_outputs(files)
    _write_download_page(projects[0], out, progress)
    progress(f"total    {len(built)} editions  {time.perf_counter() - started:.1f} s")
    return built


def _build_language(project: Project, editions: list[Edition], out: Path, files: dict, built: list[Built],
                    progress: Callable[[str], None]) -> None:
    """Render `editions` (all in the project's language) into `files` and `built`."""
    pdfs = {}
    to_render = _pdf_order(project.config, editions)
    page_map = _cached_page_map(project, to_render, editions)
    if page_map is not None:  # the EPUB alone: its print page numbers are known from an earlier build
        to_render = [e for e in to_render if e.name != project.config.print_edition]
    derived = [e for e in editions if e.source]
    if to_render:  # layouts take seconds to minutes: say what is under way before the first one ends
        progress(f"layout   {', '.join(e.name for e in to_render)} …")
    for edition, rendered, seconds, made in _render_pdfs(project, to_render, derived):
        pdfs[edition.name] = rendered
        if edition.name == project.config.print_edition:
            page_map = (rendered.labels, rendered.starts)
            _store_page_map(project, page_map)
        note = "" if edition in editions else "  (laid out for page numbers only)"
        if edition.clinics and (edition in editions or any(e.source == edition.name for e in derived)):
            progress(f"pdf      {edition.name:<10} {rendered.page_count:>4} pages  {seconds:.1f} s  (laid out once)")
            built += _write_per_clinic(project, out, files, edition, rendered, derived, progress, edition in editions)
            continue
        if edition in editions:
            path = output_path(out, project.config, edition)
            files[path] = rendered.data
            built.append(Built(edition, path, rendered.page_count, seconds))
        progress(f"pdf      {edition.name:<10} {rendered.page_count:>4} pages  {seconds:.1f} s{note}")
        for other, data, pages, seconds in made:
            path = output_path(out, project.config, other)
            files[path] = data
            built.append(Built(other, path, pages, seconds))
            progress(f"{other.format:<8} {other.name:<10} {pages:>4} pages  {seconds:.1f} s")
    for edition in [e for e in editions if e.format == "epub"]:
        tick = time.perf_counter()
        breaks = page_breaks(*page_map) if page_map else {}
        book = assemble(project.chapters, project.config, edition)
        path = output_path(out, project.config, edition)
        files[path] = render_epub(book, render_context(project, book, breaks))
        built.append(Built(edition, path, None, time.perf_counter() - tick))
        progress(f"epub     {edition.name:<10} {' ' * 10}  {time.perf_counter() - tick:.1f} s")


def _check_essentials(project: Project, editions: list[Edition], progress: Callable[[str], None]) -> None:
    """Stop before anything is laid out when an edition leaves out an essential section or links into what it
    leaves out (book/assemble/essential.py); with `strict: false` the dangling links are only warnings."""
    from ..infra.errors import raise_all
    from ..assemble.essential import checked_editions, dangling_link_errors, omission_errors
    errors = []
    for edition in checked_editions(project.config, editions):
        book = assemble(project.chapters, project.config, edition)
        errors += omission_errors(project.chapters, book)
        dangling = dangling_link_errors(project.chapters, book)
        if project.config.strict:
            errors += dangling
        else:
            for warning in dangling:
                progress(f"warning: {warning}")
    raise_all(errors)


def _write_download_page(project: Project, out: Path, progress: Callable[[str], None]) -> None:
    """dist/index.html listing every edition file now in `out` (book/render/site.py)."""
    from .assets import output_files
    from ..render.site import download_page
    page = download_page(project.config, render_context(project), output_files(out, project.config.slug))
    write_outputs({out / "index.html": page})
    progress(f"page     index.html (downloads)")


def _warn_about_logos(project: Project, progress: Callable[[str], None]) -> None:
    from ..render.branding import logo_warnings
    for warning in logo_warnings(project.config):
        progress(warning)


def _page_map_key(project: Project) -> str | None:
    """The cache key of the print edition's page labels and starts: everything that lays it out."""
    if not project.config.print_edition:
        return None
    from ..render.pdf import prepare_print
    book = assemble(project.chapters, project.config, project.config.edition(project.config.print_edition))
    source = prepare_print(book, render_context(project, book))
    # Keyed on paths relative to the project, so a project copied or moved elsewhere keeps its page map.
    here = project.config.root.as_uri()
    return Cache.key("page-map", source.render_html("all", source.chapters, {}),
                     *(piece.replace(here, "") for text, base in source.css for piece in (text, base)))


def _cached_page_map(project: Project, to_render: list[Edition], editions: list[Edition]):
    """(labels, starts) of the print edition when only the EPUB needs it and an earlier build left them."""
    wanted = {e.name for e in editions} | {e.source for e in editions if e.source}
    if project.config.print_edition in wanted or not any(e.format == "epub" for e in editions):
        return None
    key = _page_map_key(project)
    entry = Cache(project.config.root, "page-maps").get(key) if key else None
    try:
        labels, starts = entry[0]["labels"], entry[0]["starts"]
        if len(labels) == len(starts) and all(isinstance(x, str) for x in [*labels, *starts]):
            return tuple(labels), tuple(starts)
    except (TypeError, KeyError):
        pass
    return None


def _store_page_map(project: Project, page_map) -> None:
    if key := _page_map_key(project):
        Cache(project.config.root, "page-maps").put(key, {"labels": list(page_map[0]), "starts": list(page_map[1])})


def _pdf_order(config: BookConfig, editions: list[Edition]) -> list[Edition]:
    """The PDF editions to render: those asked for, the sources of booklets and press editions, and the print
    edition an EPUB pages by."""
    names = [e.name for e in editions if e.format == "pdf"]
    names += [e.source for e in editions if e.source]
    if any(e.format == "epub" for e in editions) and config.print_edition:
        names.append(config.print_edition)
    ordered = [e for e in config.editions if e.name in set(names)]
    return ordered


_FORKED_PROJECT: Project | None = None  # what a forked worker renders from (lxml trees do not pickle)


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


def _with_derived(edition: Edition, rendered, seconds: float, derived: list[Edition], notes=None):
    """The rendered edition and what is derived from it: (edition, rendered, seconds, [(edition, PDF, pages, s)]).

    An edition with a clinic list derives its booklet and press editions per clinic (_write_per_clinic). `notes`
    makes the Notes page: on the empty page before a back cover, and on a booklet's padding pages."""
    if notes and edition.two_sided and (edition.branding or edition.back_cover):
        from ..render.notes import notes_before_back_cover
        rendered = dataclasses.replace(rendered, data=notes_before_back_cover(rendered.data, rendered.starts, notes))
    made = []
    for other in [e for e in derived if e.source == edition.name and not edition.clinics]:
        tick = time.perf_counter()
        made.append((other, *derive(edition, rendered, other, notes), time.perf_counter() - tick))
    return edition, rendered, seconds, made


def clinic_output_path(out: Path, config: BookConfig, edition: Edition, clinic_id: str) -> Path:
    return out / f"{config.slug}-{edition.name}-{clinic_id}.{edition.extension}"


def _write_per_clinic(project: Project, out: Path, files: dict, edition: Edition, rendered, derived: list[Edition],
                      progress: Callable[[str], None], with_source: bool = True) -> list[Built]:
    """One PDF per row of the edition's clinic list (and per derived edition). The layout, and the booklet and
    press files derived from it, are made once, with the first clinic's back cover; the other clinics' back covers
    are laid out in batches, one WeasyPrint document each (book/render/backcover.py), and swapped into copies of
    those files, the batches spread over the cores. Without `with_source` only the derived files are written (a
    booklet asked for alone). Adds to `files`; returns what was made."""
    global _CLINIC_BATCH
    tick = time.perf_counter()
    others = [e for e in derived if e.source == edition.name]
    book = assemble(project.chapters, project.config, edition)
    context = render_context(project, book)  # read once: every batch lays its back covers out from it
    shared = {edition.name: (rendered.data, rendered.page_count)}
    for other in others:  # a booklet's padding pages print the Notes page, as the single brochure's do
        shared[other.name] = derive(edition, rendered, other, _notes(book, context))
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
    built = []
    for clinic, outputs in zip(clinics, made):
        for other, data, pages in outputs if with_source else outputs[1:]:
            path = clinic_output_path(out, project.config, other, clinic.id)
            files[path] = data
            built.append(Built(other, path, pages, 0.0))
    progress(f"clinics  {edition.name:<10} {len(clinics):>4} clinics × {len(others) + with_source} files  "
             f"{time.perf_counter() - tick:.1f} s")
    return built


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


def _render_one(project: Project, edition: Edition, derived: list[Edition]):
    from ..render.pdf import render_pdf
    tick = time.perf_counter()
    book = assemble(project.chapters, project.config, edition)
    context = render_context(project, book)
    with layout_errors(project.layouts):  # here too: in a forked worker the traceback does not travel back
        rendered = render_pdf(book, context)
    return _with_derived(edition, rendered, time.perf_counter() - tick, derived, _notes(book, context))


def _render_in_worker(edition: Edition, derived: list[Edition], in_parts: bool = False):
    """_render_one (or, `in_parts`, _render_parts on this process alone) in a forked worker, with the warnings
    it logged, which the parent logs again: the command line counts them there."""
    captured: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(record.getMessage())

    logger = logging.getLogger("guidebook.warnings")
    logger.handlers = [Capture()]
    if in_parts:
        return _render_parts(_FORKED_PROJECT, edition, derived, workers=1), captured
    return _render_one(_FORKED_PROJECT, edition, derived), captured


# Characters of chapter text above which `auto` lays an edition out in parallel parts. Measured: the guide's
# chapters once (45,000 characters, 37 pages) took 2.1 s in parts and 2.6 s as one document.
PARTS_THRESHOLD = 20_000


def uses_parts(project: Project, edition: Edition) -> bool:
    """Whether this edition takes the parts path (book/render/pdf_parts.py): untagged and PDF/UA editions can,
    since the parts' structure trees are merged into the single document's tree (tests/test_parts.py); PDF/A
    and bleed cannot."""
    if edition.pdf_engine != "auto":
        return edition.pdf_engine == "parts"
    if edition.pdf_variant not in ("none", "pdf/ua-1") or edition.bleed:
        return False
    size = sum(len(p.text) for p in project.chapters)
    return size > PARTS_THRESHOLD


def _render_parts(project: Project, edition: Edition, derived: list[Edition], workers: int | None = None):
    from ..render.pdf_parts import render_pdf_parts
    tick = time.perf_counter()
    book = assemble(project.chapters, project.config, edition)
    workers = workers or worker_count(MAX_WORKERS)
    context = render_context(project, book)
    rendered = render_pdf_parts(book, context, workers, Cache(project.config.root, "parts"))
    return _with_derived(edition, rendered, time.perf_counter() - tick, derived, _notes(book, context))


def _notes(book, context) -> Callable[[], bytes]:
    """The edition's Notes page (book/render/notes.py), made once when a booklet or a back cover needs it; from
    the edition's own RenderContext, not read again, and kept in the cache by its HTML and stylesheets (the page
    is the same from build to build)."""
    from ..render.notes import notes_page_source, render_notes_page

    def made() -> bytes:
        cache, roots = Cache(book.config.root, "parts"), [book.config.root, context.styles]
        html, sheets = notes_page_source(book, context)
        key = Cache.key("notes page", html, repr(sheets), book.config.identifier)
        entry = cache.get(key)
        if entry is not None and entry[1].startswith(b"%PDF-") and files_unchanged(entry[0].get("files"), roots):
            return entry[1]
        pdf, files = render_notes_page(book, context)
        cache.put(key, {"files": [[path, file_digest(path) or ""] for path in files]}, pdf)
        return pdf
    return functools.cache(made)


def _render_pdfs(project: Project, editions: list[Edition], derived: list[Edition]):
    """(edition, RenderedPdf, seconds, derived outputs) for each PDF edition, on every core when there are several.

    Each WeasyPrint layout is single-threaded, so editions render in forked worker processes; a worker's
    memory goes back to the system when it exits. The booklet and press editions made from an edition are
    made in the same worker, alongside the other layouts. Long editions split into parts instead (uses_parts).
    """
    from ..render.fonts import isolate_fonts
    from ..infra.theme import styles_dir

    # fontconfig sees only the book's fonts: set up once, before WeasyPrint is imported and workers fork
    isolate_fonts(styles_dir(project.config.root) / "fonts", project.config.root / ".cache" / "fontconfig")
    in_parts = [e for e in editions if uses_parts(project, e)]
    # One long edition lays its chapters out on every core. Several go side by side, each in a process of its own
    # laying its chapters out one after the other: after an edit each has one chapter to lay out again, so the
    # editions, not the chapters, are what can share the cores.
    side_by_side = in_parts if len(in_parts) > 1 and worker_count(len(in_parts)) > 1 else []
    for edition in in_parts:
        if edition not in side_by_side:
            yield _render_parts(project, edition, derived)
    editions = [e for e in editions if e not in in_parts]
    jobs = [(e, True) for e in side_by_side] + [(e, False) for e in editions]
    workers = worker_count(len(jobs), spare=1)
    if workers < 2:
        yield from (_render_one(project, edition, derived) for edition, _ in jobs)
        return
    import weasyprint  # noqa: F401 - imported once here, shared by the forked workers

    global _FORKED_PROJECT
    _FORKED_PROJECT = project
    try:
        for result, warnings in map_forked(_render_in_worker, [e for e, _ in jobs], [derived] * len(jobs),
                                           [parts for _, parts in jobs], workers=workers):
            for warning in warnings:
                logging.getLogger("guidebook.warnings").warning("%s", warning)
            yield result
    finally:
        _FORKED_PROJECT = None
