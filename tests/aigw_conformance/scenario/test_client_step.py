"""The `client:` step in scenario files: validated whole, errors located, the live suite loads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from aigw_conformance.clients.sandbox import sealing_problem
from aigw_conformance.scenario.client_step import ClientStep
from aigw_conformance.scenario.model import Scenario

ROOT = Path(__file__).resolve().parents[3]


def test_client_step_is_a_step_kind():
    sc = Scenario.model_validate({"id": "X-1", "requirement": ["AUTH-CLIENT-001"],
                                  "steps": [{"client": {"name": "claude-code", "env": {"A": 1}}}]})
    step = sc.steps[0]
    assert isinstance(step, ClientStep) and step.client.env == {"A": "1"} and step.expect.exit == 0


@pytest.mark.parametrize("client,message", [
    ({"name": "cursor"}, "claude-code"),
    ({"name": "codex", "files": {"/etc/passwd": "x"}}, "relative path"),
    ({"name": "codex", "files": {"../x": "x"}}, "relative path"),
    ({"name": "claude-code", "sdk": {"api_key": "k"}}, "SDK clients"),
    ({"name": "codex", "timeout": 9999}, "less than or equal"),
    ({"name": "codex", "nonsense": 1}, "Extra inputs"),
])
def test_bad_client_steps_are_refused(client, message):
    with pytest.raises(ValidationError, match=message):
        ClientStep.model_validate({"client": client})


def test_validate_and_list_the_live_suite():
    out = subprocess.run([sys.executable, "-m", "aigw_conformance", "validate", str(ROOT / "suites" / "live-clients.yaml")],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    listed = subprocess.run([sys.executable, "-m", "aigw_conformance", "list", "--profile", "live-clients"],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert listed.returncode == 0 and "LIVE-CLAUDE-CODE-AUTH-TOKEN" in listed.stdout and "LIVE-COPILOT-GITHUB" in listed.stdout


def test_sealing_unavailable_is_a_reason_not_a_crash(monkeypatch, tmp_path):
    # Without util-linux's unshare on PATH the harness names the reason (and the profile becomes not-supported).
    monkeypatch.setenv("PATH", str(tmp_path))
    assert "unshare" in (sealing_problem.__wrapped__() or "")


def test_clients_command_status_and_bad_record_request():
    st = subprocess.run([sys.executable, "-m", "aigw_conformance", "clients", "status"], capture_output=True,
                        text=True, cwd=ROOT, timeout=120)
    assert "claude-code" in st.stdout and "pinned 2.1.332" in st.stdout and "GitHub login" in st.stdout
    assert st.returncode == (0 if sealing_problem() is None else 3)
    bad = subprocess.run([sys.executable, "-m", "aigw_conformance", "clients", "record", "--client", "cursor"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 2 and "no recording for cursor" in bad.stderr
