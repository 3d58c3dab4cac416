"""Read and validate a workloads file; every problem is one ScenarioError naming file, line and field.

The file is not a scenario suite (it has no top-level `scenarios:` key, so pytest never collects it);
it is validated as a whole before any token is minted or any process started.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from aigw_conformance import resources
from aigw_conformance.errors import ScenarioError
from aigw_conformance.scenario.yamlmarks import data_path, dotted, line_of, load_file_with_lines
from aigw_conformance.tokens.kinds import is_known

from .model import WorkloadFile

DEFAULT_PATH = resources.suites_dir() / "load" / "workloads.yaml"   # also in commands/load.py
_DEFAULTABLE = {"route", "endpoint", "duration_s", "timeout_s", "level", "users", "rate", "carriers"}
_KIND_FIELDS = {"mixed": {"users", "rate", "carriers"}, "revocation": {"users", "rate", "carriers"},
                "flood": {"carriers"}, "rate-limit": {"carriers"}}


def _fail(file: str, lines: dict, path: tuple, message: str) -> ScenarioError:
    return ScenarioError(message, file=file, line=line_of(lines, path), field=dotted(path) or None)


def _drop_kind_tag(loc: tuple) -> tuple:
    """pydantic puts the union tag (mixed, flood …) after the workload index."""
    return tuple(p for i, p in enumerate(loc) if not (i == 2 and loc[0] == "workloads" and isinstance(p, str)
                                                      and p in _KIND_FIELDS))


def _prepare(data: Any, file: str, lines: dict) -> dict:
    if not isinstance(data, dict):
        raise _fail(file, lines, (), "a workloads file is a mapping with `workloads:` (a list)")
    if "scenarios" in data:
        raise _fail(file, lines, ("scenarios",), "a workloads file has `workloads:`, not `scenarios:` "
                    "(that would make it a scenario suite)")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise _fail(file, lines, ("defaults",), "defaults must be a mapping")
    for key in defaults:
        if key not in _DEFAULTABLE:
            raise _fail(file, lines, ("defaults", key),
                        f"unknown key {key!r}; defaults may set {', '.join(sorted(_DEFAULTABLE))}")
    items = data.get("workloads")
    if not isinstance(items, list):
        raise _fail(file, lines, ("workloads",), "workloads must be a list")
    out = []
    for i, w in enumerate(items):
        if not isinstance(w, dict):
            raise _fail(file, lines, ("workloads", i), "a workload is a mapping with id, kind and requirement")
        if "line" in w:
            raise _fail(file, lines, ("workloads", i, "line"), "unknown key 'line'")
        kind_fields = _KIND_FIELDS.get(w.get("kind"), set())
        base = {k: v for k, v in defaults.items() if k not in ("users", "rate", "carriers") or k in kind_fields}
        out.append({**base, **w, "line": lines.get(("workloads", i), 0)})
    return {**data, "workloads": out, "file": file}


def _from_validation(exc: ValidationError, data: Any, lines: dict, file: str) -> ScenarioError:
    err = exc.errors()[0]
    path = data_path(data, _drop_kind_tag(tuple(err["loc"])))
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = f"unknown key {path[-1]!r}" if path else "unknown key"
    elif err["type"] == "missing":
        msg = f"missing required key {path[-1]!r}" if path else "missing required key"
    elif err["type"] == "union_tag_invalid":
        msg = "kind must be one of mixed, revocation, flood, rate-limit"
        path = path + ("kind",) if path[-1:] != ("kind",) else path
    elif err["type"] == "union_tag_not_found":
        msg = "missing required key 'kind' (mixed, revocation, flood or rate-limit)"
    elif "input" in err and not isinstance(err["input"], (dict, list)):
        msg = f"{msg} (got {err['input']!r})"
    return _fail(file, lines, path, msg)


def _semantic(wf: WorkloadFile, file: str, lines: dict, catalogue, routes, malformed) -> None:
    seen: dict[str, int] = {}
    if malformed is None:
        from aigw_conformance.tokens.malformed import load_malformed
        malformed = load_malformed()
    names = malformed.names()
    for i, w in enumerate(wf.workloads):
        at = ("workloads", i)
        if w.id in seen:
            raise _fail(file, lines, at + ("id",), f"workload id {w.id} is used twice (first at workload {seen[w.id]})")
        seen[w.id] = i
        for j, req in enumerate(w.requirement):
            if catalogue is not None and req not in catalogue:
                raise _fail(file, lines, at + ("requirement", j), f"unknown requirement id {req!r}")
        if routes is not None and w.route not in routes:
            raise _fail(file, lines, at + ("route",), f"unknown route {w.route!r}; known: {', '.join(routes.aliases())}")
        kinds = ([(("mix", j, "token"), m.token) for j, m in enumerate(getattr(w, "mix", ()))]
                 + [(("bogus", "tokens", j), t) for j, t in enumerate(getattr(getattr(w, "bogus", None), "tokens", ()))])
        for path, kind in kinds:
            if not is_known(kind, names):
                raise _fail(file, lines, at + path, f"unknown token kind {kind!r}"
                            + (" (no such entry in the malformed-token catalogue)" if kind.startswith("malformed:") else ""))
            if path[0] == "bogus" and kind in ("valid", "scoped"):
                raise _fail(file, lines, at + path, f"a bogus token cannot be {kind!r}: it would be admitted")


def load_workloads(path: Path | str | None = None, *, catalogue=None, routes=None, malformed=None) -> WorkloadFile:
    """The validated file. With a catalogue / route table / malformed catalogue, ids are checked too."""
    p = Path(path) if path is not None else DEFAULT_PATH
    file = str(p)
    # the size bound applies before the file is read whole, as for suites
    data, lines = load_file_with_lines(p, "the workloads file")
    prepared = _prepare(data, file, lines)
    try:
        wf = WorkloadFile.model_validate(prepared)
    except ValidationError as exc:
        raise _from_validation(exc, prepared, lines, file) from None
    _semantic(wf, file, lines, catalogue, routes, malformed)
    return wf


def select(wf: WorkloadFile, ids: list[str]) -> list:
    """The workloads named on the command line (all when none), in file order."""
    if not ids:
        return list(wf.workloads)
    known = {w.id for w in wf.workloads}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ScenarioError(f"no workload {', '.join(unknown)} (known: {', '.join(sorted(known))})",
                            file=wf.file, field="workloads")
    return [w for w in wf.workloads if w.id in ids]


__all__ = ["load_workloads", "select", "DEFAULT_PATH"]
