"""What a run was asked to do, read once from the command line and never changed."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunOptions:
    target: str = "reference"
    targets_file: Path | None = None
    profiles: tuple[str, ...] = ()
    report_dir: Path = Path("reports")
    run_id: str = ""
    capture: bool = True
    enforce: bool = False
    expected_failures: Path | None = None
    era: str | None = None
    catalogue: Path | None = None
    faults: tuple[str, ...] = ()

    @property
    def run_dir(self) -> Path:
        return self.report_dir / self.run_id


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + f"-{int(time.time() * 1000) % 1000:03d}"


__all__ = ["RunOptions", "new_run_id"]
