"""Start the run once, on first use, from whichever thread asks first; remember a failed start."""

from __future__ import annotations

import threading
from contextlib import ExitStack
from typing import Callable

from aigw_common.errors import AigwError
from aigw_conformance.errors import TargetError

from .record import Run


class LazyRun:
    def __init__(self, starter: Callable[[ExitStack], Run], describe: str) -> None:
        self._starter = starter
        self._describe = describe
        self._lock = threading.Lock()
        self._stack = ExitStack()
        self._run: Run | None = None
        self._failure: AigwError | None = None

    @property
    def started(self) -> Run | None:
        return self._run

    def get(self) -> Run:
        with self._lock:
            if self._failure is not None:
                # a fresh traceback each time: re-raising one instance would grow it by every item
                raise self._failure.with_traceback(None)
            if self._run is None:
                self._run = self._start()
            return self._run

    def _start(self) -> Run:
        try:
            return self._starter(self._stack)
        except AigwError as exc:
            self._failure = exc
        except Exception as exc:  # noqa: BLE001 - a start failure is the target's error, shown once
            self._failure = TargetError(f"could not start target {self._describe!r}: {type(exc).__name__}: {exc}")
            self._failure.__cause__ = exc
        self._stack.close()   # whatever did start is stopped again
        raise self._failure

    def stop(self) -> None:
        """Close everything that was started, in reverse order; safe to call twice."""
        with self._lock:
            stack, self._stack = self._stack, ExitStack()
        stack.close()


__all__ = ["LazyRun"]
