"""`run -n 2` on the embedded reference: the run command starts one reference and both workers use
it (targets/reference_shared.py). Both workers ran scenarios against it, through its proxy and the
run command's tunnel echo, minting, revoking and mutating tokens; one reference log is kept; the
ground-truth secret scan (every key the reference issued, in every form secret_scan.py knows) finds
none in any file of the run, that log included, nor in the terminal. The session's leftover guard
checks that nothing (no work folder, no state file) is left behind."""

from __future__ import annotations

import json

from .runs import run
from .secret_scan import issued_keys, scan

SELECT = ("PROXY-TUNNEL-UNTOUCHED or LC-DELETE-REST or VAL-REVOKED-DELETE or PROXY-AUTH-ACCEPTED-FORMS "
          "or TOK-MINTED-SHAPE or FUZZ-TOKEN-MUTATION")


def _workers(run_dir) -> set[str]:
    """The process of each scenario, from allure's thread label ("<pid>-MainThread")."""
    out = set()
    for path in (run_dir / "allure-results").glob("*-result.json"):
        labels = {lab["name"]: lab["value"] for lab in json.loads(path.read_text())["labels"]}
        out.add(labels["thread"].split("-")[0])
    return out


def test_one_reference_serves_both_workers_and_no_secret_is_written(tmp_path):
    keys = tmp_path / "issued-keys.txt"
    res = run(tmp_path, "-n", "2", "-k", SELECT, env={"AIGW_REFERENCE_ISSUED_KEYS_FILE": str(keys)})
    assert res.rc == 0, res.out[-3000:]
    outcomes = res.outcomes()
    assert len(outcomes) >= 20 and set(outcomes.values()) == {"passed"}, outcomes
    assert len(_workers(res.run_dir)) == 2
    (log,) = res.run_dir.glob("reference-*.log")          # one reference, its log kept
    assert log.read_text().count("Press Ctrl-C to stop.") == 1
    issued = issued_keys(keys)
    assert len(issued) >= 5                                # the operator's, the static ones, the minted
    assert scan(res.run_dir, issued, extra={"terminal": res.out}) == []
