"""The expected-failures file: scenarios known to fail on a target, each with a reason.

A listed scenario that fails (or errors) does not fail the gate; a listed scenario that passes
does, so the list cannot go stale silently. Format (YAML):

    - id: HDR-BEARER-OK            # a scenario id, or "ID[variant]" for one variant
      reason: gateway ticket #123
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aigw_conformance import safeyaml
from aigw_conformance.errors import ConfigError


@dataclass(frozen=True)
class ExpectedFailure:
    id: str
    reason: str


def load_expected_failures(path: str | Path) -> list[ExpectedFailure]:
    p = Path(path)
    try:
        data = safeyaml.load_config(p)
    except OSError as exc:
        raise ConfigError(f"cannot read the expected-failures file: {exc.strerror}", file=str(p)) from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise ConfigError("must be a YAML list of {id, reason} entries", file=str(p))
    out: list[ExpectedFailure] = []
    for i, entry in enumerate(data):
        if not isinstance(entry, dict) or set(entry) - {"id", "reason"} or not isinstance(entry.get("id"), str):
            raise ConfigError(f"entry {i + 1} must be a mapping with a string 'id' and a 'reason'",
                              file=str(p), field=f"[{i}]")
        if not str(entry.get("reason") or "").strip():
            raise ConfigError(f"entry {i + 1} ({entry['id']}) needs a non-empty reason",
                              file=str(p), field=f"[{i}].reason")
        out.append(ExpectedFailure(entry["id"], str(entry["reason"])))
    return out


def match(scenario_id: str, entries) -> dict | None:
    """The entry covering `scenario_id` ("ID[variant]" is covered by "ID" and by itself)."""
    base = scenario_id.split("[", 1)[0]
    for e in entries:
        eid = e["id"] if isinstance(e, dict) else e.id
        if eid in (scenario_id, base):
            return {"id": eid, "reason": e["reason"] if isinstance(e, dict) else e.reason}
    return None
