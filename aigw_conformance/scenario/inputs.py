"""Locating the harness's input files: a relative default that is missing from the working
directory is looked up at the repository top (the package is installed editable)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent


def locate(path: Path | str) -> Path:
    p = Path(path)
    if p.is_absolute() or p.exists():
        return p
    alt = REPO / p
    return alt if alt.exists() else p


__all__ = ["locate", "REPO"]
