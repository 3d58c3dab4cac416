"""Leave a process of a run without the interpreter's teardown of its modules.

When a run's work is done (taps stopped and their files written, tokens deleted, reports closed),
tearing down the modules of mitmproxy, hypothesis and the rest costs about 0.3 s more. The run
command waits for it once at its own end, and, with -n, once more for its workers: xdist waits for
each worker's process to exit before the run's reports are written. Not under a profiler, a tracer
or coverage, whose results are written at the normal exit.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
from typing import NoReturn

from aigw_common.unused_imports import ENV as OWNED_ENV   # a worker of `run` with no plugin of the user's


def allowed() -> bool:
    return sys.getprofile() is None and sys.gettrace() is None and "coverage" not in sys.modules


def exit_now(rc: int) -> NoReturn:
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(rc)


def _worker_exit() -> None:
    if allowed():
        exit_now(0)


def at_worker_exit() -> None:
    """For an xdist worker that `run` started: skip the teardown at the interpreter's exit. The
    interpreter runs this after xdist's channel has closed and every non-daemon thread (the capture's
    file writer) has been joined; what registered later (the capture's own stop) has run before it."""
    if os.environ.get(OWNED_ENV) == "1":
        atexit.register(_worker_exit)


__all__ = ["allowed", "at_worker_exit", "exit_now"]
