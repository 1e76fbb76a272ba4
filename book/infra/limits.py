"""The documented ceilings on what one project may make the builder do (README: "Security model").

A project folder can come from anyone. Each limit keeps a hostile or broken input from hanging the build or
eating the machine's memory; every refusal names the limit, so an author with a genuinely big book knows what
to split. The values leave ample room for real books: the guide's longest chapter is ~25 KB, its biggest
data table 40 rows.
"""
from __future__ import annotations

import contextlib
import os
import signal
import threading

MAX_CHAPTER_BYTES = 2_000_000  # one chapters/*.md file (a 500-page book's chapter is ~100 KB)
MAX_TABLE_BYTES = 1_000_000  # one data/*.yaml file
MAX_TABLE_ROWS = 5_000  # rows of one data table (a table that long is many pages in print)
MAX_YAML_BYTES = 1_000_000  # book.yaml and front matter
MAX_YAML_VALUES = 100_000  # values in one YAML document once aliases (*name) are expanded: stops alias bombs
MAX_TEMPLATE_OUTPUT = 5_000_000  # characters one chapter's {{ … }} expressions and loops may produce
MAX_TEMPLATE_SECONDS = 10  # wall time for the Jinja step of all chapters together
MAX_TEMPLATE_SEQUENCE = 1_000_000  # longest string or list a template may make with * (e.g. 'a' * n)
MAX_TEMPLATE_POWER_BITS = 10_000  # largest integer a template may make with ** (about 3,000 digits)
MAX_LIPSUM_PARAGRAPHS = 100
MAX_QUOTE_DEPTH = 30  # blockquote levels (">>>…"): deeper ones exhaust the layout engine's recursion
MAX_HTML_DEPTH = 100  # elements inside elements, raw HTML included: 1,000 nested <div>s overflowed the layout
# Block nesting up to which HTML containers are read as Markdown (book/convert/gfm.py): Python-Markdown recurses
# into each block of such a container, and 3,000 nested <div>s exhausted its stack; deeper documents stay raw
MAX_MARKDOWN_IN_HTML_DEPTH = 16
MAX_INDENT_COLUMNS = 160  # leading spaces of a line: 40 levels of nested lists (4 columns each)
MAX_IMAGE_PIXELS = 40_000_000  # width × height of one image (40 megapixels; 160 MB once decoded)
MAX_IMAGE_BYTES = 50_000_000  # one image file
MAX_TEMPLATE_MEMORY = 500_000_000  # bytes the chapters' Jinja step may add to the process


class LimitExceeded(Exception):
    """Raised inside a bounded step when it runs out of its time or memory."""


def _address_space() -> int | None:
    """This process's virtual memory size in bytes (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@contextlib.contextmanager
def bounded(seconds: float, memory: int, limit_seconds: float | None = None):
    """Run the body with a wall-clock alarm and an address-space ceiling `memory` above today's use.

    Jinja runs plain Python loops and string operations; a template cannot be made safe by inspecting it
    first, so the step itself is bounded: SIGALRM interrupts a loop that runs too long, and a lowered
    RLIMIT_AS turns a runaway allocation into a MemoryError instead of swapping the machine. Both are
    restored afterwards. `limit_seconds` is the limit to name when `seconds` is what is left of a larger
    budget. Outside the main thread (no signals there) only the memory ceiling applies.
    """
    import resource

    alarm = threading.current_thread() is threading.main_thread()
    previous_handler = None
    if alarm:
        def stop(signum, frame):
            raise LimitExceeded(f"took longer than the limit of {limit_seconds or seconds:g} s")

        previous_handler = signal.signal(signal.SIGALRM, stop)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    used = _address_space()
    ceiling = None if used is None else used + memory
    if ceiling is not None and (soft == resource.RLIM_INFINITY or ceiling < soft) and \
            (hard == resource.RLIM_INFINITY or ceiling <= hard):
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))
    try:
        yield
    except MemoryError as error:  # keep the traceback: it shows which template line asked for the memory
        raise LimitExceeded(f"needed more than the limit of {memory // 1_000_000:,} MB of memory").with_traceback(
            error.__traceback__) from None
    finally:
        if ceiling is not None:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous_handler)
