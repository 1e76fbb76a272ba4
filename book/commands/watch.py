"""`watch`: rebuild when a source changes; a failed build is reported and the watch goes on."""
from __future__ import annotations

import logging
import signal
import sys
import time
from pathlib import Path
from typing import Callable

from ..infra.errors import BookError, BookErrors
from .incremental import SOURCE_FOLDERS, build_if_changed


def _rebuild(root: Path, out: Path, names: list[str], say: Callable[[str], None]) -> None:
    try:
        build_if_changed(root, out, names, say)
    except BookErrors as group:
        for error in group.errors:
            print(error, file=sys.stderr, flush=True)
    except BookError as error:
        print(error, file=sys.stderr, flush=True)


def watch(root: Path, out: Path, names: list[str], say: Callable[[str], None]) -> None:
    """Build now, then again after each change under the project's source folders (Ctrl-C stops)."""
    from watchfiles import watch as watch_changes

    from .build import scratch_base
    from .runner import styles_kept_between_builds

    # SIGTERM (a service manager, `kill`) stops it as Ctrl-C does, cleaning up; a watch started in the background
    # by a shell ignores Ctrl-C's SIGINT
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with styles_kept_between_builds(scratch_base(root)):
            _watch(root, out, names, say, watch_changes)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _watch(root: Path, out: Path, names: list[str], say: Callable[[str], None], watch_changes) -> None:
    _rebuild(root, out, names, say)
    _warm_up(root, names)
    paths = [str(root / "book.yaml"), *(str(root / f) for f in SOURCE_FOLDERS if (root / f).is_dir())]
    watching = False
    # "watching" is said once the watcher runs (its first yield, empty after 100 ms without a change): said
    # before, a file saved in between went unseen (found by tests/test_cli.py's watch test, which saves at once)
    for changes in watch_changes(*paths, rust_timeout=100, yield_on_timeout=True):
        if not watching:
            say(f"watching {root} (Ctrl-C to stop)")
            watching = True
        if not changes:
            continue
        changed = sorted({str(Path(path).relative_to(root)) for _, path in changes})
        say(f"{time.strftime('%H:%M:%S')} changed: {', '.join(changed)}")
        _rebuild(root, out, names, say)


def _warm_up(root: Path, names: list[str]) -> None:
    """What the first rebuild would otherwise pay for (1.2 s of the guide's six English editions): WeasyPrint,
    the layouts, the Markdown converter and the PDF editions' stylesheets of the book's own language, made ready
    in this process. Editions that were up to date were not laid out by the first build, so none of it is."""
    from ..convert.markdown import warm_converter
    from ..infra.errors import BookError, BookErrors
    from ..load.project import load_project
    from .build import pdf_editions
    from .outputs import select_editions
    from .runner import parse_styles_before_fork, prepare_layouts

    warnings = logging.getLogger("guidebook.warnings")
    warnings.disabled = True  # the build has printed them
    try:
        project = load_project(root)
        editions = [e for e in select_editions(project.config, names) if e.language == project.config.language]
        prepare_layouts(project)
        parse_styles_before_fork(project, pdf_editions(project.config, editions))
        warm_converter()
    except (BookError, BookErrors):  # the build said what is wrong; the next one after a fix warms up itself
        pass
    finally:
        warnings.disabled = False
