"""HTML report of one run with Allure Report 3 (the npm package ``allure``).

The run folder holds the engine's ``allure-results/``; this module copies them into a staging folder,
adds one "capture" attachment per scenario (the evidence pointers of conformance.json and the small
evidence files they name), writes an ``allurerc.mjs`` that groups the tree by profile (epic) and
requirement (story), and runs ``allure generate``. The original results are never modified, so a
gate that reads them later sees exactly what the run wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from aigw_conformance.errors import ConfigError
from aigw_common.redaction import mask_token_shapes as redact  # files read back were redacted when written
from aigw_conformance.report.allure_cli import find_allure, missing_here

ALLURE_TIMEOUT_S = 180          # a few thousand results take seconds; this only stops a hang
MAX_EVIDENCE_FILE = 64 * 1024 * 1024  # a capture bigger than this is only pointed at
GROUP_BY = ("epic", "story")    # engine labels: profile as epic, requirement id as story


@dataclass(frozen=True)
class HtmlReport:
    run_dir: Path
    index: Path          # <run>/html/index.html
    results: int         # allure result files fed to the generator
    captures: int        # scenarios that got a capture attachment


def resolve_run_dir(arg: str | None, reports_dir: Path) -> Path:
    """RUN_DIR as given, a run id under reports/, or reports/latest."""
    if arg:
        cand = Path(arg)
        if not cand.exists() and (reports_dir / arg).exists():
            cand = reports_dir / arg
    else:
        cand = reports_dir / "latest"
    if not cand.is_dir():
        raise ConfigError(f"{cand}: no such run folder; pass a reports/<run-id> folder "
                          f"or run `aigw-conformance run` first (reports/latest is made by a run)")
    return cand.resolve()


def generate(run_dir: Path, *, allure: Path | None = None, single_file: bool = False,
             name: str | None = None) -> HtmlReport:
    results = run_dir / "allure-results"
    if not results.is_dir() or not any(results.glob("*-result.json")):
        raise ConfigError(f"{results}: no allure results (*-result.json); the run wrote none, "
                          "or RUN_DIR is not a run folder")
    exe = allure or find_allure()
    hint = missing_here(exe)
    if hint is not None:
        raise ConfigError(hint)
    staging = run_dir / ".html-staging"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(results, staging)
    split_variants(staging)
    captures = add_capture_attachments(staging, run_dir)
    out = run_dir / "html"
    shutil.rmtree(out, ignore_errors=True)
    config = run_dir / "allurerc.mjs"
    config.write_text(allurerc(name or f"aigw-conformance {run_dir.name}", out, single_file))
    try:
        proc = subprocess.run([str(exe), "generate", "-c", str(config), str(staging)],
                              cwd=run_dir, capture_output=True, text=True,
                              timeout=ALLURE_TIMEOUT_S, env=_node_env())
    except subprocess.TimeoutExpired as exc:
        raise ConfigError(f"allure generate did not finish within {ALLURE_TIMEOUT_S} s") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    index = out / "index.html"
    if proc.returncode != 0 or not index.exists():
        tail = redact((proc.stderr or proc.stdout or "").strip())[-800:]
        raise ConfigError(f"allure generate failed (exit {proc.returncode}) for {results}: {tail}")
    n = len(list(results.glob("*-result.json")))
    return HtmlReport(run_dir=run_dir, index=index, results=n, captures=captures)


def _node_env() -> dict[str, str]:
    env = dict(os.environ)
    # Allure 3 may try to phone home for updates or open a browser; neither is wanted here.
    env.setdefault("CI", "true")
    env.pop("BROWSER", None)
    return env


def allurerc(name: str, out: Path, single_file: bool) -> str:
    """A config without imports, so it loads wherever node_modules is."""
    conf = {
        "name": name,
        "output": str(out),
        "plugins": {"awesome": {"options": {
            "reportName": name, "singleFile": single_file, "groupBy": list(GROUP_BY)}}},
    }
    return "export default " + json.dumps(conf, indent=2) + ";\n"


def add_capture_attachments(results: Path, run_dir: Path) -> int:
    """Attach each scenario's evidence (from conformance.json) to its allure result."""
    scenarios = _scenarios(run_dir / "conformance.json")
    if not scenarios:
        return 0
    done = 0
    for path in sorted(results.glob("*-result.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        scn = _match(data, scenarios)
        if scn is None or not scn.get("evidence"):
            continue
        data.setdefault("attachments", []).extend(_capture_files(results, run_dir, scn, data))
        path.write_text(json.dumps(data), encoding="utf-8")
        done += 1
    return done


def split_variants(results: Path) -> int:
    """Give each variant of a scenario its own history id, so Allure does not fold the variants
    (SCN[a], SCN[b]) into one test with "retries". Results without a variant parameter share the
    id the engine computed from the scenario alone; a `variant` parameter is added, as allure-pytest
    would for a parametrized Python test. Returns how many results changed."""
    loaded = []
    for path in sorted(results.glob("*-result.json")):
        try:
            loaded.append((path, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            continue
    names: dict[str, set[str]] = {}
    for _, data in loaded:
        names.setdefault(str(data.get("historyId")), set()).add(str(data.get("name")))
    changed = 0
    for path, data in loaded:
        if len(names.get(str(data.get("historyId")), ())) < 2:
            continue  # one name per id: real retries (if any) stay retries
        m = re.match(r"^[A-Z0-9-]+\[([^\]]+)\]", str(data.get("name", "")))
        variant = m.group(1) if m else str(data.get("name"))
        params = data.setdefault("parameters", None) or []
        if not any(p.get("name") == "variant" for p in params if isinstance(p, dict)):
            params.append({"name": "variant", "value": variant})
        data["parameters"] = params
        data["historyId"] = hashlib.md5(f"{data.get('historyId')}:{variant}".encode()).hexdigest()
        path.write_text(json.dumps(data), encoding="utf-8")
        changed += 1
    return changed


def _scenarios(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    items = data.get("scenarios") if isinstance(data, dict) else None
    return [s for s in items or [] if isinstance(s, dict) and s.get("id")]


def _match(result: dict, scenarios: list[dict]) -> dict | None:
    values = {str(lab.get("value")) for lab in result.get("labels", []) if isinstance(lab, dict)}
    text = " ".join(str(result.get(k, "")) for k in ("name", "fullName", "testCaseName"))
    # Longest id first so "X-ID-2" is not taken for "X-ID".
    for scn in sorted(scenarios, key=lambda s: len(s["id"]), reverse=True):
        sid = scn["id"]
        if sid in values or re.search(rf"(?<![A-Za-z0-9-]){re.escape(sid)}(?![A-Za-z0-9-])", text):
            return scn
    return None


TRACKING_ID = re.compile(r"aigw-trk-[0-9a-f]{32}")


def _capture_files(results: Path, run_dir: Path, scn: dict, result: dict) -> list[dict]:
    """The pointers, plus this scenario's own slice of each capture file (never whole files:
    a run-wide HAR copied into every scenario would multiply the report's size by the scenario count)."""
    evidence = [str(e) for e in scn["evidence"]]
    atts = [_write_att(results, "capture", redact("\n".join(evidence)) + "\n", "text/plain", "txt")]
    tracking = _tracking_ids(results, result)
    for ev in dict.fromkeys(e.split("#", 1)[0] for e in evidence):
        file = (run_dir / ev).resolve()
        if not file.is_file() or run_dir not in file.parents or file.stat().st_size > MAX_EVIDENCE_FILE:
            continue
        if file.suffix == ".har":
            body, mime = _har_slice(file, tracking), "application/json"
        elif file.suffix == ".jsonl":
            body, mime = _jsonl_slice(file, scn["id"], tracking), "text/plain"
        else:
            continue  # binary flows (.mitm) and logs stay pointers
        if body:
            atts.append(_write_att(results, f"capture: {file.name}", redact(body), mime, file.suffix.lstrip(".")))
    return atts


def _tracking_ids(results: Path, result: dict) -> set[str]:
    """Tracking ids of the scenario's requests, read from the engine's request attachments."""
    ids: set[str] = set()
    for att in _all_attachments(result):
        try:
            ids.update(TRACKING_ID.findall((results / att["source"]).read_text(encoding="utf-8", errors="replace")))
        except (OSError, KeyError):
            continue
    return ids


def _all_attachments(node: dict) -> list[dict]:
    out = list(node.get("attachments", []))
    for step in node.get("steps", []):
        out += _all_attachments(step)
    return out


def _har_slice(file: Path, tracking: set[str]) -> str:
    if not tracking:
        return ""
    try:
        har = json.loads(file.read_text(encoding="utf-8"))
        entries = har["log"]["entries"]
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    mine = [e for e in entries if any(t in json.dumps(e) for t in tracking)]
    if not mine:
        return ""
    log = {k: v for k, v in har["log"].items() if k != "entries"}
    return json.dumps({"log": {**log, "entries": mine}}, indent=1)


def _jsonl_slice(file: Path, scenario_id: str, tracking: set[str]) -> str:
    keep = []
    for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            test_id = str(json.loads(line).get("test_id", ""))
        except (ValueError, AttributeError):
            continue
        if test_id == scenario_id or test_id.endswith("::" + scenario_id) or any(t in line for t in tracking):
            keep.append(line)
    return "\n".join(keep) + "\n" if keep else ""


def _write_att(results: Path, name: str, body: str, mime: str, ext: str) -> dict:
    source = f"{uuid.uuid4()}-attachment.{ext}"
    (results / source).write_text(body, encoding="utf-8")
    return {"name": name, "source": source, "type": mime}
