"""The target kinds a targets.yaml may name: one module each, one entry here (`kind.TargetKind`)."""

from __future__ import annotations

from . import external, reference
from .kind import StartContext, StartedTarget, TargetKind

KINDS: dict[str, TargetKind] = {k.name: k for k in (reference.KIND, external.KIND)}

__all__ = ["KINDS", "TargetKind", "StartContext", "StartedTarget"]
