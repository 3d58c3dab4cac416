"""Shared pieces of the scenario model: the frozen, extra-forbidding base and input normalisers."""

from __future__ import annotations

from typing import Any, Union

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def given(self, name: str) -> bool:
        """True when the YAML stated this field (even as null)."""
        return name in self.model_fields_set


def _status_ok(v: int) -> int:
    if not 100 <= v <= 599:
        raise ValueError(f"status {v} is not an HTTP status code (100-599)")
    return v


Status = Union[int, list[int]]


def _check_status(v: Status | None) -> Status | None:
    if v is None:
        return v
    for s in (v if isinstance(v, list) else [v]):
        _status_ok(s)
    if isinstance(v, list) and not v:
        raise ValueError("an empty list of allowed statuses can never match")
    return v


def _pairs(v: Any) -> Any:
    """A mapping or a list of [name, value] pairs → tuple of (name, str(value)) pairs."""
    if v is None:
        return ()
    if isinstance(v, dict):
        return tuple((str(k), "" if val is None else str(val)) for k, val in v.items())
    if isinstance(v, (list, tuple)):
        out = []
        for i, pair in enumerate(v):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise ValueError(f"item {i} must be a [name, value] pair")
            out.append((str(pair[0]), "" if pair[1] is None else str(pair[1])))
        return tuple(out)
    raise ValueError("must be a mapping or a list of [name, value] pairs")


def _scalar_str(v: Any) -> Any:
    """YAML reads `Retry-After: 1` as an int; header values and body fragments are text."""
    if isinstance(v, bool) or v is None:
        return v
    return str(v) if isinstance(v, (int, float)) else v


def _str_values(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _scalar_str(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_scalar_str(x) for x in v]
    return v
