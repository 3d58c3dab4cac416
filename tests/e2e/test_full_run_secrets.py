"""Nothing a run writes shows a secret, with the ground truth taken from the gateway.

Issue 12 section 4: the reference writes every key it issues to a file
(`AIGW_REFERENCE_ISSUED_KEYS_FILE`): the operator's, the static ones, every token minted by the
broker, by scenarios' own POSTs and by the fuzz engines. After the full default run against the
embedded reference (capture on, two xdist workers; live clients deselected to keep the time), every file under the run folder and the terminal output are scanned for each key in every
form `secret_scan` knows (raw, near copies of the secret, base64 and Basic credentials, URL-encoded),
and every 201 answer of the token API in the captures must show its key redacted.

Replaces the earlier scan, which looked only for secrets the harness itself had registered and so
could not see the minted keys the capture recorded before the redactor knew them, nor the fuzz
engine's mutated tokens (one character away from a live secret).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aigw_conformance import exitcodes
from aigw_reference.config import ReferenceConfig

from .runs import run
from .secret_scan import issued_keys, scan, token_answers


@pytest.mark.slow
def test_full_run_writes_no_issued_key_anywhere(tmp_path: Path) -> None:
    keys_file = tmp_path / "issued-keys.txt"
    # -n 2: each worker has its own reference (both append to the keys file) and its own capture
    # folder (capture-gw0/, capture-gw1/), the path the serial external-target run does not take
    res = run(tmp_path, "-m", "not live_clients", "-n", "2",
              env={"AIGW_REFERENCE_ISSUED_KEYS_FILE": str(keys_file)}, run_id="scan", timeout=400)
    assert res.rc == exitcodes.OK, res.out[-3000:]
    files = [p for p in res.run_dir.rglob("*") if p.is_file()]
    assert {p.parent.name for p in files if p.name == "traffic.mitm"} >= {"capture-gw0", "capture-gw1"}
    assert any(p.name.endswith(".har") for p in files)

    keys = issued_keys(keys_file)
    assert len(keys) >= 100, f"only {len(keys)} keys issued: is the issued-keys file written?"
    leaks = scan(res.run_dir, keys, extra={"terminal": res.out})
    assert [str(x) for x in leaks] == [], f"{len(leaks)} leak(s) of {len(keys)} issued keys"

    seen, clear = token_answers(res.run_dir)
    assert seen >= 10, "the captures hold the token API's 201 answers"   # the scan had something to scan
    assert clear == [], clear[:10]

    # provider keys are secrets too (they are not issued keys: the scan above cannot know them)
    central = [k for k in ReferenceConfig().central_keys.values()]
    assert [(p.name, k[:12]) for p in files for k in central if k.encode() in p.read_bytes()] == []
    assert any(b"<redacted:" in p.read_bytes() for p in files if p.suffix in (".json", ".har", ".jsonl"))

    report = json.loads((res.run_dir / "conformance.json").read_text())
    executed = [s for s in report["scenarios"] if s["outcome"] in ("passed", "failed")]
    assert len(executed) >= 300
    # every executed scenario points at its flows, the fuzz engines' (tagged by test id) included
    assert [s["id"] for s in executed if not any(e.startswith("flow:") for e in s.get("evidence", []))] == []
    assert res.out.count("Traceback") == 0
