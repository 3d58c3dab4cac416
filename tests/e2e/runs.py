"""Run the product the way a user does (`python -m aigw_conformance run …` in its own process) and
read what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class RunResult:
    rc: int
    out: str
    seconds: float
    run_dir: Path

    @property
    def report(self) -> dict:
        return json.loads((self.run_dir / "conformance.json").read_text())

    def outcomes(self) -> dict[str, str]:
        return {s["id"]: s["outcome"] for s in self.report["scenarios"]}

    def junit_counts(self) -> dict[str, int]:
        root = ET.parse(self.run_dir / "junit.xml").getroot()
        cases = list(root.iter("testcase"))
        return {"cases": len(cases), "error": sum(1 for c in cases if c.find("error") is not None),
                "failure": sum(1 for c in cases if c.find("failure") is not None)}


def run(tmp: Path, *args: str, env: dict | None = None, timeout: float = 600, run_id: str = "r") -> RunResult:
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "aigw_conformance", "run", "--report-dir", str(tmp / "reports"),
                           "--run-id", run_id, *args, "-p", "no:cacheprovider"],
                          cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "CI": "true", **(env or {})})
    return RunResult(proc.returncode, proc.stdout + proc.stderr, time.monotonic() - start, tmp / "reports" / run_id)
