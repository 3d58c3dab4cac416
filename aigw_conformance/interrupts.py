"""A run stops the same way on Ctrl-C and on SIGTERM (what CI runners and supervisors send), and says so.

SIGTERM becomes a KeyboardInterrupt raised where the main thread is, so pytest ends the session as
for Ctrl-C: every scenario's teardown, the report, and the run's ExitStack (tokens and users deleted,
taps and the reference stopped) unwind in order. Only the first SIGTERM interrupts; one that arrives
while that unwinding runs (a supervisor repeating itself) is ignored, so it cannot cut the cleanup
short. A second Ctrl-C still does: that is the user's explicit choice.
"""

from __future__ import annotations

import signal
import sys
import threading


def sigterm_interrupts() -> None:
    """Install the SIGTERM handler (main thread only; elsewhere signals cannot be handled)."""
    if threading.current_thread() is not threading.main_thread():
        return
    state = {"stopping": False}

    def handler(signum, frame):  # noqa: ANN001
        if state["stopping"]:
            print("aigw-conformance: already stopping (cleaning up)", file=sys.stderr, flush=True)
            return
        state["stopping"] = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


class InterruptSeen:
    """A pytest plugin object: pytest reports both collection errors and Ctrl-C as exit status 2;
    this tells them apart, so an interrupted run exits 130 and never 2 (invalid input)."""

    def __init__(self) -> None:
        self.seen = False

    def pytest_keyboard_interrupt(self, excinfo) -> None:  # noqa: ANN001
        # pytest raises its own subclass, Session.Interrupted, for collection errors: not an interrupt
        self.seen = excinfo.type is KeyboardInterrupt


__all__ = ["sigterm_interrupts", "InterruptSeen"]
