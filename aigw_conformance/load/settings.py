"""Command-line overrides applied to a workload, and the safety caps for targets that are not ours.

Against anything but the embedded reference, a workload's rate is capped low (EXTERNAL_MAX_RATE) and
the duration short unless `--allow-high-rate` says otherwise: a load run against staging is a decision,
not a default.
"""

from __future__ import annotations

from dataclasses import dataclass

from aigw_conformance.errors import ConfigError

from .model import MAX_DURATION_S, Flood, Mixed, RateLimit, Revocation, Workload, planned_rate

EXTERNAL_MAX_RATE = 5.0        # requests per second per workload, against an external target
EXTERNAL_MAX_DURATION_S = 30.0


@dataclass(frozen=True)
class Overrides:
    users: int | None = None
    rate: float | None = None
    duration_s: float | None = None
    allow_high_rate: bool = False


def check(o: Overrides, external: bool) -> None:
    if o.users is not None and o.users < 1:
        raise ConfigError("--users must be at least 1", field="--users")
    if o.rate is not None and o.rate <= 0:
        raise ConfigError("--rate must be positive", field="--rate")
    if o.duration_s is not None and not 0 < o.duration_s <= MAX_DURATION_S:
        raise ConfigError(f"--duration must be in (0, {MAX_DURATION_S:g}] seconds", field="--duration")
    if external and not o.allow_high_rate:
        if o.rate is not None and o.rate > EXTERNAL_MAX_RATE:
            raise ConfigError(f"--rate {o.rate:g}: against an external target the rate is capped at "
                              f"{EXTERNAL_MAX_RATE:g} req/s; add --allow-high-rate to send more", field="--rate")
        if o.duration_s is not None and o.duration_s > EXTERNAL_MAX_DURATION_S:
            raise ConfigError(f"--duration {o.duration_s:g}: against an external target a workload lasts at most "
                              f"{EXTERNAL_MAX_DURATION_S:g} s; add --allow-high-rate for longer", field="--duration")


def adjust(w: Workload, o: Overrides, external: bool) -> tuple[Workload, str]:
    """The workload as it will run, and a note when the safety cap changed it ("" otherwise)."""
    upd: dict = {}
    if o.duration_s is not None:
        upd["duration_s"] = o.duration_s
    if isinstance(w, (Mixed, Revocation)):
        upd.update({k: v for k, v in (("users", o.users), ("rate", o.rate)) if v is not None})
    elif isinstance(w, Flood):
        if o.rate is not None:
            upd["valid"] = w.valid.model_copy(update={"rate": o.rate / (1 + w.bogus.factor)})
        if o.users is not None:
            upd["bogus"] = w.bogus.model_copy(update={"users": max(1, o.users - w.valid.users)})
    elif isinstance(w, RateLimit) and o.users is not None:
        half = max(1, o.users // 2)
        upd["under"] = w.under.model_copy(update={"users": half})
        upd["over"] = w.over.model_copy(update={"users": half})
    w = w.model_copy(update=upd) if upd else w
    if not external or o.allow_high_rate:
        return w, ""
    note = ""
    if w.duration_s > EXTERNAL_MAX_DURATION_S:
        w, note = w.model_copy(update={"duration_s": EXTERNAL_MAX_DURATION_S}), "duration capped"
    if planned_rate(w) > EXTERNAL_MAX_RATE:
        before = planned_rate(w)
        if isinstance(w, (Mixed, Revocation)):
            w = w.model_copy(update={"rate": EXTERNAL_MAX_RATE, "users": min(w.users, 5)})
        elif isinstance(w, Flood):
            w = w.model_copy(update={"valid": w.valid.model_copy(update={"rate": EXTERNAL_MAX_RATE / (1 + w.bogus.factor)})})
        elif isinstance(w, RateLimit):
            w = w.model_copy(update={"under": w.under.model_copy(update={"users": 1}),
                                     "over": w.over.model_copy(update={"users": 1})})
        note = f"rate capped from {before:g} to {planned_rate(w):g} req/s (external target; --allow-high-rate lifts it)"
    return w, note


def too_fast(w: Workload, o: Overrides, external: bool) -> str:
    """Why the workload cannot run under the cap at all, or ""."""
    if external and not o.allow_high_rate and planned_rate(w) > EXTERNAL_MAX_RATE * 1.0001:
        return (f"needs {planned_rate(w):g} req/s to cross the endpoint's limit, above the {EXTERNAL_MAX_RATE:g} "
                "req/s cap for external targets; run it with --allow-high-rate")
    return ""


__all__ = ["Overrides", "adjust", "check", "too_fast", "EXTERNAL_MAX_RATE"]
