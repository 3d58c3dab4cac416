"""Protocol eras a target declares, and which scenarios run in which era.

`older`, `newest` and `model-authz` are three builds of the gateway (PROTOCOL.md section 0 and
Addendum A section 0.1). `model-authz` is a *sibling* of `newest`, not its successor: neither line
was shown to contain the other, so a scenario never inherits an era. A scenario names the eras it
holds in (`era: newest`, `era: [newest, model-authz]`) or `any`; it runs only against a target whose
era is among them and is skipped, with the reason, otherwise.
"""

from __future__ import annotations

from typing import Iterable

ERAS: tuple[str, ...] = ("newest", "older", "model-authz")
DEFAULT_ERA = "newest"
ANY = "any"


def scenario_eras(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """A scenario's `era:` as a tuple; () means any era."""
    if value is None or value == ANY:
        return ()
    if isinstance(value, str):
        return (value,)
    eras = tuple(value)
    return () if ANY in eras else eras


def runs_in(value: str | Iterable[str] | None, target_era: str | None) -> bool:
    """True when a scenario with `era: value` runs against a target of `target_era`."""
    eras = scenario_eras(value)
    return not eras or not target_era or target_era in eras


def describe(value: str | Iterable[str] | None) -> str:
    eras = scenario_eras(value)
    return ANY if not eras else " or ".join(eras)


__all__ = ["ERAS", "DEFAULT_ERA", "ANY", "scenario_eras", "runs_in", "describe"]
