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
from dataclasses import asdict, dataclass, field


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

    def add(self, denied: Denied) -> None:
        with self._lock:
            self._denied.append(denied)

    def sweep(self, seen: set[str]) -> list[dict]:
        """The watched requests whose tracking id the canary has seen, as report entries."""
        with self._lock:
            watched = list(self._denied)
        return [asdict(d) for d in watched if d.tracking_id in seen]


__all__ = ["Denied", "LeakWatch"]
