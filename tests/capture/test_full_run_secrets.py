"""A real `aigw-conformance run` (capture on) against the embedded reference, then a by-value scan of
every file the run wrote: no well-shaped token, provider key or their base64 forms may appear in clear,
and every executed scenario points at captured evidence."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

from aigw_reference.config import ReferenceConfig

# A token that is not part of a longer hyphenated run (the malformed "3 parts" entry is one on purpose).
TOKEN = re.compile(rb"(?<![0-9A-Za-z-])[0-9A-Za-z]{10}-[0-9A-Za-z]{22}(?![0-9A-Za-z-])")
FAKE = re.compile(rb"(.)\1{7}")
SELECTION = "HDR or LC- or CM- or PROXY-BYOK or PROXY-MISSING or PROXY-TUNNEL or API-"


def test_full_run_leaves_no_secret_and_links_evidence(tmp_path: Path):
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-m", "aigw_conformance", "run", "--report-dir", str(tmp_path), "--run-id", "scan",
         "-k", SELECTION, "-p", "no:cacheprovider"],
        cwd=repo, capture_output=True, text=True, timeout=240, env={**__import__("os").environ, "CI": "true"})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    run = tmp_path / "scan"
    files = [p for p in run.rglob("*") if p.is_file()]
    assert any(p.name == "traffic.mitm" for p in files) and any(p.name.endswith(".har") for p in files)

    # Tokens the suites made up on purpose may stay visible: literal in suites/ or fixtures/, or built
    # by a template with a run of 8 identical characters (the suites' convention for fakes).
    made_up = {m.group(0) for d in ("suites", "fixtures") for f in (repo / d).rglob("*.yaml")
               for m in TOKEN.finditer(f.read_bytes())}
    secrets = [k.encode() for k in ReferenceConfig().central_keys.values()]
    secrets += [base64.b64encode(s).rstrip(b"=") for s in secrets]
    leaks = []
    for p in files:
        data = p.read_bytes()
        for m in TOKEN.finditer(data):
            if m.group(0) not in made_up and not FAKE.search(m.group(0)):
                leaks.append(f"{p.relative_to(run)}: token {m.group(0)[:11].decode()}…")
        leaks += [f"{p.relative_to(run)}: provider key" for s in secrets if s in data]
    assert leaks == [], "\n".join(sorted(set(leaks))[:20])
    # and the redaction markers are there, so the scan looked at real evidence
    assert any(b"<redacted:" in p.read_bytes() for p in files if p.suffix in (".json", ".har", ".jsonl"))

    report = json.loads((run / "conformance.json").read_text())
    executed = [s for s in report["scenarios"] if s["outcome"] in ("passed", "failed")]
    assert len(executed) >= 40
    assert [s["id"] for s in executed if not s.get("evidence")] == []
    assert (proc.stdout + proc.stderr).count("Traceback") == 0
