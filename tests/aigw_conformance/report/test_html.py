"""The HTML report, end to end: real allure-pytest results → real Allure Report 3 → headless Chromium.

Skipped only when the external tools are absent (CI installs both: `npm ci`, apt `chromium`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from aigw_conformance import cli, exitcodes
from aigw_conformance.commands.report import serve_dir
from aigw_conformance.errors import ConfigError
from aigw_conformance.report import html

from ..ux_session import run_session

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ALLURE = html.find_allure()
needs_tools = pytest.mark.skipif(
    CHROMIUM is None or ALLURE is None,
    reason="needs Debian `chromium` (apt-get install chromium) and Allure Report 3 (`npm ci` at the repo top)")

# A tiny session with the labels the engine writes (docs/architecture.md Seam 5, LIBRARY-NOTES §E).
SESSION = '''
import allure, pytest

TRK = {"HDR-BEARER-OK": "aigw-trk-" + "a" * 32, "HDR-XAPI-BAD": "aigw-trk-" + "b" * 32}
CASES = [("HDR-BEARER-OK", "A valid Bearer token is accepted", True),
         ("HDR-XAPI-BAD", "A malformed X-Api-Key is rejected", False)]

@pytest.mark.parametrize("sid,title,ok", CASES, ids=[c[0] for c in CASES])
def test_scenario(sid, title, ok):
    allure.dynamic.title(f"{sid}: {title}")
    allure.dynamic.label("parentSuite", "core"); allure.dynamic.epic("core")
    allure.dynamic.suite("header-paths"); allure.dynamic.feature("header-paths")
    allure.dynamic.story("AUTH-HTTP-001"); allure.dynamic.tag("AUTH-HTTP-001")
    allure.dynamic.severity(allure.severity_level.CRITICAL)
    allure.attach("POST /api/v2/ai-gateway/openai/v1/chat/completions\\nX-Aigw-Tracking-Id: "
                  + TRK[sid], "request", allure.attachment_type.TEXT)
    allure.attach('{"status": 200}', "response", allure.attachment_type.JSON)
    assert ok, "AUTH-HTTP-001: expected status 403, observed 200"
'''


def make_run(folder: Path) -> Path:
    run = folder / "reports" / "run-1"
    res = run_session(folder, {"test_session.py": SESSION}, "-q", "-p", "allure_pytest.plugin", f"--alluredir={run / 'allure-results'}",
                      "test_session.py")
    assert res.rc == 1 and "1 failed, 1 passed" in res.out, res.out + res.err
    (run / "handshakes.jsonl").write_text(
        '{"test_id": "suites/h.yaml::HDR-XAPI-BAD", "status": 407}\n'
        '{"test_id": "suites/h.yaml::HDR-XAPI-BAD-2", "status": 200}\n')
    har_entry = lambda trk: {"request": {"url": f"http://127.0.0.1:1/x?aigw_tracking_id={trk}"}, "response": {}}
    (run / "traffic.har").write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "mitmproxy"},
        "entries": [har_entry("aigw-trk-" + "a" * 32), har_entry("aigw-trk-" + "b" * 32)]}}))
    (run / "conformance.json").write_text(json.dumps({"scenarios": [
        {"id": "HDR-XAPI-BAD", "evidence": ["flow:0001", "traffic.har", "handshakes.jsonl"]}]}))
    return run


def render_dom(index: Path, tmp: Path, screenshot: Path | None = None) -> str:
    server, url = serve_dir(index.parent)
    try:
        base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={tmp / 'chromium-profile'}", "--virtual-time-budget=10000"]
        dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=60).stdout
        if screenshot is not None:
            subprocess.run([*base, f"--screenshot={screenshot}", "--window-size=1400,900", url],
                           capture_output=True, timeout=60)
        return dom
    finally:
        server.shutdown()
        server.server_close()


@needs_tools
def test_report_renders_scenarios_and_statuses(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    run = make_run(tmp_path / "session")
    (run.parent / "latest").symlink_to(run.name)
    # Through the real CLI, with RUN_DIR defaulting to reports/latest.
    assert cli.main(["report", "--reports-dir", str(run.parent)]) == exitcodes.OK
    assert f"HTML report: {run / 'html' / 'index.html'} (2 results, 1 with capture)" in capsys.readouterr().out
    rep = html.HtmlReport(run_dir=run, index=run / "html" / "index.html", results=2, captures=1)
    # The originals are untouched: the capture attachment went into a staging copy only.
    originals = "".join(p.read_text() for p in (run / "allure-results").glob("*-result.json"))
    assert "capture" not in originals

    shot = tmp_path / "report.png"
    dom = render_dom(rep.index, tmp_path, screenshot=shot)
    assert "HDR-BEARER-OK: A valid Bearer token is accepted" in dom
    assert "HDR-XAPI-BAD: A malformed X-Api-Key is rejected" in dom
    assert 'data-testid="tree-leaf-status-passed"' in dom
    assert 'data-testid="tree-leaf-status-failed"' in dom
    # Grouped by profile, then requirement.
    assert ">core<" in dom and "AUTH-HTTP-001" in dom
    assert shot.exists() and shot.stat().st_size > 10_000
    if os.environ.get("AIGW_UPDATE_SCREENSHOT") == "1":
        shutil.copy(shot, Path(__file__).resolve().parents[3] / "docs" / "screenshots" / "html-report.png")


@needs_tools
def test_capture_attachment_carries_evidence(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    staging = run / "copy"
    shutil.copytree(run / "allure-results", staging)
    assert html.add_capture_attachments(staging, run) == 1
    failed = [json.loads(p.read_text()) for p in staging.glob("*-result.json")]
    failed = [r for r in failed if r["status"] == "failed"][0]
    names = [a["name"] for a in failed["attachments"]]
    assert names[-3:] == ["capture", "capture: traffic.har", "capture: handshakes.jsonl"]
    pointers, har, shakes = ((staging / a["source"]).read_text() for a in failed["attachments"][-3:])
    assert pointers.splitlines() == ["flow:0001", "traffic.har", "handshakes.jsonl"]
    # Only this scenario's slice: its tracking id's HAR entry, its own handshake line.
    entries = json.loads(har)["log"]["entries"]
    assert [e["request"]["url"][-32:] for e in entries] == ["b" * 32]
    assert shakes.splitlines() == ['{"test_id": "suites/h.yaml::HDR-XAPI-BAD", "status": 407}']


def test_missing_run_is_exit_2_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["report", "--reports-dir", str(tmp_path)]) == exitcodes.INVALID_INPUT
    err = capsys.readouterr().err
    assert "latest: no such run folder" in err and "Traceback" not in err


def test_missing_results_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "allure-results").mkdir()
    with pytest.raises(ConfigError, match=r"allure-results: no allure results"):
        html.generate(tmp_path)
    with pytest.raises(ConfigError, match=r"no such run folder"):
        html.resolve_run_dir("nope", tmp_path)


def test_allurerc_groups_by_profile_then_requirement(tmp_path: Path) -> None:
    text = html.allurerc("t", tmp_path / "html", single_file=False)
    conf = json.loads(text.removeprefix("export default ").rstrip(";\n"))
    assert conf["plugins"]["awesome"]["options"]["groupBy"] == ["epic", "story"]
    assert conf["output"] == str(tmp_path / "html")


def test_variants_get_their_own_history_id(tmp_path: Path) -> None:
    def result(name: str, hid: str) -> dict:
        return {"name": name, "historyId": hid, "status": "passed", "labels": []}
    rows = [result("SCN-A[lower]: t", "h1"), result("SCN-A[upper]: t", "h1"), result("SCN-B: t", "h2"),
            result("SCN-B: t", "h2")]  # the last pair: a real retry of one test, left alone
    for i, r in enumerate(rows):
        (tmp_path / f"{i}-result.json").write_text(json.dumps(r))
    assert html.split_variants(tmp_path) == 2
    out = [json.loads((tmp_path / f"{i}-result.json").read_text()) for i in range(4)]
    assert len({r["historyId"] for r in out}) == 3
    assert out[0]["parameters"] == [{"name": "variant", "value": "lower"}]
    assert out[2]["historyId"] == out[3]["historyId"] == "h2"
