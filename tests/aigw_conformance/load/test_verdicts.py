"""Judging records is pure: these tables show each workload fails on what it protects, and blames
the load generator (error, never failure) for what the generator may have caused."""

from __future__ import annotations

import pytest

from aigw_conformance.errors import ConfigError
from aigw_conformance.load.model import Flood, Mixed, MixEntry, RateGroup, RateLimit, Revocation
from aigw_conformance.load.records import Rec, Records, percentile
from aigw_conformance.load.settings import EXTERNAL_MAX_RATE, Overrides, adjust, check
from aigw_conformance.load.verdicts import Observed, Revoked, judge

T0 = 1_000_000.0


def rec(t, status, *, kind="valid", label="x", user="u-0", role="MixedUser", expected=True, ms=5.0, error="",
        retry_after=None):
    return Rec(t=T0 + t, ms=ms, status=status, error=error, name=f"{kind} via bearer", kind=kind, carrier="bearer",
               label=label, user=user, role=role, expected=expected, retry_after=retry_after)


def obs(recs, cpu=10.0, **kw):
    return Observed(Records(tuple(sorted(recs, key=lambda r: r.t)), {"0": cpu}, finals=1), T0, 1, **kw)


MIXED = Mixed(id="LOAD-M", kind="mixed", requirement=("AUTH-HTTP-004",), mix=(MixEntry(token="valid"),))


def test_mixed_passes_on_protocol_answers_and_fails_on_a_5xx():
    good = [rec(i * 0.1, 200) for i in range(10)] + [rec(1 + i * 0.1, 403, kind="unknown-id") for i in range(5)]
    assert judge(MIXED, obs(good)).outcome == "passed"
    v = judge(MIXED, obs(good + [rec(2, 500, expected=False)]))
    assert v.outcome == "failed" and "1 x 500 for valid via bearer" in v.reason and v.figures["server_errors"] == 1


def test_timeouts_fail_only_while_the_generator_had_headroom():
    recs = [rec(i * 0.1, 200) for i in range(10)] + [rec(2, 0, error="timeout", expected=False)]
    assert judge(MIXED, obs(recs, cpu=20)).outcome == "failed"
    v = judge(MIXED, obs(recs, cpu=99))
    assert v.outcome == "error" and "CPU-saturated" in v.reason
    refused = [rec(i * 0.1, 200) for i in range(10)] + [rec(2, 0, error="transport: connection refused", expected=False)]
    assert judge(MIXED, obs(refused)).outcome == "error"


REV = Revocation(id="LOAD-R", kind="revocation", requirement=("AUTH-VALIDATE-004", "AUTH-LIFECYCLE-005"))


def test_revocation_counts_admissions_after_the_rest_call_returned():
    ev = Revoked("tok", "delete", T0 + 1.0, T0 + 1.01)
    ok = [rec(i * 0.1, 200 if i * 0.1 < 1.0 else 403, label="tok", user=f"u-{i % 2}", role="RevocationUser")
          for i in range(30)]
    v = judge(REV, obs(ok, revocations=(ev,)))
    assert v.outcome == "passed" and v.figures["admitted_after_revocation"] == 0
    assert set(v.figures["tokens"]["tok"]["users"]) == {"u-0", "u-1"}
    late = [rec(i * 0.1, 200, label="tok", role="RevocationUser") for i in range(30)]
    v = judge(REV, obs(late, revocations=(ev,)))
    assert v.outcome == "failed" and "AUTH-VALIDATE-004" in v.reason
    assert v.figures["admitted_after_revocation"] == 19 and v.figures["window_s"] == pytest.approx(1.89, abs=0.01)
    never = [rec(i * 0.1, 403, label="tok", role="RevocationUser") for i in range(30)]
    assert judge(REV, obs(never, revocations=(ev,))).outcome == "error"   # a refusal proves nothing then


FLOOD = Flood(id="LOAD-F", kind="flood", requirement=("AUTH-VALIDATE-001",), duration_s=4.0, baseline=0.5)


@pytest.mark.parametrize("flood_ms,cpu,outcome", [(8.0, 10, "passed"), (300.0, 10, "failed"), (300.0, 99, "error")])
def test_flood_latency_factor_and_nothing_bogus_admitted(flood_ms, cpu, outcome):
    valid = [rec(i * 0.1, 200, role="FloodValidUser", ms=5.0 if i * 0.1 < 2 else flood_ms) for i in range(40)]
    bogus = [rec(2.5 + i * 0.01, 403, kind="unknown-id", role="FloodBogusUser") for i in range(100)]
    assert judge(FLOOD, obs(valid + bogus, cpu=cpu)).outcome == outcome
    admitted = bogus + [rec(3.0, 200, kind="unknown-id", role="FloodBogusUser", expected=False)]
    v = judge(FLOOD, obs(valid[:20] + admitted))
    assert v.outcome == "failed" and v.figures["bogus_admitted"] == 1


RATE = RateLimit(id="LOAD-L", kind="rate-limit", requirement=("AUTH-HTTP-006",), limit=2,
                 under=RateGroup(users=1, rate_per_user=0.8), over=RateGroup(users=1, rate_per_user=8))


def test_rate_limit_needs_429_with_retry_after_and_spares_tokens_under_the_limit():
    under = [rec(i * 1.25, 200, label="under-0", role="RateUnderUser") for i in range(3)]
    over = [rec(i * 0.125, 200 if i % 4 == 0 else 429, label="over-0", role="RateOverUser",
                retry_after=None if i % 4 == 0 else "1") for i in range(24)]
    assert judge(RATE, obs(under + over)).outcome == "passed"
    no_header = [r if r.status != 429 else rec(r.t - T0, 429, label="over-0", role="RateOverUser") for r in over]
    v = judge(RATE, obs(under + no_header))
    assert v.outcome == "failed" and "without a numeric Retry-After" in v.reason
    never = [rec(i * 0.125, 200, label="over-0", role="RateOverUser") for i in range(24)]
    v = judge(RATE, obs(under + never))
    assert v.outcome == "failed" and "never got 429" in v.reason
    limited_under = under + [rec(4, 429, label="under-0", role="RateUnderUser", retry_after="1")]
    assert "under the limit got 429" in judge(RATE, obs(limited_under + over)).reason


def test_percentile_is_nearest_rank():
    assert percentile([5, 1, 3, 2, 4], 50) == 3 and percentile(list(range(1, 101)), 99) == 99
    assert percentile([], 95) is None


def test_external_targets_get_a_low_rate_unless_raised_explicitly():
    with pytest.raises(ConfigError, match="--allow-high-rate"):
        check(Overrides(rate=50), external=True)
    check(Overrides(rate=50, allow_high_rate=True), external=True)
    check(Overrides(rate=50), external=False)
    capped, note = adjust(MIXED, Overrides(), external=True)
    assert capped.rate == EXTERNAL_MAX_RATE and "capped" in note
    same, note = adjust(MIXED, Overrides(), external=False)
    assert same.rate == MIXED.rate and note == ""
