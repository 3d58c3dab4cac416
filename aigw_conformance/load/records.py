"""The request records the Locust master wrote (JSON lines), as typed values, plus latency figures.

A record says what one request was (token kind, carrier, label, user) and what came of it (status,
milliseconds, transport error). `meta` lines carry each worker's peak CPU and whether its last batch
arrived, so a run whose load generator was saturated or lost records can say so.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

PERCENTILES = (50, 95, 99)


@dataclass(frozen=True)
class Rec:
    t: float                 # when it was sent (epoch seconds, the worker's clock)
    ms: float                # until the whole answer was read
    status: int              # 0: no HTTP answer
    error: str               # "timeout", "transport: …" or ""
    name: str
    kind: str
    carrier: str
    label: str
    user: str
    role: str
    expected: bool
    retry_after: str | None = None

    @property
    def outcome(self) -> str:
        return outcome_of(self.status, self.error)


@dataclass(frozen=True)
class Records:
    recs: tuple[Rec, ...]
    workers: dict[str, float] = field(default_factory=dict)   # worker index → peak CPU %
    finals: int = 0                                           # workers whose last batch arrived

    @property
    def cpu_max(self) -> float:
        return max(self.workers.values(), default=0.0)


def outcome_of(status: int, error: str = "") -> str:
    if status == 0:
        return "timeout" if error == "timeout" else "transport-error"
    if 200 <= status < 300:
        return "admitted"
    if status == 429:
        return "rate-limited"
    if status >= 500:
        return "server-error"
    return "refused"


def read_records(path: Path) -> Records:
    recs, workers, finals = [], {}, 0
    if not path.exists():
        return Records(())
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if "meta" in obj:
            m = obj["meta"]
            key = str(m.get("worker"))
            workers[key] = max(workers.get(key, 0.0), float(m.get("cpu_max") or 0.0))
            finals += 1 if m.get("final") else 0
            continue
        recs.append(Rec(**{k: obj.get(k) for k in Rec.__dataclass_fields__ if k in obj}))
    return Records(tuple(sorted(recs, key=lambda r: r.t)), workers, finals)


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (no interpolation: every figure is a latency that was observed)."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, min(len(s) - 1, math.ceil(p / 100.0 * len(s)) - 1))]


def latency(recs: list[Rec] | tuple[Rec, ...]) -> dict:
    ms = [r.ms for r in recs]
    return {"count": len(ms), **{f"p{p}": _round(percentile(ms, p)) for p in PERCENTILES}}


def by_outcome(recs) -> dict[str, dict]:
    groups: dict[str, list[Rec]] = {}
    for r in recs:
        groups.setdefault(r.outcome, []).append(r)
    return {k: latency(v) for k, v in sorted(groups.items())}


def rate_reached(recs) -> float:
    if len(recs) < 2:
        return 0.0
    span = recs[-1].t - recs[0].t
    return round(len(recs) / span, 1) if span > 0 else 0.0


def statuses(recs) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in recs:
        key = str(r.status) if r.status else r.outcome
        out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items()))


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


__all__ = ["Rec", "Records", "read_records", "percentile", "latency", "by_outcome", "rate_reached", "statuses",
           "outcome_of", "PERCENTILES"]
