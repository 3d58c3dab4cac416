"""Markdown and JSON renderings of a detection matrix, and the terminal summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from aigw_common.redaction import mask_token_shapes as redact  # files read back were redacted when written

_MAX_LISTED = 6      # a fault can break dozens of scenarios; the JSON keeps the full list


def _cell(ids: list[str]) -> str:
    shown = ", ".join(ids[:_MAX_LISTED])
    return shown + (f" (+{len(ids) - _MAX_LISTED} more)" if len(ids) > _MAX_LISTED else "") or "-"


def summary_lines(matrix: Mapping[str, Any]) -> list[str]:
    t, fa = matrix["totals"], matrix["faithful"]
    lines = [f"Self-test: {'OK' if matrix['ok'] else 'FAILED'} - faithful "
             f"{'passed' if fa['ok'] else 'FAILED'} ({fa['passed']}/{fa['scenarios']} passed, "
             f"{len(fa['skipped'])} skipped); faults {t['faults']}: caught {t['caught']}, weak {t['weak']}, "
             f"missed {t['missed']}; wall {t['wall_seconds']:.1f}s"]
    if fa["problem"]:
        lines.append(f"  faithful run problem: {fa['problem']}")
    for sid in fa["failed"]:
        lines.append(f"  faithful FAILED: {sid}")
    for era, f in (matrix.get("faithful_eras") or {}).items():
        lines.append(f"  faithful {era}: {'passed' if f['ok'] else 'FAILED'} ({f['passed']}/{f['scenarios']} passed, "
                     f"{len(f['skipped'])} skipped)" + (f" - {f['problem']}" if f["problem"] else ""))
        lines += [f"  faithful {era} FAILED: {sid}" for sid in f["failed"]]
    thin = thin_requirements(matrix)
    if thin:
        lines.append(f"  thin coverage (at most one passing path): {len(thin)} requirement(s): {_cell(thin)}"
                     " (matrix.md lists the paths per requirement)")
    for row in matrix["faults"]:
        if row["status"] != "caught":
            why = row["problem"] or ("caught only by scenarios not citing " + row["requirement"]
                                     if row["status"] == "weak" else "no scenario failed")
            lines.append(f"  {row['status'].upper():<6} {row['fault']} ({row['requirement']}): {why}")
    return [redact(line) for line in lines]


def thin_requirements(matrix: Mapping[str, Any], at_most: int = 1) -> list[str]:
    return [r for r, c in (matrix.get("coverage") or {}).items() if c["cases"] <= at_most]


def _coverage_md(matrix: Mapping[str, Any]) -> list[str]:
    cov = matrix.get("coverage") or {}
    if not cov:
        return []
    caught: dict[str, list[str]] = {}
    for r in matrix["faults"]:
        if r["caught_by_citing"]:
            caught.setdefault(r["requirement"], []).append(r["fault"])
    out = ["", "## Coverage per requirement", "",
           "Independent paths = passed cases (scenario × variant × era) citing the requirement in the faithful runs.",
           "", "| requirement | scenarios | paths | eras | faults caught by citing scenarios |", "|---|---|---|---|---|"]
    for req, c in cov.items():
        mark = " (thin)" if c["cases"] <= 1 else ""
        out.append(f"| {req}{mark} | {c['scenarios']} | {c['cases']} | {', '.join(c['eras']) or '-'} "
                   f"| {', '.join(caught.get(req, [])) or '-'} |")
    return out


def to_markdown(matrix: Mapping[str, Any]) -> str:
    t, fa = matrix["totals"], matrix["faithful"]
    out = [f"# Self-test detection matrix {matrix['stamp']}".rstrip(), "",
           f"Result: **{'OK' if matrix['ok'] else 'FAILED'}** - faults {t['faults']}, caught {t['caught']}, "
           f"weak {t['weak']}, missed {t['missed']}; wall time {t['wall_seconds']:.1f} s.", ""]
    out += ["Faults per profile: " + ", ".join(f"{p} {n}" for p, n in t["by_profile"].items()), ""]
    if matrix.get("selection"):
        out += [f"Selection: `{' '.join(matrix['selection'])}`", ""]
    if matrix.get("unstable_scenarios"):
        out += ["Not counted as detection (outcome changes between faithful runs): "
                + ", ".join(matrix["unstable_scenarios"]), ""]
    out += ["## Faithful reference", "",
            f"{'All scenarios passed' if fa['ok'] else 'FAILED'}: {fa['passed']} passed of {fa['scenarios']}, "
            f"{len(fa['failed'])} failed/errored, {len(fa['skipped'])} skipped ({fa['seconds']:.1f} s).", ""]
    if fa["problem"]:
        out += [f"Run problem: {fa['problem']}", ""]
    for sid in fa["failed"]:
        out.append(f"- failed: `{sid}`")
    if fa["skipped"]:
        out += ["| skipped scenario | outcome | reason |", "|---|---|---|"]
        out += [f"| {s['id']} | {s['outcome']} | {s['reason'] or '-'} |" for s in fa["skipped"]]
    for era, f in (matrix.get("faithful_eras") or {}).items():
        out += ["", f"Faithful reference, era {era}: {'all scenarios passed' if f['ok'] else 'FAILED'}: "
                    f"{f['passed']} passed of {f['scenarios']}, {len(f['failed'])} failed/errored, "
                    f"{len(f['skipped'])} skipped ({f['seconds']:.1f} s)." + (f" Problem: {f['problem']}" if f["problem"] else "")]
        out += [f"- failed ({era}): `{sid}`" for sid in f["failed"]]
    out += ["", "## Faults", "",
            "| fault | era | profile | breaks | status | citing scenarios | all failed scenarios | s |",
            "|---|---|---|---|---|---|---|---|"]
    for r in matrix["faults"]:
        status = r["status"] + (f" ({r['problem']})" if r["problem"] else "")
        if r["errored_scenarios"]:
            status += f"; {len(r['errored_scenarios'])} errored"
        out.append(f"| `{r['fault']}` | {r.get('era') or 'newest'} | {r['profile']} | {r['requirement']} | {status} "
                   f"| {_cell(r['citing_scenarios'])} | {_cell(r['failed_scenarios'])} | {r['seconds']:.0f} |")
    weak = [r for r in matrix["faults"] if r["status"] == "weak"]
    if weak:
        out += ["", "## Weaknesses", ""]
        out += [f"- `{r['fault']}` breaks {r['requirement']} ({r['description']}) but only "
                f"{', '.join(r['failed_scenarios'])} failed, none citing it." for r in weak]
    out += _coverage_md(matrix)
    return redact("\n".join(out) + "\n")


def write_matrix(matrix: Mapping[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write matrix.json and matrix.md into out_dir (created); both redacted."""
    out_dir.mkdir(parents=True, exist_ok=True)
    js, md = out_dir / "matrix.json", out_dir / "matrix.md"
    js.write_text(redact(json.dumps(matrix, indent=2, sort_keys=True)) + "\n", encoding="utf-8")
    md.write_text(to_markdown(matrix), encoding="utf-8")
    return js, md
