"""Helpers shared by the check modules: normalising expectations and showing values safely."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from aigw_common.redaction import mask_token_shapes

_SHOW_MAX = 300  # observed bodies are cut so one paragraph stays one paragraph


def plain(expected: Any) -> Any:
    """Expectation as plain data: pydantic models are dumped, None-valued keys dropped."""
    if expected is None:
        return None
    if hasattr(expected, "model_dump"):
        expected = expected.model_dump(exclude_unset=True)
    if isinstance(expected, dict):
        return {k: plain(v) for k, v in expected.items() if v is not None}
    if isinstance(expected, (list, tuple)):
        return [plain(v) for v in expected]
    return expected


@dataclass(frozen=True)
class CheckContext:
    """What a check may use besides the observation: the run's redaction."""

    redact: Callable[[str], str] = mask_token_shapes


def show(value: Any, ctx: CheckContext | None = None) -> str:
    """A value for a message: repr-like, redacted and bounded (redacted *before* it is cut)."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    text = (ctx or CheckContext()).redact(text)
    if len(text) > _SHOW_MAX:
        text = text[:_SHOW_MAX] + f"…(+{len(text) - _SHOW_MAX} chars)"
    return repr(text) if isinstance(value, str) else text
