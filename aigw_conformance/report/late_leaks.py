"""A late leak found by the end-of-run sweep turns the scenario red in every report a pipeline reads.

The step that sent the request had already passed, and JUnit and allure had written it as passed
(runner/leaks.py explains why the sweep comes last). A pipeline gating on junit.xml, or a reviewer
reading allure, must see the same red as conformance.json, so those files are amended here, after
pytest wrote them: the testcase gets a <failure>, the allure result the status "failed".
"""

from __future__ import annotations

import dataclasses
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

from .compile import ScenarioResult


def by_scenario(leaks: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for leak in leaks:
        if leak.get("scenario"):
            out.setdefault(leak["scenario"], []).append(leak)
    return out


def message(scenario: str, requirements, found: list[dict]) -> str:
    what = "; ".join(f"[{f['step']}] answered {f['status']}" for f in found)
    return (f"{scenario} violates {', '.join(requirements)}: upstream reached after the answer: {what}, "
            "and the provider received the request afterwards (found by the end-of-run sweep)")


def with_late_leaks(results: list[ScenarioResult], leaks: list[dict]) -> list[ScenarioResult]:
    """A denied request that reached the provider after its answer fails its scenario, whatever the
    step said when it checked."""
    found = by_scenario(leaks)
    return [dataclasses.replace(r, outcome="failed", reason=message(r.id, r.requirements, found[r.id]))
            if r.id in found and r.outcome == "passed" else r for r in results]


def amend_junit(path: Path, results: list[ScenarioResult]) -> int:
    """Give each named testcase that JUnit shows as passed a <failure>; the number amended."""
    failed = {r.id: r.reason for r in results}
    try:
        tree = ET.parse(path)
    except (OSError, ET.ParseError):
        return 0
    amended = 0
    for suite in tree.getroot().iter("testsuite"):
        for case in suite.iter("testcase"):
            reason = failed.get(case.get("name", ""))
            if reason is None or any(child.tag in ("failure", "error", "skipped") for child in case):
                continue
            ET.SubElement(case, "failure", message=reason).text = reason
            for prop in case.iter("property"):
                if prop.get("name") == "aigw_outcome":
                    prop.set("value", "failed")
                elif prop.get("name") == "aigw_outcome_reason":
                    prop.set("value", reason)
            suite.set("failures", str(int(suite.get("failures", "0")) + 1))
            amended += 1
    if amended:
        _replace(path, ET.tostring(tree.getroot(), encoding="utf-8", xml_declaration=True))
    return amended


def amend_allure(results_dir: Path, results: list[ScenarioResult]) -> int:
    """Set the allure results of the named scenarios to failed, with the reason; the number amended."""
    failed = {r.id: r.reason for r in results}
    amended = 0
    for path in sorted(results_dir.glob("*-result.json")) if results_dir.is_dir() else ():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        reason = failed.get(str(data.get("name", "")).split(": ", 1)[0])
        if reason is None or data.get("status") != "passed":
            continue
        data["status"] = "failed"
        data["statusDetails"] = {"message": reason}
        _replace(path, json.dumps(data).encode("utf-8"))
        amended += 1
    return amended


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)




def amend_reports(junit: str | None, allure_dir: str | None, results: list[ScenarioResult],
                  leaks: list[dict]) -> list[ScenarioResult]:
    """Amend the JUnit file and allure results for the scenarios the sweep turned red; those scenarios."""
    before = {r.id: r.outcome for r in results}
    turned = [r for r in with_late_leaks(results, leaks) if r.outcome == "failed" and before[r.id] == "passed"]
    if turned and junit:
        amend_junit(Path(junit), turned)
    if turned and allure_dir:
        amend_allure(Path(allure_dir), turned)
    return turned


__all__ = ["with_late_leaks", "amend_reports", "amend_junit", "amend_allure", "by_scenario"]
