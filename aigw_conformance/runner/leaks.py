"""Denied requests that reach the provider after the answer: the end-of-run sweep.

A step checks at once whether a request the gateway denied (400/401/403/407/429) reached the canary
(`steps.denial_leak`): that finds a gateway that forwards before or while it answers. A gateway
that answers 403 and forwards in the background would slip past a check made at answer time, so
every denied request is also watched here, and at the end of the run one query asks the canary
whether any of them arrived since. Such a late leak fails the scenario in the report, whatever its
step said (DESIGN: a denied request must never reach the provider).
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field

# A gateway that forwards a denied request in the background does so within moments of its answer;
# the sweep waits this long after the last denial so the run's final scenario is judged too.
SETTLE_SECONDS = 0.5
DENIAL_STATUSES = frozenset({400, 401, 403, 407, 429})   # the answers that deny a request


@dataclass(frozen=True)
class Denied:
    scenario: str          # the case's test id as the report names it (SCN or SCN[variant])
    tracking_id: str
    status: int
    step: str


@dataclass
class LeakWatch:
    _denied: list[Denied] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _last: float = 0.0

    def add(self, denied: Denied) -> None:
        with self._lock:
            self._denied.append(denied)
            self._last = time.monotonic()

    def settle(self) -> None:
        """Wait until SETTLE_SECONDS have passed since the last denial (at once when they have)."""
        with self._lock:
            wait = self._last + SETTLE_SECONDS - time.monotonic() if self._denied else 0.0
        if wait > 0:
            time.sleep(wait)

    def sweep(self, seen: set[str]) -> list[dict]:
        """The watched requests whose tracking id the canary has seen, as report entries."""
        with self._lock:
            watched = list(self._denied)
        return [asdict(d) for d in watched if d.tracking_id in seen]


__all__ = ["DENIAL_STATUSES", "Denied", "LeakWatch", "SETTLE_SECONDS"]
