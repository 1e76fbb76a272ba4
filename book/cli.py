"""Command line: argument parsing and messages only; the work happens in build, check and watch."""
from __future__ import annotations

import argparse
import gc
import logging
import os
import shutil
import sys
from pathlib import Path

from .infra.errors import BookError, BookErrors

EXIT_AUTHOR_ERROR, EXIT_USAGE = 1, 2


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project", type=Path, default=Path("."), help="the book's folder (default: current folder)")
    common.add_argument("--out", type=Path, default=None, help="where outputs go (default: PROJECT/dist)")
    common.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    common.add_argument("-v", "--verbose", action="store_true", help="print more detail")
    common.add_argument("--debug", action="store_true", help="show tracebacks (for bugs in guidebook itself)")
    parser = argparse.ArgumentParser(prog="guidebook", description="Build print-ready PDFs and an EPUB 3 from Markdown chapters.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    build = commands.add_parser("build", parents=[common], help="build editions into dist/")
    build.add_argument("editions", nargs="*", metavar="EDITION", help="editions to build (default: all)")
    build.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    check = commands.add_parser("check", parents=[common], help="check every source without writing outputs")
    for command in (build, check):
        command.add_argument("--no-strict", dest="strict", action="store_false", default=None,
                             help="broken links and anchors are warnings, not errors (as book.yaml's strict: false)")
    watch = commands.add_parser("watch", parents=[common], help="rebuild when a source changes")
    watch.add_argument("editions", nargs="*", metavar="EDITION", help="editions to rebuild (default: all)")
    new = commands.add_parser("new", parents=[common], help="create a new guide in DIR and build it")
    new.add_argument("directory", type=Path, metavar="DIR")
    commands.add_parser("clean", parents=[common], help="remove the outputs and the build cache")
    return parser


class _LayoutProgress(logging.Handler):
    """One self-overwriting terminal line while WeasyPrint lays out pages."""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "Step 5" in message or "Page" in message:
            sys.stdout.write(f"\r\033[K  {message[:70]}")
            sys.stdout.flush()


def _configure_logging(args) -> None:
    """WeasyPrint's CSS warnings with -v only; a progress line on a terminal unless -q."""
    weasyprint = logging.getLogger("weasyprint")
    weasyprint.propagate = False
    weasyprint.handlers = []
    if args.verbose:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("weasyprint: %(message)s"))
        weasyprint.addHandler(handler)
    else:
        weasyprint.addHandler(logging.NullHandler())
    progress = logging.getLogger("weasyprint.progress")
    progress.propagate = False
    progress.handlers = []
    if sys.stdout.isatty() and not args.quiet:
        progress.setLevel(logging.INFO)
        progress.addHandler(_LayoutProgress())


class _Warnings(logging.Handler):
    """Prints each author warning as it comes (lenient mode) and counts them for the closing line."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        print(record.getMessage(), file=sys.stderr, flush=True)


def run() -> None:
    """The command line's entry point (build.py, the `guidebook` script): main(), then exit at once.

    Python's own teardown, freeing every object a build made (WeasyPrint's boxes, fonts, parsed PDFs), took half a
    second and does nothing a finished command needs: outputs are written and synced, temporary folders removed,
    worker processes joined, and the output streams are flushed here."""
    # Python collects garbage every 700 new objects; a layout makes hundreds of thousands that live until it is
    # drawn, and each collection walks them again. Every 20,000: the guide's every-edition build 14.4–14.9 → 13.3–13.7
    # s of CPU, the 600-page contents laid out and drawn 3.1 → 2.5 s, peak memory the same (100,000: no faster, more
    # memory). The workers are forked from this process and keep the setting.
    gc.set_threshold(20_000, 10, 10)
    try:
        code = main()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except OSError:  # a reader that went away (`| head`): nothing more to tell it
                pass
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _configure_logging(args)
    warnings = _Warnings()
    logger = logging.getLogger("guidebook.warnings")
    logger.propagate = False
    logger.handlers = [warnings]
    try:
        code = _run(args)
    finally:
        logger.handlers = []
    if warnings.count and code == 0:
        print(f"{warnings.count} warning{'s' if warnings.count != 1 else ''}", file=sys.stderr)
    return code


def _run(args) -> int:
    root = args.project.resolve()
    out = (args.out or root / "dist").resolve()

    clear = "\r\033[K" if sys.stdout.isatty() else ""  # wipe a progress line first

    def say(line: str) -> None:
        if not args.quiet:
            print(clear + line, flush=True)

    try:
        if args.command == "build":
            from .commands.incremental import build_if_changed
            build_if_changed(root, out, args.editions, say, force=args.force, strict=args.strict)
        elif args.command == "check":
            from .commands.check import check
            problems = check(root, say, args.strict)
            for problem in problems:
                print(problem, file=sys.stderr)
            return EXIT_AUTHOR_ERROR if problems else 0
        elif args.command == "watch":
            from .commands.watch import watch
            watch(root, out, args.editions, say)
        elif args.command == "new":
            from .commands.scaffold import new_project
            from .commands.incremental import build_if_changed
            target = args.directory.resolve()
            new_project(target)
            say(f"created {target}")
            build_if_changed(target, target / "dist", [], say)
        elif args.command == "clean":
            for path in (out, root / ".cache"):
                if path.is_dir():
                    shutil.rmtree(path)
                    say(f"removed {path}")
    except BookErrors as group:
        for error in group.errors:
            print(error, file=sys.stderr)
        return EXIT_AUTHOR_ERROR
    except BookError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE if error.message.startswith("unknown edition") else EXIT_AUTHOR_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # noqa: BLE001 - a bug in guidebook: one line, traceback with --debug
        if args.debug:
            raise
        print(f"guidebook: internal error: {type(error).__name__}: {error} (run again with --debug for details)", file=sys.stderr)
        return 3
    return 0
