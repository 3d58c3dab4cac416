"""Suite files → validated `Suite` models, or one located `ScenarioError` per bad file.

Whole-file validation (structure by pydantic with extra="forbid", then cross-references: requirement
ids, features, route aliases, token kinds, malformed names, variants, templates, duplicate ids across
files). Every error names the file, the line and the field as one paragraph.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from aigw_conformance.errors import ConfigError, ScenarioError
from aigw_conformance.features import FEATURES
from aigw_conformance.requirements import Catalogue
from aigw_conformance.scenario import semantic
from aigw_conformance.scenario.model import STEP_MODELS, Suite
from aigw_conformance.scenario.routes import RouteTable, load_routes
from aigw_conformance.scenario.yamlmarks import data_path, dotted, line_of, load_file_with_lines
from aigw_conformance.tokens.malformed import MalformedCatalogue, load_malformed

_RESERVED = ("file", "line")  # filled in by the loader, never written in YAML


class _Ctx:
    def __init__(self, catalogue: Catalogue, routes: RouteTable | None, malformed: MalformedCatalogue | None):
        self.catalogue = catalogue
        self.routes = routes if routes is not None else load_routes()
        self.malformed = malformed if malformed is not None else load_malformed()


def _fail(file: str, lines: dict, path: tuple, message: str, scenario_id: str | None = None) -> ScenarioError:
    where = f"scenario {scenario_id}: " if scenario_id else ""
    field = dotted(path) or None
    if len(path) >= 3 and path[0] == "scenarios" and ("defaulted",) + path[1:3] in lines:
        # the value came from `defaults:`; name the key the author has to edit
        field = f"{dotted(('defaults',) + path[2:])} (applied to {dotted(path[:2])})"
    return ScenarioError(where + message, file=file, line=line_of(lines, path), field=field)


def _scenario_id(data: Any, path: tuple) -> str | None:
    if len(path) >= 2 and path[0] == "scenarios" and isinstance(data, dict):
        try:
            sid = data["scenarios"][path[1]].get("id")
            return sid if isinstance(sid, str) else None
        except (IndexError, KeyError, TypeError, AttributeError):
            return None
    return None


def _prepare(data: Any, lines: dict, file: str) -> dict:
    """Check the shape pydantic cannot see (reserved keys, defaults) and merge defaults."""
    if not isinstance(data, dict):
        raise _fail(file, lines, (), "a suite file must be a mapping with suite, profile and scenarios")
    for key in _RESERVED:
        if key in data:
            raise _fail(file, lines, (key,), f"unknown key {key!r}")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise _fail(file, lines, ("defaults",), "defaults must be a mapping")
    for bad in ("id", "steps", *_RESERVED):
        if bad in defaults:
            raise _fail(file, lines, ("defaults", bad), f"{bad!r} cannot have a default")
    scenarios = data.get("scenarios")
    if not isinstance(scenarios, list):
        return data  # pydantic names the problem
    merged = []
    for i, sc in enumerate(scenarios):
        if not isinstance(sc, dict):
            merged.append(sc)
            continue
        for key in _RESERVED:
            if key in sc:
                raise _fail(file, lines, ("scenarios", i, key), f"unknown key {key!r}", sc.get("id"))
        new = dict(sc)
        for k, v in defaults.items():
            if k not in new:
                new[k] = v
                lines[("defaulted", i, k)] = lines.get(("defaults", k), 0)
                # errors in a defaulted key point at the defaults block
                for p, ln in list(lines.items()):
                    if p[:2] == ("defaults", k):
                        lines[("scenarios", i) + p[1:]] = ln
        new["file"] = file
        new["line"] = lines.get(("scenarios", i), 0)
        steps = new.get("steps")
        if isinstance(steps, list):
            new["steps"] = [_locate_step(s, file, lines, ("scenarios", i, "steps", j), sc.get("id"))
                            for j, s in enumerate(steps)]
        merged.append(new)
    out = dict(data)
    out["scenarios"] = merged
    out["file"] = file
    out["line"] = 1
    return out


def _locate_step(step: Any, file: str, lines: dict, path: tuple, sid: Any) -> Any:
    if not isinstance(step, dict):
        return step
    for key in _RESERVED:
        if key in step:
            raise _fail(file, lines, path + (key,), f"unknown key {key!r}", sid if isinstance(sid, str) else None)
    return {**step, "file": file, "line": lines.get(path, 0)}


def _drop_step_tags(loc: tuple) -> tuple:
    """A step is a tagged union: pydantic puts the tag (request/action/fuzz) after the step index."""
    out = []
    for i, part in enumerate(loc):
        if i >= 2 and loc[i - 2] == "steps" and isinstance(loc[i - 1], int) and part in STEP_MODELS:
            continue
        out.append(part)
    return tuple(out)


def _from_validation(exc: ValidationError, data: Any, lines: dict, file: str) -> ScenarioError:
    errors = exc.errors()
    err = errors[0]
    path = data_path(data, _drop_step_tags(tuple(err["loc"])))
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = f"unknown key {path[-1]!r}" if path else "unknown key"
    elif err["type"] == "missing":
        msg = f"missing required key {path[-1]!r}" if path else "missing required key"
    elif "input" in err and err["type"] not in ("model_type", "step_kind", "value_error") \
            and not isinstance(err["input"], (dict, list)):
        msg = f"{msg} (got {err['input']!r})"
    more = len({tuple(e["loc"]) for e in errors}) - 1
    if more > 0:
        msg += f" ({more} more problem{'s' if more > 1 else ''} in this file)"
    return _fail(file, lines, path, msg, _scenario_id(data, path))


def load_suite_file(path: Path | str, ctx: _Ctx) -> Suite:
    file = str(path)
    data, lines = load_file_with_lines(path)
    prepared = _prepare(data, lines, file)
    try:
        suite = Suite.model_validate(prepared)
    except ValidationError as exc:
        raise _from_validation(exc, prepared, lines, file) from None
    problem = semantic.check_suite(suite, prepared, ctx)
    if problem is not None:
        path_, message = problem
        raise _fail(file, lines, path_, message, _scenario_id(prepared, path_))
    suite._catalogue, suite._malformed = ctx.catalogue, ctx.malformed
    return suite


def check_suites(paths: list[Path], catalogue: Catalogue, *, routes: RouteTable | None = None,
                 malformed: MalformedCatalogue | None = None) -> tuple[list[Suite], list[ScenarioError]]:
    """Load every file; return the good suites and one error per bad file (for `validate`)."""
    ctx = _Ctx(catalogue, routes, malformed)
    suites: list[Suite] = []
    errors: list[ScenarioError] = []
    seen_suites: dict[str, str] = {}
    seen_ids: dict[str, str] = {}
    for p in paths:
        try:
            suite = load_suite_file(p, ctx)
            _check_unique(suite, seen_suites, seen_ids)
        except ScenarioError as exc:
            errors.append(exc)
            continue
        suites.append(suite)
    return suites, errors


def _check_unique(suite: Suite, seen_suites: dict[str, str], seen_ids: dict[str, str]) -> None:
    if suite.suite in seen_suites:
        raise ScenarioError(f"suite name {suite.suite!r} is already used by {seen_suites[suite.suite]}",
                            file=suite.file, line=1, field="suite")
    for sc in suite.scenarios:
        if sc.id in seen_ids:
            raise ScenarioError(f"scenario id {sc.id} is already used in {seen_ids[sc.id]}",
                                file=sc.file, line=sc.line, field="id")
    seen_suites[suite.suite] = suite.file
    for sc in suite.scenarios:
        seen_ids[sc.id] = f"{sc.file}, line {sc.line}"


def load_suites(paths: list[Path], catalogue: Catalogue, *, routes: RouteTable | None = None,
                malformed: MalformedCatalogue | None = None) -> list[Suite]:
    """Load and validate suite files; raise the first ScenarioError (ids are unique across files)."""
    suites, errors = check_suites(list(paths), catalogue, routes=routes, malformed=malformed)
    if errors:
        raise errors[0]
    return suites


def suite_paths(paths: list[Path | str]) -> list[Path]:
    """Expand directories to their *.yaml / *.yml files, sorted; keep files as given."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted([*p.glob("*.yaml"), *p.glob("*.yml")])
        elif p.exists():
            out.append(p)
        else:
            raise ConfigError("no such suite file or folder", file=str(p))
    return out


__all__ = ["load_suites", "check_suites", "load_suite_file", "suite_paths", "FEATURES"]
