"""The representative, time-bounded self-test run in CI: the faithful reference and one fault per
profile, each run limited to the scenarios that should catch the faults (and their neighbours).
The whole matrix (every fault, every scenario) is `aigw-conformance selftest`, run by hand."""

from __future__ import annotations

import json
import subprocess
import sys

from aigw_conformance.selftest import compile_matrix
from aigw_conformance.selftest.runner import RunSpec, run_all
from aigw_reference.faults import FAULTS

# one fault per profile: core, lifecycle, credential-modes, proxy, clients
CI_FAULTS = ["accept-expired", "expire-does-nothing", "forward-cookie", "proxy-accepts-bearer",
             "head-probe-goes-to-auth"]
CI_SELECTION = ("-k", "VAL-EXPIRED or LC-EXPIRE-REST or CM-NO-CODER-HEADERS-UPSTREAM or PROXY-AUTH-REFUSED-FORMS "
                      "or CLIENT-CLAUDE-CODE-HEAD-PROBE or HDR-BEARER")


def test_faithful_passes_and_each_profile_fault_is_caught_by_a_citing_scenario(tmp_path):
    spec = RunSpec(out_dir=tmp_path, timeout=120, extra=CI_SELECTION)
    faithful, runs = run_all(spec, CI_FAULTS, jobs=2)
    m = compile_matrix(faithful, runs, FAULTS, selection=CI_SELECTION)
    assert m["faithful"]["ok"], (m["faithful"], faithful.log_tail)
    assert m["faithful"]["scenarios"] >= 8            # the selection really ran something
    for row in m["faults"]:
        assert row["status"] == "caught", (row, runs[row["fault"]].log_tail)
        assert row["citing_scenarios"], row
    assert m["ok"] and {r["fault"] for r in m["faults"]} == set(CI_FAULTS)


def test_command_reports_a_missed_fault_and_exits_1(tmp_path):
    # bearer-case-sensitive breaks AUTH-HTTP-001; LC-EXPIRE-REST sends "Bearer" exactly, so it cannot see it.
    proc = subprocess.run([sys.executable, "-m", "aigw_conformance", "selftest", "--fault", "bearer-case-sensitive",
                           "--report-dir", str(tmp_path), "--stamp", "ci", "--timeout", "120",
                           "--era", "newest", "-k", "LC-EXPIRE-REST"], capture_output=True, text=True, timeout=240)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "MISSED bearer-case-sensitive" in proc.stdout and "Traceback" not in proc.stdout + proc.stderr
    matrix = json.loads((tmp_path / "selftest-ci" / "matrix.json").read_text())
    assert matrix["faithful"]["ok"] and matrix["totals"]["missed"] == 1
    assert "| `bearer-case-sensitive` | newest | core | AUTH-HTTP-001 | missed |" in (tmp_path / "selftest-ci" / "matrix.md").read_text()


def test_unknown_fault_is_one_line_error_exit_2(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "aigw_conformance", "selftest", "--fault", "no-such-fault",
                           "--report-dir", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "no-such-fault" in proc.stderr and "--fault" in proc.stderr and "Traceback" not in proc.stderr
    assert not any(tmp_path.iterdir())                # nothing ran, nothing written
