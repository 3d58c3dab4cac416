"""Helpers shared by the check modules: normalising expectations and showing values safely."""

from __future__ import annotations

import json
from typing import Any

from aigw_conformance.redact import redact

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


def show(value: Any) -> str:
    """A value for a message: repr-like, redacted and bounded."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    text = redact(text)
    if len(text) > _SHOW_MAX:
        text = text[:_SHOW_MAX] + f"…(+{len(text) - _SHOW_MAX} chars)"
    return repr(text) if isinstance(value, str) else text
