"""A gateway that is down, hangs or answers garbage gives errors, never failures, and costs seconds.

Issue 12 section 1: a response the harness's own tap made up is a transport error; a run with no
observation at all exits 3 whatever the capture setting; a dead endpoint ends the remaining
scenarios at once (circuit breaker); JUnit shows <error>, not <failure>. Direct and proxy legs,
capture on and off, against the full default suites.
"""

from __future__ import annotations

import pytest

from aigw_conformance import exitcodes

from ..refusing_port import refusing_port
from .faulty_servers import GarbageServer, HangingServer
from .runs import run

VALID = "FaUlTyTok1-abcdefghijklmnopqrstuv"


def targets_file(tmp, base_url: str, proxy_url: str | None, read_s: int = 3) -> str:
    proxy = f"    proxy_url: {proxy_url}\n" if proxy_url else ""
    path = tmp / "targets.yaml"
    path.write_text("targets:\n  down:\n    kind: external\n"
                    f"    base_url: {base_url}\n{proxy}"
                    f"    timeouts: {{connect: 2, read: {read_s}, total: {read_s + 2}}}\n"
                    "    tokens: {source: static, env: {valid: AIGW_FAULTY_VALID}}\n")
    return str(path)


def assert_no_verdict(res, cause: str, capture: str) -> None:
    assert res.rc == exitcodes.TARGET_UNREACHABLE, res.out[-3000:]
    outcomes = res.outcomes()
    assert "failed" not in outcomes.values(), [k for k, v in outcomes.items() if v == "failed"]
    assert "passed" not in outcomes.values()
    errors = [s for s in res.report["scenarios"] if s["outcome"] == "error"]
    assert errors and all(s["errorKind"] in ("transport", "not-attempted") for s in errors), errors[:3]
    first = next(s for s in errors if s["errorKind"] == "transport")
    assert cause in first["reason"], first["reason"]
    if capture == "on":
        assert "capture tap" in first["reason"]
    # the tap's own answer is never shown as the gateway's
    assert "observed 502" not in " ".join(s["reason"] for s in errors)
    assert res.report["transport"]["notAttempted"] > 0          # the breaker ended the rest at once
    assert "Target unreachable:" in res.out
    junit = res.junit_counts()
    assert junit["failure"] == 0 and junit["error"] == len(errors)


@pytest.mark.parametrize("capture", ["on", "off"])
def test_refused_direct_and_proxy(tmp_path, capture):
    with refusing_port() as port, refusing_port() as proxy_port:
        targets = targets_file(tmp_path, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{proxy_port}")
        res = run(tmp_path, "--target", "down", "--targets-file", targets, "--capture", capture,
                  env={"AIGW_FAULTY_VALID": VALID})
    assert_no_verdict(res, f"connection refused by 127.0.0.1:{port}", capture)
    proxy = [s for s in res.report["scenarios"] if s["profile"] == "proxy" and s["outcome"] == "error"]
    assert proxy, "the proxy leg was exercised"
    assert res.seconds < 60, res.seconds


@pytest.mark.parametrize("capture", ["on", "off"])
def test_hanging_target(tmp_path, capture):
    with HangingServer() as hang:
        targets = targets_file(tmp_path, hang.url, None, read_s=1)
        res = run(tmp_path, "--target", "down", "--targets-file", targets, "--capture", capture,
                  env={"AIGW_FAULTY_VALID": VALID})
    assert_no_verdict(res, "within 1 s", capture)
    # three scenarios wait out the 1 s read timeout, then the circuit opens: seconds, not minutes
    assert res.seconds < 60, res.seconds


@pytest.mark.parametrize("capture", ["on", "off"])
def test_garbage_target(tmp_path, capture):
    with GarbageServer() as garbage:
        targets = targets_file(tmp_path, garbage.url, garbage.url)
        res = run(tmp_path, "--target", "down", "--targets-file", targets, "--capture", capture,
                  env={"AIGW_FAULTY_VALID": VALID})
    cause = "" if capture == "on" else "not HTTP"
    assert_no_verdict(res, cause, capture)
    assert res.seconds < 60, res.seconds
