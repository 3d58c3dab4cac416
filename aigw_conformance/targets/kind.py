"""What a target kind is: a name, whether it needs a base URL, and how it starts.

`start` may launch processes; everything it starts is closed through `ctx.stack`, so the caller
stops it all in one place, also when start-up fails half way.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from aigw_common.redaction import Redactor

from .model import Target


@dataclass(frozen=True)
class StartContext:
    redactor: Redactor
    run_dir: Path                    # the run's report folder (logs land here, redacted)
    stack: ExitStack                 # closers of everything started
    era: str | None = None           # --era: overrides the declared era
    faults: tuple[str, ...] = ()     # reference only: named faults (testing the harness)


@dataclass(frozen=True)
class StartedTarget:
    target: Target
    extra_ca_pems: tuple[str, ...] = field(default=())   # CAs of harness parts the runners must trust


@dataclass(frozen=True)
class TargetKind:
    name: str
    needs_base_url: bool
    start: Callable[[Target, StartContext], StartedTarget]
    claims: tuple[str, ...] = ()     # profiles a target of this kind claims when it declares none


__all__ = ["TargetKind", "StartContext", "StartedTarget"]
