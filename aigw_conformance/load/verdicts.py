"""Pure judgement of one workload's records: a verdict with its reason, and the figures behind it.

Two kinds of "no", as everywhere in the harness: a status the gateway sent that the protocol forbids
is a failure; what the load generator may have caused (a saturated CPU, lost records, refused
connections) is an error, never a failure. A timeout is the gateway's only while the generator had
headroom, since the issue's rule is "never a 5xx or a timeout".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .model import Flood, Mixed, RateLimit, Revocation, Workload, planned_rate
from .records import Rec, Records, by_outcome, latency, percentile, rate_reached, statuses

CPU_SATURATED = 90.0   # Locust's own cpu_warning threshold
MIN_SAMPLES = 3        # valid requests before and during a flood, to compare latencies at all


@dataclass(frozen=True)
class Revoked:
    label: str
    how: str
    t_call: float
    t_return: float


@dataclass(frozen=True)
class Observed:
    """What one workload's run produced, as the orchestrator hands it over."""
    records: Records
    t_start: float | None
    workers: int
    revocations: tuple[Revoked, ...] = ()
    problem: str = ""          # the run itself went wrong (did not start, was killed …)


@dataclass(frozen=True)
class Verdict:
    outcome: str               # passed | failed | error | not-supported
    reason: str
    figures: dict = field(default_factory=dict)


def _common(w: Workload, obs: Observed) -> dict:
    recs = obs.records.recs
    return {"requests": len(recs), "rate_planned": round(planned_rate(w), 1), "rate_reached": rate_reached(recs),
            "duration_s": w.duration_s, "workers": obs.workers, "generator_cpu_max": round(obs.records.cpu_max, 1),
            "statuses": statuses(recs), "latency_ms": by_outcome(recs)}


def _generator_doubt(obs: Observed) -> str:
    if obs.records.cpu_max >= CPU_SATURATED:
        return f"the load generator was CPU-saturated ({obs.records.cpu_max:.0f} % on a worker)"
    if obs.workers and obs.records.finals < obs.workers:
        return f"only {obs.records.finals} of {obs.workers} Locust workers delivered their last records"
    return ""


def _unexpected(recs) -> list[Rec]:
    return [r for r in recs if not r.expected and r.status]


def _describe(bad: list[Rec], top: int = 3) -> str:
    counts = Counter((r.status, r.name) for r in bad)
    return "; ".join(f"{n} x {s} for {name}" for (s, name), n in counts.most_common(top))


def _transport_verdict(recs, obs: Observed, figures: dict) -> Verdict | None:
    """Timeouts and transport errors: failure, error, or nothing to say."""
    timeouts = [r for r in recs if r.outcome == "timeout"]
    transport = [r for r in recs if r.outcome == "transport-error"]
    doubt = _generator_doubt(obs)
    if timeouts and not doubt:
        return Verdict("failed", f"{len(timeouts)} request(s) got no answer within the timeout "
                       f"({_describe_err(timeouts)}); the gateway must answer under load", figures)
    if timeouts or transport:
        why = doubt or "connections failed before any answer"
        return Verdict("error", f"{len(timeouts)} timeout(s) and {len(transport)} transport error(s), but {why}: "
                       "these may be the harness's own, so no verdict", figures)
    return None


def _describe_err(recs) -> str:
    return ", ".join(f"{n} x {name}" for name, n in Counter(r.name for r in recs).most_common(3))


def judge(w: Workload, obs: Observed) -> Verdict:
    if obs.problem:
        return Verdict("error", obs.problem, _common(w, obs) if obs.records.recs else {})
    if not obs.records.recs:
        return Verdict("error", "no request was recorded: the load generator sent nothing", _common(w, obs))
    if isinstance(w, Mixed):
        return _mixed(w, obs)
    if isinstance(w, Revocation):
        return _revocation(w, obs)
    if isinstance(w, Flood):
        return _flood(w, obs)
    return _rate_limit(w, obs)


def _finish(figures: dict, obs: Observed, recs, passed: str) -> Verdict:
    tv = _transport_verdict(recs, obs, figures)
    if tv is not None:
        return tv
    doubt = _generator_doubt(obs)
    if doubt and obs.workers and obs.records.finals < obs.workers:
        return Verdict("error", doubt, figures)
    return Verdict("passed", passed, figures)


def _mixed(w: Mixed, obs: Observed) -> Verdict:
    recs = obs.records.recs
    figures = _common(w, obs)
    bad = _unexpected(recs)
    admitted_wrongly = [r for r in bad if r.outcome == "admitted"]
    figures.update(unexpected=len(bad), admitted_wrongly=len(admitted_wrongly),
                   server_errors=sum(1 for r in recs if r.outcome == "server-error"))
    if bad:
        return Verdict("failed", f"{len(bad)} of {len(recs)} requests got an answer the protocol does not allow: "
                       f"{_describe(bad)}", figures)
    return _finish(figures, obs, recs, f"all {len(recs)} requests got the protocol's answer "
                   f"({', '.join(f'{k}: {v}' for k, v in figures['statuses'].items())}) at {figures['rate_reached']} req/s")


def _revocation(w: Revocation, obs: Observed) -> Verdict:
    recs = obs.records.recs
    figures = _common(w, obs)
    if not obs.revocations:
        return Verdict("error", "the token was never revoked (the run ended first)", figures)
    tokens, failures, problems = {}, [], []
    for ev in obs.revocations:
        mine = [r for r in recs if r.label == ev.label]
        boundary = ev.t_return + w.clock_skew_s
        admitted = [r for r in mine if r.outcome == "admitted"]
        after = [r for r in mine if r.t > boundary]
        late = [r for r in after if r.outcome == "admitted"]
        wrong = [r for r in after if r.outcome not in ("admitted", "refused", "timeout", "transport-error")]
        users = {}
        for user in sorted({r.user for r in mine}):
            ur = [r for r in mine if r.user == user]
            last_ok = max((r.t for r in ur if r.outcome == "admitted"), default=None)
            first_no = min((r.t for r in ur if r.outcome == "refused" and r.t >= ev.t_call), default=None)
            users[user] = {"last_admitted_s": _rel(last_ok, ev.t_return), "first_refused_s": _rel(first_no, ev.t_return)}
        tokens[ev.label] = {
            "how": ev.how, "rest_call_ms": round((ev.t_return - ev.t_call) * 1000, 2), "requests": len(mine),
            "admitted_before": sum(1 for r in admitted if r.t < ev.t_call), "requests_after": len(after),
            "admitted_after_revocation": len(late),
            "window_s": round(max(r.t for r in late) - ev.t_return, 3) if late else 0.0,
            "last_admitted_s_max": _max(u["last_admitted_s"] for u in users.values()),
            "first_refused_s_max": _max(u["first_refused_s"] for u in users.values()),
            "users": users}
        if late:
            failures.append(f"{len(late)} request(s) with token {ev.label} were admitted after the {ev.how.upper()} "
                            f"call returned (the last {tokens[ev.label]['window_s']:.3f} s after)")
        if wrong:
            failures.append(f"{_describe(wrong)} after the {ev.how} of {ev.label}")
        if not tokens[ev.label]["admitted_before"]:
            problems.append(f"token {ev.label} was never admitted before its revocation, so its refusal proves nothing")
        if not after:
            problems.append(f"no request with token {ev.label} was sent after its revocation")
    figures["tokens"] = tokens
    figures["admitted_after_revocation"] = sum(t["admitted_after_revocation"] for t in tokens.values())
    figures["window_s"] = max((t["window_s"] for t in tokens.values()), default=0.0)
    if failures:
        return Verdict("failed", "; ".join(failures) + f". {w.requirement[0]}: revocation takes effect on the next "
                       "request", figures)
    if problems:
        return Verdict("error", "; ".join(problems), figures)
    refused = _max(t["first_refused_s_max"] for t in tokens.values())
    return _finish(figures, obs, recs, f"no request was admitted after revocation ({figures['requests']} requests, "
                   f"{len(obs.revocations)} token(s); every user refused within {refused} s of the REST call)")


def _flood(w: Flood, obs: Observed) -> Verdict:
    recs = obs.records.recs
    figures = _common(w, obs)
    bogus = [r for r in recs if r.role == "FloodBogusUser"]
    valid = [r for r in recs if r.role == "FloodValidUser"]
    t0 = obs.t_start if obs.t_start is not None else recs[0].t
    t_flood = t0 + w.baseline * w.duration_s
    base = [r for r in valid if r.t < t_flood - 0.1 and r.outcome == "admitted"]
    during = [r for r in valid if r.t > t_flood + 0.3 and r.outcome == "admitted"]
    p = w.latency.percentile
    b, d = percentile([r.ms for r in base], p), percentile([r.ms for r in during], p)
    allowed = max(w.latency.factor * b, w.latency.floor_ms) if b is not None else None
    flood_bogus = [r for r in bogus if r.t > t_flood]
    figures.update(bogus=latency(bogus), bogus_rate_reached=rate_reached(flood_bogus),
                   valid_rate_reached=rate_reached(valid), valid_baseline=latency(base), valid_flood=latency(during),
                   bogus_admitted=sum(1 for r in bogus if r.outcome == "admitted"),
                   latency_rule={"percentile": p, "factor": w.latency.factor, "floor_ms": w.latency.floor_ms,
                                 "baseline_ms": b, "flood_ms": d, "allowed_ms": allowed})
    bad = _unexpected(recs)
    if bad:
        return Verdict("failed", f"{len(bad)} request(s) got an answer the protocol does not allow during the flood: "
                       f"{_describe(bad)}", figures)
    tv = _transport_verdict(recs, obs, figures)
    if tv is not None:
        return tv
    if len(base) < MIN_SAMPLES or len(during) < MIN_SAMPLES:
        return Verdict("error", f"too few valid requests to compare latency ({len(base)} before, {len(during)} "
                       "during the flood): raise valid.rate or duration_s", figures)
    if d > allowed:
        doubt = _generator_doubt(obs)
        text = (f"valid p{p} latency rose from {b:.1f} ms to {d:.1f} ms under the flood (allowed: "
                f"{w.latency.factor:g} x baseline or {w.latency.floor_ms:g} ms, i.e. {allowed:.1f} ms)")
        return Verdict("error" if doubt else "failed", text + (f", but {doubt}" if doubt else ""), figures)
    return _finish(figures, obs, recs, f"{len(bogus)} bogus requests admitted none; valid p{p} {b:.1f} ms -> "
                   f"{d:.1f} ms (allowed {allowed:.1f} ms)")


def _rate_limit(w: RateLimit, obs: Observed) -> Verdict:
    recs = obs.records.recs
    figures = _common(w, obs)
    over = [r for r in recs if r.role == "RateOverUser"]
    under = [r for r in recs if r.role == "RateUnderUser"]
    failures = []
    no_retry = [r for r in recs if r.status == 429 and not (r.retry_after or "").strip().isdigit()]
    if no_retry:
        failures.append(f"{len(no_retry)} 429 answer(s) without a numeric Retry-After")
    per_token = {}
    for label in sorted({r.label for r in over}):
        mine = [r for r in over if r.label == label]
        span = mine[-1].t - mine[0].t
        ok = sum(1 for r in mine if r.outcome == "admitted")
        bound = int(w.limit * (span + 1.0)) + w.limit
        per_token[label] = {"requests": len(mine), "admitted": ok, "limited": sum(1 for r in mine if r.status == 429),
                            "admitted_bound": bound}
        if ok > bound:
            failures.append(f"token {label} had {ok} requests admitted in {span:.1f} s (limit {w.limit}/s, "
                            f"at most {bound})")
        if len(mine) >= 3 * w.limit and not per_token[label]["limited"]:
            failures.append(f"token {label} sent {len(mine)} requests at {w.over.rate_per_user:g}/s and never got 429")
    under_limited = [r for r in under if r.status == 429]
    if under_limited:
        failures.append(f"{len(under_limited)} request(s) of tokens under the limit got 429")
    figures.update(over_tokens=per_token, under=latency(under), over=latency(over), limit=w.limit,
                   retry_after_missing=len(no_retry), under_limited=len(under_limited))
    bad = [r for r in _unexpected(recs)]
    if bad:
        failures.append(f"answers the protocol does not allow: {_describe(bad)}")
    if failures:
        return Verdict("failed", "; ".join(failures), figures)
    if not per_token or not under:
        return Verdict("error", "the over-limit or under-limit users sent nothing", figures)
    limited = sum(t["limited"] for t in per_token.values())
    return _finish(figures, obs, recs, f"{limited} requests over the limit got 429 with Retry-After; "
                   f"all {len(under)} requests under the limit passed")


def _rel(t: float | None, ref: float) -> float | None:
    return None if t is None else round(t - ref, 3)


def _max(values) -> float | None:
    vals = [v for v in values if v is not None]
    return max(vals) if vals else None


__all__ = ["judge", "Observed", "Revoked", "Verdict", "CPU_SATURATED"]
