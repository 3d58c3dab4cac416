"""Writing a run's report folder: conformance.json, summary.md and the reports/latest link.

Only the controller process calls this (never an xdist worker).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from typing import Callable

from aigw_common.redaction import mask_token_shapes

from .compile import ConformanceReport, summary_lines


def write_report(report: ConformanceReport, run_dir: Path, redact: Callable[[str], str] = mask_token_shapes) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    # Redacted as text: a secret can only have slipped in through a reason string or the target.
    text = redact(json.dumps(report, indent=2, sort_keys=False, default=str))
    out = run_dir / "conformance.json"
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, out)
    (run_dir / "summary.md").write_text(redact(summary_markdown(report)), encoding="utf-8")
    return out


def summary_markdown(report: ConformanceReport) -> str:
    lines = ["# Conformance summary", "", f"- target: `{report['target'].get('name', '?')}`",
             f"- era: `{report.get('era') or '-'}`", f"- date: {report.get('date', '')}", "",
             "```", *summary_lines(report), "```", ""]
    failed = [s for s in report["scenarios"] if s["outcome"] in ("failed", "error")]
    if failed:
        lines += ["## Failed or errored", ""]
        lines += [f"- **{s['id']}** ({s['outcome']}; {', '.join(s['requirements'])}): {s['reason']}" for s in failed]
    return "\n".join(lines) + "\n"


def update_latest(reports_root: Path, run_dir: Path) -> None:
    """Point reports/latest at this run (a relative symlink, replaced atomically)."""
    latest = reports_root / "latest"
    tmp = reports_root / f".latest.{os.getpid()}"
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(os.path.relpath(run_dir, reports_root), tmp)
        os.replace(tmp, latest)
    except OSError:
        # Filesystems without symlinks: a text pointer is better than nothing.
        latest.write_text(str(run_dir) + "\n", encoding="utf-8")
