"""Which files are scenario suites, and under which paths a run looks for them.

A suite is recognised by its content, a top-level `scenarios:` key, wherever it lives and whatever
its folder is called. It is collected only under a *suite root*, a path the run names as suites:
every `--aigw-suites PATH` (what `aigw-conformance run --suites` passes), every YAML file named on
the pytest command line, and, for `pytest suites` in a checkout, a named folder called `suites` that
holds suite files. So `pytest tests` never collects a YAML file of the project's own tests as a suite.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from aigw_conformance.errors import ConfigError
from aigw_conformance.safeyaml import LIMITS

SUFFIXES = (".yaml", ".yml")
_SUITE_KEY = re.compile(rb"^scenarios[ \t]*:", re.MULTILINE)
# pytest's default norecursedirs, plus caches: a folder search agrees with what pytest collects.
_SKIP_DIRS = {"build", "dist", "node_modules", "venv", "CVS", "_darcs", "{arch}", "__pycache__"}
WHAT_IS_A_SUITE = "a suite is a .yaml/.yml file with a top-level `scenarios:` key"


def looks_like_suite(path: Path) -> bool:
    """A YAML file whose first MiB has a top-level `scenarios:` key (the loader judges the rest)."""
    if path.suffix not in SUFFIXES:
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(LIMITS.max_bytes)
    except OSError:
        return False
    return bool(_SUITE_KEY.search(head))


def suite_roots(args: Iterable[str], named: Iterable[str | Path], invocation_dir: Path) -> tuple[Path, ...]:
    """The suite roots of a pytest run (see the module docstring), resolved."""
    roots = [(invocation_dir / p).resolve() for p in named]
    for arg in args:
        given = Path(str(arg).split("::", 1)[0])
        p = invocation_dir / given
        if (p.suffix in SUFFIXES and p.is_file()) or (p.is_dir() and p.name == "suites" and _holds_suites(p)):
            roots.append(p.resolve())
    return tuple(dict.fromkeys(roots))


def _holds_suites(folder: Path) -> bool:
    """`pytest suites` names the suites folder of a checkout; tests/suites (Python tests) holds none."""
    return any(looks_like_suite(f) for f in folder.iterdir() if f.suffix in SUFFIXES)


def is_suite_file(path: Path, roots: tuple[Path, ...]) -> bool:
    """Collect `path` as a suite: it is a suite by content and lies under (or is) a suite root."""
    if path.suffix not in SUFFIXES or not roots:
        return False
    real = path.resolve()
    if not any(real == r or r in real.parents for r in roots):
        return False
    return looks_like_suite(path)


def suite_files(path: Path) -> list[Path]:
    """The suite files a named folder holds (recursively, as pytest collects), or the file itself."""
    if path.is_file():
        return [path] if looks_like_suite(path) else []
    found = []
    for f in sorted(path.rglob("*")):
        rel = f.relative_to(path).parts[:-1]
        if any(d.startswith(".") or d in _SKIP_DIRS or d.endswith(".egg") for d in rel):
            continue
        if f.is_file() and looks_like_suite(f):
            found.append(f)
    return found


def check_named(path: Path | str, option: str = "--suites") -> list[Path]:
    """The suites under a path the user named; a path with none is an error, not an empty run."""
    p = Path(path)
    if not p.exists():
        raise ConfigError("no such suite file or folder", file=str(p), field=option)
    files = suite_files(p)
    if files:
        return files
    if p.is_file():
        why = "not a YAML file" if p.suffix not in SUFFIXES else "no top-level `scenarios:` key"
        raise ConfigError(f"not a suite file ({why}); {WHAT_IS_A_SUITE}", file=str(p), field=option)
    raise ConfigError(f"no suite file in this folder; {WHAT_IS_A_SUITE}", file=str(p), field=option)


__all__ = ["SUFFIXES", "looks_like_suite", "suite_roots", "is_suite_file", "suite_files", "check_named"]
