"""A line now and then while a long step runs, so that a build never sits silent for minutes.

WeasyPrint's layout has no limit on time: an unusual chapter (20,000 headings in a row took six minutes) keeps
the build busy with nothing to show. The build says what it is still doing instead, in the process's main
thread, from a SIGALRM handler: the main thread may itself be laying out, or waiting for the layout workers.
"""
from __future__ import annotations

import contextlib
import signal
import threading
import time
from typing import Callable

FIRST_SECONDS = 30.0
EVERY_SECONDS = 60.0


@contextlib.contextmanager
def saying_while_long(say: Callable[[str], None], line: Callable[[float], str]):
    """While the block runs: `say(line(seconds so far))` after FIRST_SECONDS and every EVERY_SECONDS after.

    Nothing outside the main thread (signals go to it) or where there are no interval timers. Interrupted system
    calls restart (SA_RESTART), and a worker forked meanwhile has no timer: timers are not inherited."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    started = time.monotonic()

    def tick(signum, frame) -> None:
        try:
            say(line(time.monotonic() - started))
        except RuntimeError:  # the main thread was writing to the same stream ("reentrant call"): next time
            pass

    previous = signal.signal(signal.SIGALRM, tick)
    signal.siginterrupt(signal.SIGALRM, False)
    signal.setitimer(signal.ITIMER_REAL, FIRST_SECONDS, EVERY_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
