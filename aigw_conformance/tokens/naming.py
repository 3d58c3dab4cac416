"""How everything a run creates on a target is named: ``aigw-<run tag>-…``.

The tag is six hex digits of the run id's SHA-256: short enough that a scenario's own token names
(``{{ run.prefix }}c-create-<token id>``) stay within Coder's 32 characters, distinct per run so
`aigw-conformance clean --run ID` removes one run's leftovers and nobody else's.
"""

from __future__ import annotations

import hashlib

HARNESS_PREFIX = "aigw-"


def run_tag(run_id: str) -> str:
    return hashlib.sha256(run_id.encode()).hexdigest()[:6]


def run_prefix(run_id: str) -> str:
    return f"{HARNESS_PREFIX}{run_tag(run_id)}-"


__all__ = ["HARNESS_PREFIX", "run_tag", "run_prefix"]
