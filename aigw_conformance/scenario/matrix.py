"""`matrix:`: a scenario fanned out over the cross product of named axes, one test id per combination.

    matrix: {prefix: all, carrier: all, provider: all}
    steps:
      - request:
          route: "{{ variant.provider.route }}"
          prefix: "{{ variant.prefix }}"
          headers: {"{{ variant.carrier.header }}": "{{ variant.carrier.value }}"}

Each axis value sets variables under `variant.<axis>` and may add features the combination needs
(a combination the target cannot serve is skipped as not-supported, like any scenario) or replace a
token's kind (`near-miss`). Axes are data declared once here; an unknown axis or value is a located
load error. A case's variant id joins the value ids: `VAL-EXPIRED[legacy-governance-anthropic]`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aigw_conformance.tokens.nearmiss import NEAR_MISS


@dataclass(frozen=True)
class AxisValue:
    id: str
    vars: Any                                        # what {{ variant.<axis> }} holds
    requires: tuple[str, ...] = ()                   # features this combination needs
    tokens: dict[str, str] = field(default_factory=dict)   # token name -> kind, replacing the scenario's
    uses_token: bool = False                         # its vars read {{ token }}


def _carrier(vid: str, header: str, value: str, requires: tuple[str, ...] = ()) -> AxisValue:
    return AxisValue(vid, {"header": header, "value": value}, requires, uses_token=True)


def _provider(name: str, route: str, models: str) -> AxisValue:
    return AxisValue(name, {"name": name, "route": route, "models_route": models}, (f"provider:{name}",))


AXES: dict[str, dict[str, AxisValue]] = {
    # AUTH-PATH-001: both prefixes, identical behaviour
    "prefix": {p: AxisValue(p, p, (f"prefix:{p}",)) for p in ("canonical", "legacy")},
    # AUTH-HTTP-001: the three headers that carry a Coder token (governance needs BYOK on)
    "carrier": {
        "bearer": _carrier("bearer", "Authorization", "Bearer {{ token }}"),
        "x-api-key": _carrier("x-api-key", "X-Api-Key", "{{ token }}"),
        "governance": _carrier("governance", "X-Coder-AI-Governance-Token", "{{ token }}", ("mode:byok",)),
    },
    # one intercepted route per provider (the model-authz second authorization runs on these)
    "provider": {"openai": _provider("openai", "openai.chat", "openai.models"),
                 "anthropic": _provider("anthropic", "anthropic.messages", "anthropic.models")},
    # a valid token with one character changed (tokens/nearmiss.py); replaces the kind of `token`
    "near-miss": {n: AxisValue(n, n, (), {"token": f"near-miss:{n}"}) for n in NEAR_MISS},
}


def axis_values(axis: str, wanted: Any) -> list[AxisValue]:
    """The values of one axis named in YAML: `all` or a list of value ids (order kept)."""
    known = AXES[axis]
    if wanted == "all":
        return list(known.values())
    return [known[v] for v in wanted]


def problem(matrix: dict[str, Any]) -> tuple[tuple[Any, ...], str] | None:
    """(path inside `matrix`, message) for the first unknown axis or value, else None."""
    if not matrix:
        return (), "matrix needs at least one axis"
    for axis, wanted in matrix.items():
        if axis not in AXES:
            return (axis,), f"unknown matrix axis {axis!r}; known: {', '.join(AXES)}"
        if wanted == "all":
            continue
        if not isinstance(wanted, list) or not wanted:
            return (axis,), f"axis {axis}: give `all` or a non-empty list of {', '.join(AXES[axis])}"
        seen = set()
        for i, v in enumerate(wanted):
            if v not in AXES[axis]:
                return (axis, i), f"axis {axis}: unknown value {v!r}; known: {', '.join(AXES[axis])}"
            if v in seen:
                return (axis, i), f"axis {axis}: value {v!r} is listed twice (test ids would collide)"
            seen.add(v)
    return None


@dataclass(frozen=True)
class Combination:
    id: str
    variant: dict[str, Any]
    requires: tuple[str, ...]
    tokens: dict[str, str]


def combinations(matrix: dict[str, Any]) -> list[Combination]:
    axes = list(matrix)
    out = []
    for values in itertools.product(*(axis_values(a, matrix[a]) for a in axes)):
        vid = "-".join(v.id for v in values)
        variant: dict[str, Any] = {"id": vid}
        requires: list[str] = []
        tokens: dict[str, str] = {}
        for axis, v in zip(axes, values):
            variant[axis] = v.vars
            requires += [f for f in v.requires if f not in requires]
            tokens.update(v.tokens)
        out.append(Combination(vid, variant, tuple(requires), tokens))
    return out


def variant_keys(matrix: dict[str, Any]) -> set[str]:
    return {"id", *matrix}


def uses_token(matrix: dict[str, Any]) -> bool:
    return any(v.uses_token for a, w in matrix.items() if a in AXES for v in axis_values(a, w))


__all__ = ["AXES", "AxisValue", "Combination", "combinations", "problem", "variant_keys", "uses_token"]
