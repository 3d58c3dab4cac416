"""Explain a requirement or a scenario: the rule, the scenarios that check it, and the last run's evidence.

ID is a requirement id (AUTH-HTTP-001) or a scenario id (HDR-BEARER-OK, or HDR-X[variant]). The rule
text comes from docs/protocol.md, the catalogue from fixtures/requirements.yaml, scenarios from
suites/*.yaml (through the scenario loader when it is installed), and the evidence from
reports/latest/conformance.json (or --run).
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from aigw_conformance import exitcodes
from aigw_conformance.errors import ConfigError
from aigw_conformance.redact import redact

NAME = "explain"
HELP = "print a requirement or scenario: its rule, its scenarios and the last run's evidence"


@dataclass
class ScenarioInfo:
    id: str
    title: str
    requirements: list[str]
    profile: str = ""
    file: str = ""
    line: int | None = None


@dataclass
class Knowledge:
    requirements: dict[str, dict] = field(default_factory=dict)   # id -> {profile, level, title, ...}
    scenarios: list[ScenarioInfo] = field(default_factory=list)
    run: dict | None = None
    run_path: Path | None = None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID", help="a requirement id (AUTH-HTTP-001) or a scenario id")
    parser.add_argument("--requirements", type=Path, default=Path("fixtures/requirements.yaml"))
    parser.add_argument("--suites", type=Path, default=Path("suites"))
    parser.add_argument("--protocol", type=Path, default=Path("docs/protocol.md"))
    parser.add_argument("--run", type=Path, default=Path("reports/latest"),
                        help="run folder whose conformance.json holds the evidence (default: reports/latest)")


def _repo_default(path: Path) -> Path:
    """A relative default that is missing here is looked up at the repository top (editable install)."""
    if path.is_absolute() or path.exists():
        return path
    alt = Path(__file__).resolve().parents[2] / path
    return alt if alt.exists() else path


def main(args: argparse.Namespace) -> int:
    args.requirements, args.suites, args.protocol = (
        _repo_default(args.requirements), _repo_default(args.suites), _repo_default(args.protocol))
    know = Knowledge(requirements=load_requirements(args.requirements),
                     scenarios=load_scenarios(args.suites, args.requirements))
    know.run_path = args.run / "conformance.json"
    know.run = load_run(know.run_path)
    text = explain(args.id.strip(), know, read_protocol(args.protocol))
    print(redact(text))
    return exitcodes.OK


# -- inputs ------------------------------------------------------------------------------------
def load_requirements(path: Path) -> dict[str, dict]:
    try:
        from aigw_conformance.requirements import load_catalogue  # B1's loader, when installed
    except ImportError:
        load_catalogue = None
    if load_catalogue is not None and path.exists():
        try:
            cat = load_catalogue(path)
            items = getattr(cat, "requirements", None) or getattr(cat, "items", None)
            if isinstance(items, dict):
                return {k: _as_dict(v) for k, v in items.items()}
        except (AttributeError, TypeError):
            pass  # a loader whose API moved: the plain YAML reading below still explains
    return _requirements_from_yaml(path)


def _as_dict(obj) -> dict:
    if isinstance(obj, dict):
        return obj
    if hasattr(obj, "model_dump"):
        return obj.model_dump()
    return {k: v for k, v in vars(obj).items() if not k.startswith("_")}


def _requirements_from_yaml(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    data = _yaml(path)
    if isinstance(data, dict) and "requirements" in data:
        data = data["requirements"]
    if isinstance(data, list):
        return {str(r["id"]): r for r in data if isinstance(r, dict) and "id" in r}
    if isinstance(data, dict):
        return {str(k): (v if isinstance(v, dict) else {"title": v}) for k, v in data.items()}
    raise ConfigError(f"{path}: expected a list of requirements (each with `id`) or a mapping id → fields")


def load_scenarios(suites: Path, requirements: Path) -> list[ScenarioInfo]:
    files = sorted(suites.glob("**/*.yaml")) if suites.is_dir() else ([suites] if suites.exists() else [])
    from aigw_conformance.items import is_suite_file
    files = [f for f in files if is_suite_file(f)]   # not suites/load/workloads.yaml (issue 17)
    try:
        from aigw_conformance.requirements import load_catalogue
        from aigw_conformance.scenario.loader import load_suites
    except ImportError:
        return _scenarios_from_yaml(files)
    out = []
    try:
        for suite in load_suites(files, load_catalogue(requirements)):
            for s in suite.scenarios:
                out.append(ScenarioInfo(id=s.id, title=s.title or "", requirements=list(s.requirement),
                                        profile=str(getattr(s, "profile", None) or getattr(suite, "profile", "") or ""),
                                        file=str(getattr(s, "file", "") or ""), line=getattr(s, "line", None)))
    except (AttributeError, TypeError):
        return _scenarios_from_yaml(files)  # loader API drifted; ScenarioError still reaches the user
    return out


def _scenarios_from_yaml(files: list[Path]) -> list[ScenarioInfo]:
    out = []
    for f in files:
        doc = _yaml(f)
        if not isinstance(doc, dict) or not isinstance(doc.get("scenarios"), list):
            continue
        lines = _scenario_lines(f)
        for i, s in enumerate(doc["scenarios"]):
            if isinstance(s, dict) and "id" in s:
                reqs = s.get("requirement") or []
                out.append(ScenarioInfo(id=str(s["id"]), title=str(s.get("title", "")),
                                        requirements=[reqs] if isinstance(reqs, str) else [str(r) for r in reqs],
                                        profile=str(s.get("profile") or doc.get("profile") or ""), file=str(f),
                                        line=lines[i] if i < len(lines) else None))
    return out


def _scenario_lines(path: Path) -> list[int]:
    """1-based line of each entry of the top-level `scenarios:` list (the loader keeps marks too)."""
    node = yaml.compose(path.read_text(encoding="utf-8"))
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if key.value == "scenarios" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _yaml(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None


def load_run(path: Path) -> dict | None:
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc}); re-run or pass --run") from None


def read_protocol(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def rule_text(protocol: str, req_id: str) -> str:
    """The bold-headed paragraph(s) of PROTOCOL.md for one id, up to the next rule or heading."""
    m = re.search(rf"^\*\*{re.escape(req_id)}[:\s].*?(?=^\*\*AUTH-[A-Z]+-\d+|^#|\Z)", protocol, re.M | re.S)
    return m.group(0).strip() if m else ""


# -- the explanation ---------------------------------------------------------------------------
def explain(ident: str, know: Knowledge, protocol: str) -> str:
    base = ident.split("[", 1)[0]
    if ident in know.requirements or rule_text(protocol, ident):
        return explain_requirement(ident, know, protocol)
    if any(s.id == base for s in know.scenarios) or _run_scenarios(know, ident):
        return explain_scenario(ident, know, protocol)
    known = list(know.requirements) + [s.id for s in know.scenarios]
    close = difflib.get_close_matches(ident, known, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise ConfigError(f"{ident}: not a requirement id in {len(know.requirements)} requirements nor a scenario "
                      f"id in {len(know.scenarios)} scenarios.{hint}")


def explain_requirement(req_id: str, know: Knowledge, protocol: str) -> str:
    meta = know.requirements.get(req_id, {})
    head = f"{req_id}  [{meta.get('profile', '?')} · {meta.get('level', '?')}]"
    if meta.get("title"):
        head += f"  {meta['title']}"
    lines = [head, "", rule_text(protocol, req_id) or "(no rule text found in docs/protocol.md)", "",
             "Scenarios that check it:"]
    checking = [s for s in know.scenarios if req_id in s.requirements]
    lines += [f"  {s.id}  {s.title}  ({_where(s)})" for s in checking] or ["  none: this requirement is not covered"]
    lines += ["", *evidence_lines(know, req_id=req_id, scenario_ids={s.id for s in checking})]
    return "\n".join(lines)


def explain_scenario(ident: str, know: Knowledge, protocol: str) -> str:
    base = ident.split("[", 1)[0]
    scn = next((s for s in know.scenarios if s.id == base), None)
    lines = [f"{ident}  {scn.title if scn else ''}".rstrip()]
    if scn:
        lines.append(f"  profile {scn.profile or '?'}, defined at {_where(scn)}")
        lines += ["", "Requirements it checks:"]
        for rid in scn.requirements:
            meta = know.requirements.get(rid, {})
            rule = rule_text(protocol, rid).split("\n", 1)[0]
            lines.append(f"  {rid} [{meta.get('level', '?')}] {rule or meta.get('title', '')}")
    lines += ["", *evidence_lines(know, scenario_ids={base}, exact=ident if "[" in ident else None)]
    return "\n".join(lines)


def _where(s: ScenarioInfo) -> str:
    return f"{s.file}:{s.line}" if s.line else (s.file or "?")


def _run_scenarios(know: Knowledge, ident: str) -> list[dict]:
    if not know.run:
        return []
    base = ident.split("[", 1)[0]
    return [s for s in know.run.get("scenarios", []) if isinstance(s, dict)
            and (s.get("id") == ident or str(s.get("id", "")).split("[", 1)[0] == base)]


def evidence_lines(know: Knowledge, *, scenario_ids: set[str], req_id: str | None = None,
                   exact: str | None = None) -> list[str]:
    if know.run is None:
        return [f"Last run: none ({know.run_path} not found; `aigw-conformance run` writes it)"]
    run = know.run
    lines = [f"Last run: {know.run_path} ({run.get('date', '?')}, verdict "
             f"{(run.get('verdict') or {}).get('result', '?')})"]
    if req_id:
        verdict = (run.get("requirements") or {}).get(req_id)
        if isinstance(verdict, dict):
            verdict = verdict.get("verdict") or verdict.get("result")
        lines.append(f"  requirement verdict: {verdict or 'not in this run'}")
    shown = 0
    for s in run.get("scenarios", []):
        sid = str(s.get("id", ""))
        related = sid.split("[", 1)[0] in scenario_ids or (req_id is not None and req_id in s.get("requirements", []))
        if (exact and sid != exact) or not related:
            continue
        shown += 1
        reason = f" ({s['reason']})" if s.get("reason") else ""
        lines.append(f"  {sid}: {s.get('outcome', '?')}{reason}")
        lines += [f"    evidence: {e}" for e in s.get("evidence") or []]
    if not shown:
        lines.append("  no scenario of this id ran in that run")
    return lines
