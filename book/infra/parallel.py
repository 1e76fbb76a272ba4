"""Work spread over the cores in forked processes: WeasyPrint and Python-Markdown are single-threaded.

Forked workers start without re-importing anything (WeasyPrint costs ~0.7 s to import), see the parent's
loaded project, and give their memory back to the system when they exit.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

MAX_WORKERS = int(os.environ.get("GUIDEBOOK_WORKERS", "2"))


def worker_count(jobs: int, spare: int = 0) -> int:
    """How many processes `jobs` jobs should use; 1 means run them in this process.

    `spare` more processes than cores lets a few jobs of unequal length share the cores instead of queueing
    behind each other (three editions on two cores finish when the work is done, not when the longest queue is).
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(jobs, (os.cpu_count() or 1) + spare, MAX_WORKERS + spare))


def map_forked(function, *iterables, workers: int, chunksize: int = 1):
    """`function` over `iterables` like map(), in `workers` forked processes (here when 1); results in order."""
    if workers < 2:
        yield from map(function, *iterables)
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(function, *iterables, chunksize=chunksize)


@contextlib.contextmanager
def forked_pool(workers: int, niceness: int = 0):
    """An executor for work started now and collected later (`submit(function, *args).result()`), while this
    process does work of its own: `workers` forked processes, which see this process as it is at the first
    submit; with none, this process itself, each function run when its result is asked for.

    `niceness` lowers the workers' scheduling priority: when this process's own work is what the rest waits
    for, it keeps a core to itself and the workers share what is left, instead of all taking turns."""
    if workers < 1:
        yield _Later()
        return
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=os.nice, initargs=(niceness,))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class _Later:
    """forked_pool's executor without processes."""

    def submit(self, function, *args):
        return _Result(function, args)


class _Result:
    def __init__(self, function, args):
        self.function, self.args = function, args

    def cancel(self) -> bool:
        """Nothing begins before its result is asked for: the caller may do it itself instead."""
        self.function, self.value = None, None
        return True

    def result(self):
        if self.function is not None:
            self.value, self.function = self.function(*self.args), None
        return self.value
