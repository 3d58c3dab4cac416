"""`body: {json: {...}, pad_to: N}`: a JSON object grown to exactly N bytes, for size limits
(Addendum A AUTH-HTTP-009: 32 MiB is accepted, one byte more is 413) without megabytes of YAML."""

from __future__ import annotations

import json
from typing import Any

PAD_KEY = "aigw_pad"
MAX_PAD = 64 * 1024 * 1024


def pad_json(obj: Any, size: int) -> bytes:
    """`obj` plus a `"aigw_pad": "xxx…"` member so that the encoded body is exactly `size` bytes."""
    if not isinstance(obj, dict):
        raise ValueError("pad_to needs a JSON object body")
    if not 0 < size <= MAX_PAD:
        raise ValueError(f"pad_to must be between 1 and {MAX_PAD} bytes")
    base = len(json.dumps({**obj, PAD_KEY: ""}).encode())
    if size < base:
        raise ValueError(f"pad_to {size} is smaller than the body itself ({base} bytes)")
    data = json.dumps({**obj, PAD_KEY: "x" * (size - base)}).encode()
    assert len(data) == size
    return data


__all__ = ["pad_json", "PAD_KEY", "MAX_PAD"]
