"""Work spread over the cores in forked processes: WeasyPrint and Python-Markdown are single-threaded.

Forked workers start without re-importing anything (WeasyPrint costs ~0.7 s to import), see the parent's
loaded project, and give their memory back to the system when they exit.
"""
from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.connection
import os
from concurrent.futures import ProcessPoolExecutor, as_completed

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


def map_forked_as_done(function, *iterables, workers: int):
    """(index, result) of `function` over `iterables`, in `workers` forked processes (here when 1), each as soon as
    it is done: a long job begun first does not hold back the results of those begun after it."""
    if workers < 2:
        yield from enumerate(map(function, *iterables))
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = {pool.submit(function, *args): index for index, args in enumerate(zip(*iterables))}
        for future in as_completed(futures):
            yield futures[future], future.result()


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

    def result(self):
        if self.function is not None:
            self.value, self.function = self.function(*self.args), None
        return self.value


class KeepingPool:
    """Forked worker processes that can keep what a job leaves behind (a laid-out document: far too big to send
    back) for a later call in the same process. pdf_parts.py keeps laid-out chapters undrawn in the workers until
    the page numbers their cross-references print are known, instead of laying them out twice.

    `run` hands each call to the first idle worker as `function(*args, keep)`, which returns (result, kept or
    None); `keep` is True while the worker's kept calls' costs stay within `budget` (kept documents cost memory).
    `finish` calls `function(kept, *args)` in the worker that keeps each key, and forgets it there."""

    def __init__(self, workers: int, budget: int):
        self._workers, self._budget, self._spent, self._keeper, self._processes = workers, budget, {}, {}, []

    def _start(self, count: int, spare: int = 0) -> None:
        """At least `count` workers (at most the pool's size, plus `spare`), forked now: they see this process as
        it is."""
        context = multiprocessing.get_context("fork")
        while len(self._processes) < min(count, self._workers + spare):
            mine, theirs = context.Pipe()
            # the worker closes its copies of this process's ends (its own and the earlier workers'): else, were this
            # process killed, no worker would see its pipe close, and each would wait for calls forever
            process = context.Process(target=_serve, args=(theirs, [mine, *self._spent]), daemon=True)
            process.start()
            theirs.close()
            self._processes.append(process)
            self._spent[mine] = 0

    def __enter__(self) -> "KeepingPool":
        return self

    def __exit__(self, *error) -> None:
        for connection in self._spent:
            with contextlib.suppress(OSError):
                connection.send(None)
        for process in self._processes:
            process.join(timeout=None if error[0] is None else 0)
            if process.is_alive():
                process.terminate()
                process.join()

    def run(self, calls: list[tuple]) -> dict:
        """(key, function, args, cost) calls → {key: result}; a call of cost 0 is never kept."""
        self._start(len(calls))
        return self._dispatch({}, list(calls))

    def kept(self) -> set:
        """The keys whose results a worker keeps."""
        return set(self._keeper)

    def finish(self, calls: dict, free: list[tuple] = (), spare: int = 0) -> dict:
        """{key: (function, args)} → {key: function(kept, *args)}, run in the worker that keeps each key, which
        forgets it there; and `free` (key, function, args) calls, as `run` makes them (never kept), in order, each
        on the first worker with no kept call left: its kept layouts' memory is given back before it takes more
        (pdf_parts.py: the 600-page book's peak 334 → 279 MB against free calls first, in the same time).
        `spare` more workers than the pool's size are forked for the free calls, which then begin at once, sharing
        the cores with the kept calls: a long free call does not wait for those, to end alone."""
        bound: dict = {}
        for key in calls:
            bound.setdefault(self._keeper.pop(key), []).append(("finish", key, *calls[key]))
        self._start(len(self._processes) + min(spare, len(free)), spare)
        self._start(len(free))
        return self._dispatch(bound, [(key, function, args, 0) for key, function, args in free])

    def _dispatch(self, bound: dict, pending: list[tuple]) -> dict:
        """{key: result} of each worker's `bound` messages, and of the `pending` (key, function, args, cost) calls
        run on whichever worker has none left; each worker is sent its next call once it has answered the last (a
        pipe holds only so much)."""
        results, busy, idle = {}, {}, list(self._spent)
        while True:
            for worker in list(idle):
                if bound.get(worker):
                    message = bound[worker].pop(0)
                elif pending:
                    key, function, args, cost = pending.pop(0)
                    keep = 0 < cost and self._spent[worker] + cost <= self._budget
                    self._spent[worker] += cost if keep else 0
                    message = ("run", key, function, (*args, keep))
                else:
                    continue
                idle.remove(worker)
                worker.send(message)
                busy[worker] = message[1]
            if not busy:
                return results
            for worker in multiprocessing.connection.wait(list(busy)):
                key, kept, value = _received(worker)
                del busy[worker]
                idle.append(worker)
                if kept:
                    self._keeper[key] = worker
                results[key] = value


def _received(worker) -> tuple:
    """A worker's answer (key, kept, value); its error raised here."""
    try:
        key, kept, value = worker.recv()
    except EOFError:
        raise RuntimeError("a layout worker stopped (out of memory?)") from None
    if kept is None:
        raise value
    return key, kept, value


def _serve(connection, pools_ends: list) -> None:
    """A KeepingPool worker: calls until told to stop (None, or the pool gone). Ctrl-C reaches every process of
    the build: the pool's process stops the build and says so, a worker just stops (no traceback of its own)."""
    for end in pools_ends:
        end.close()
    with contextlib.suppress(KeyboardInterrupt):
        _answer_calls(connection)


def _answer_calls(connection) -> None:
    kept = {}
    while True:
        try:
            message = connection.recv()
        except EOFError:
            return
        if message is None:
            return
        kind, key, function, args = message
        try:
            if kind == "run":
                value, keep = function(*args)
                if keep is not None:
                    kept[key] = keep
                    # Python's full garbage collections walk every live object, kept layouts too: the more a worker
                    # keeps, the slower each later layout. Frozen, they are not walked (the 600-page book's build: CPU
                    # 29 → 26 s); unfrozen and collected once none is kept, so that their memory is free again.
                    gc.collect()
                    gc.freeze()
                answer = (key, keep is not None, value)
            else:
                answer = (key, False, function(kept.pop(key), *args))
                if not kept:
                    gc.unfreeze()
                    gc.collect()
        except Exception as error:  # raised again in the pool's process
            answer = (key, None, error)
        try:
            connection.send(answer)
        except OSError:  # the pool's process is gone (killed): nobody to answer
            return
        except Exception as error:  # (an error that does not pickle)
            connection.send((key, None, RuntimeError(f"{type(error).__name__}: {error}")))
