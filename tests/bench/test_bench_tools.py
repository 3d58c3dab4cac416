"""The benchmark's own parts, whose honesty the figures rest on: the fast external gateway answers as
documented and counts what it receives; the harness and the bare loop send it the same requests; a run
without a verdict gives no figure."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import httpx
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from _checks import external_gateway, run_bare, run_floor, run_harness, same_shapes, write_suites  # noqa: E402
from _common import Timed, has_verdict  # noqa: E402
from collection import collected  # noqa: E402

MODELS = "/api/v2/ai-gateway/openai/v1/models"


@pytest.fixture(scope="module")
def ext(tmp_path_factory):
    with external_gateway(tmp_path_factory.mktemp("gw")) as e:
        yield e


def test_fast_gateway_answers_as_documented_and_counts_each_request(ext):
    ext.reset_shapes()
    with httpx.Client(base_url=ext.base_url, trust_env=False, timeout=10) as c:
        ok = c.get(MODELS, headers={"Authorization": f"Bearer {ext.token}"})
        wrong = ext.token[:-1] + ("y" if ext.token.endswith("x") else "x")   # one in 62 tokens ends in x
        bad = c.get(MODELS, headers={"Authorization": f"Bearer {wrong}"})
        none = c.get(MODELS)
        other = c.get("/api/v2/ai-gateway/openai/v1/chat/completions")
    assert ok.status_code == 200 and ok.json()["object"] == "list"
    assert (bad.status_code, bad.text) == (403, "unauthorized\n")
    assert (none.status_code, none.text) == (400, "no authentication key provided\n")
    assert other.status_code == 404
    shapes = ext.shapes()
    assert shapes["total"] == 3                      # the route's requests only
    assert sorted(s["shape"]["token"] for s in shapes["shapes"]) == ["none", "other", "valid"]
    ext.reset_shapes()
    assert ext.shapes()["total"] == 0


def test_the_bare_loop_sends_the_requests_the_harness_sends(ext, tmp_path):
    suites = write_suites(tmp_path / "suites", 3)
    harness = run_harness(ext, suites, 3, tmp_path / "reports", "off")
    bare = run_bare(ext, 3)
    assert harness.ok and bare.ok, harness.why or bare.why
    assert harness.shapes["total"] == bare.shapes["total"] == 3
    assert same_shapes(harness.shapes, bare.shapes), (harness.shapes, bare.shapes)


def test_the_yardsticks_send_the_bare_loops_requests_and_check_each_answer(ext, tmp_path):
    """The pytest yardstick (with and without reports) and the loop through a bare tap send what the
    bare loop sends; a yardstick whose checks fail (a token the gateway refuses) has no figure."""
    bare = run_bare(ext, 3)
    alone = run_floor(ext, 3, tmp_path / "alone", reports=False)
    reports = run_floor(ext, 3, tmp_path / "reports", reports=True)
    tapped = run_bare(ext, 3, through_tap=True)
    for side in (bare, alone, reports, tapped):
        assert side.ok, side.why
        assert side.shapes["total"] == 3 and same_shapes(side.shapes, bare.shapes), side.shapes
    assert len(list((tmp_path / "reports" / "allure-results").glob("*-result.json"))) == 3
    assert not (tmp_path / "alone" / "allure-results").exists()
    refused = dataclasses.replace(ext, token=ext.token[:-1] + ("y" if ext.token.endswith("x") else "x"))
    assert not run_floor(refused, 2, tmp_path / "refused", reports=True).ok
    assert not run_bare(refused, 2, through_tap=True).ok


def test_a_run_without_a_verdict_has_no_figure(tmp_path):
    run = tmp_path / "run-1"
    run.mkdir()
    (run / "conformance.json").write_text('{"verdict": {"result": "pass"}}')
    assert has_verdict(Timed(1.0, 0, ""), tmp_path) == "pass"
    assert has_verdict(Timed(1.0, 1, ""), tmp_path) == "pass"      # a failed MUST is still a verdict
    for rc in (2, 3, 4, -1):                                       # invalid input, unreachable, internal, killed
        assert has_verdict(Timed(1.0, rc, ""), tmp_path) is None
    assert has_verdict(Timed(1.0, 0, ""), tmp_path / "nothing") is None


@pytest.mark.parametrize("out, want", [
    ("x\n10000 tests collected in 3.21s\n", (10000, 3.21)),
    ("5 tests collected, 2 errors in 0.5s", (5, 0.5)),
    ("ERROR: file not found", None),
])
def test_collection_count_is_read_from_pytests_own_line(out, want):
    assert collected(out) == want
