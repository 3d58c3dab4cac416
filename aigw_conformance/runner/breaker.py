"""A circuit breaker per endpoint: a dead target costs seconds, not minutes.

After `THRESHOLD` scenarios in a row ended in a transport error against one endpoint, every later
scenario that needs it ends at once as an error naming the first cause, without a request. A
scenario that got any answer from the endpoint closes the count again. Counts are per process
(each xdist worker has its own breaker, like its own target).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

THRESHOLD = 3


@dataclass
class _State:
    in_a_row: int = 0
    first_cause: str = ""
    skipped: int = 0


@dataclass
class Breaker:
    threshold: int = THRESHOLD
    _states: dict[str, _State] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def open_reason(self, endpoint: str) -> str | None:
        """Why requests to `endpoint` are no longer attempted, or None while it is closed."""
        with self._lock:
            st = self._states.get(endpoint)
            if st is None or st.in_a_row < self.threshold:
                return None
            st.skipped += 1
            return f"{st.first_cause} ({st.in_a_row} scenarios in a row); not attempted"

    def failed(self, endpoint: str, cause: str) -> None:
        with self._lock:
            st = self._states.setdefault(endpoint, _State())
            if st.in_a_row == 0:
                st.first_cause = cause
            st.in_a_row += 1

    def answered(self, endpoint: str) -> None:
        with self._lock:
            st = self._states.get(endpoint)
            if st is not None and st.in_a_row < self.threshold:
                st.in_a_row, st.first_cause = 0, ""

    def summary(self) -> list[str]:
        """One line per open circuit, for the terminal and the report."""
        with self._lock:
            return [f"endpoint {name}: {st.first_cause} ({st.in_a_row} scenarios in a row); "
                    f"{st.skipped} more scenarios not attempted"
                    for name, st in sorted(self._states.items()) if st.in_a_row >= self.threshold]


__all__ = ["Breaker", "THRESHOLD"]
