"""The build flow: load and check everything, render each edition, then write all outputs at once."""
from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..assemble import assemble
from .assets import render_context
from ..infra.cache import Cache, prune
from ..load.config import BookConfig, load_config
from ..load.editions import Edition
from ..infra.errors import BookError
from ..infra.output import write_outputs
from ..infra.still_working import saying_while_long
from ..load.project import Project, load_project
from ..infra.templating import layout_errors
from ..render.epub import PageBreak, render_epub
from .clinics import clinic_back_covers, clinic_files
from .outputs import clinic_output_path, output_path, select_editions
from .runner import render_pdfs


@dataclass(frozen=True)
class Built:
    """What one edition produced, for the progress lines."""

    edition: Edition
    path: Path
    pages: int | None
    seconds: float


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
    base = scratch_base(root)
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


def scratch_base(root: Path) -> Path:
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
    started, began = time.perf_counter(), time.time()
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
    plans = [_plan(project, [e for e in editions if e.language == language])
             for project, language in zip(projects, languages)]
    with contextlib.ExitStack() as stack:
        for project in projects:  # a mistake in a project layout is the author's: its file and line
            stack.enter_context(layout_errors(project.layouts))
        _render(plans, out, files, built, progress)
    write_outputs(files)
    _write_download_page(projects[0], out, {b.path.name: b.pages for b in built if b.pages}, progress)
    prune(root, began - 2)  # (a file system's time stamps may be coarser than time.time())
    progress(f"total    {len(built)} editions  {time.perf_counter() - started:.1f} s")
    return built


@dataclass(frozen=True)
class _Plan:
    """One language's share of a build: what is laid out, derived and rendered from its project."""

    project: Project
    editions: list[Edition]  # asked for
    to_render: list[Edition]  # the PDF editions to lay out
    derived: list[Edition]  # booklets and press editions, made from one of to_render
    per_clinic: list[Edition]  # those of to_render written once per clinic
    page_map: tuple | None  # the print edition's page labels and starts, when known without laying it out


def _plan(project: Project, editions: list[Edition]) -> _Plan:
    """What building `editions` (all in the project's language) takes."""
    to_render = pdf_editions(project.config, editions)
    page_map = _cached_page_map(project, to_render, editions)
    if page_map is not None:  # the EPUB alone: its print page numbers are known from an earlier build
        to_render = [e for e in to_render if e.name != project.config.print_edition]
    derived = [e for e in editions if e.source]
    per_clinic = [e for e in to_render if e.clinics and (e in editions or any(d.source == e.name for d in derived))]
    return _Plan(project, editions, to_render, derived, per_clinic, page_map)


def _render(plans: list[_Plan], out: Path, files: dict, built: list[Built], progress: Callable[[str], None]) -> None:
    """Render every plan's editions into `files` and `built`: the PDF editions of all languages side by side on
    the same workers, and each EPUB once the pages of the print edition it pages by are known."""
    to_render = [e for plan in plans for e in plan.to_render]
    if to_render:  # layouts take seconds to minutes: say what is under way before the first one ends
        progress(f"layout   {', '.join(e.name for e in to_render)} …")
    waiting = {e.name for e in to_render}
    page_maps = {plan.project.config.print_edition: plan.page_map for plan in plans if plan.page_map}
    epubs = [(plan, e) for plan in plans for e in plan.editions if e.format == "epub"]

    def still(seconds: float) -> str:
        doing = f"laying out {', '.join(e.name for e in to_render if e.name in waiting)}" if waiting else "writing"
        return (f"layout   still {doing} after {seconds:.0f} s (a very long chapter, or one of thousands of "
                f"headings or table rows; Ctrl-C stops the build and leaves the last outputs as they were)")

    with contextlib.ExitStack() as stack:
        back_covers = {}
        for plan in plans:
            back_covers.update(stack.enter_context(clinic_back_covers(plan.project, plan.per_clinic, plan.derived)))
        stack.enter_context(saying_while_long(progress, still))
        by_language = {e.language: plan for plan in plans for e in plan.to_render}
        for project, (edition, rendered, seconds, made) in render_pdfs([(p.project, p.to_render, p.derived) for p in plans]):
            plan = by_language[edition.language]
            waiting.discard(edition.name)
            if edition.name == project.config.print_edition:
                page_maps[edition.name] = (rendered.labels, rendered.starts)
                _store_page_map(project, rendered)
            note = "" if edition in plan.editions else "  (laid out for page numbers only)"
            if edition in plan.per_clinic:
                progress(f"pdf      {edition.name:<10} {rendered.page_count:>4} pages  {seconds:.1f} s  (laid out once)")
                built += _write_per_clinic(project, out, files, edition, rendered, plan.derived,
                                           back_covers.get(edition.name), progress, edition in plan.editions)
                continue
            if edition in plan.editions:
                path = output_path(out, project.config, edition)
                files[path] = rendered.data
                built.append(Built(edition, path, rendered.page_count, seconds))
            progress(f"pdf      {edition.name:<10} {rendered.page_count:>4} pages  {seconds:.1f} s{note}")
            for other, data, pages, seconds in made:
                path = output_path(out, project.config, other)
                files[path] = data
                built.append(Built(other, path, pages, seconds))
                progress(f"{other.format:<8} {other.name:<10} {pages:>4} pages  {seconds:.1f} s")
            # while the workers lay out the rest: each EPUB as soon as its print edition's pages are known (the
            # guide's four took 1.1 s after the last layout)
            for paged, epub in [(p, e) for p, e in epubs
                                if p.project.config.print_edition in page_maps or not p.project.config.print_edition]:
                epubs.remove((paged, epub))
                _render_epub(paged.project, epub, page_maps, out, files, built, progress)
    for plan, edition in epubs:
        _render_epub(plan.project, edition, page_maps, out, files, built, progress)


def _render_epub(project: Project, edition: Edition, page_maps: dict[str, tuple], out: Path, files: dict,
                 built: list[Built], progress: Callable[[str], None]) -> None:
    """The EPUB edition into `files` and `built`, paged as its print edition's map in `page_maps` says, if any."""
    tick = time.perf_counter()
    page_map = page_maps.get(project.config.print_edition)
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


def _write_download_page(project: Project, out: Path, page_counts: dict[str, int],
                         progress: Callable[[str], None]) -> None:
    """dist/index.html listing every edition file now in `out` (book/render/site.py); `page_counts` of the files
    just written, by name."""
    from .assets import output_files
    from ..render.site import download_page
    page = download_page(project.config, render_context(project), output_files(out, project.config.slug, page_counts))
    write_outputs({out / "index.html": page})
    progress("page     index.html (downloads)")


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
    return prepare_print(book, render_context(project, book)).layout_key(project.config.root)


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


def _store_page_map(project: Project, rendered) -> None:
    """The print edition's page map, for a later build of the EPUB alone (under the key its layout recorded)."""
    if key := rendered.layout_key or _page_map_key(project):
        Cache(project.config.root, "page-maps").put(key, {"labels": list(rendered.labels), "starts": list(rendered.starts)})


def pdf_editions(config: BookConfig, editions: list[Edition]) -> list[Edition]:
    """The PDF editions to render: those asked for, the sources of booklets and press editions, and the print
    edition an EPUB pages by."""
    names = [e.name for e in editions if e.format == "pdf"]
    names += [e.source for e in editions if e.source]
    if any(e.format == "epub" for e in editions) and config.print_edition:
        names.append(config.print_edition)
    ordered = [e for e in config.editions if e.name in set(names)]
    return ordered


def _write_per_clinic(project: Project, out: Path, files: dict, edition: Edition, rendered, derived: list[Edition],
                      back_covers, progress: Callable[[str], None], with_source: bool) -> list[Built]:
    """The edition's files per clinic (book/commands/clinics.py) into `files`; returns what was made."""
    tick = time.perf_counter()
    built = []
    for clinic_id, other, data, pages in clinic_files(project, edition, rendered, derived, back_covers, with_source):
        path = clinic_output_path(out, project.config, other, clinic_id)
        files[path] = data
        built.append(Built(other, path, pages, 0.0))
    others = len([e for e in derived if e.source == edition.name])
    progress(f"clinics  {edition.name:<10} {len(edition.clinics):>4} clinics × {others + with_source} files  "
             f"{time.perf_counter() - tick:.1f} s")
    return built
