"""Keep modules the project never uses from being imported by the ones it does.

- ``trio``: httpcore imports it whenever it is installed, to support trio's event loop; the harness
  and the reference run on asyncio and plain threads only. Where trio happens to be installed beside
  them (a shared CI image, a system Python), that import cost ~0.12 s of CPU in every process at
  its first request (the harness, each xdist worker, the reference; 2 cores, 2026-12-02); a pipx
  install has no trio and pays nothing.
- ``httpx._main``: the ``httpx`` command-line client (click, rich's syntax highlighting, pygments),
  which ``import httpx`` loads for the name ``httpx.main``: ~60 ms of every process's start. The
  ``httpx`` console script is a process of its own and is not affected.

A ``None`` entry in ``sys.modules`` is the import system's own way to make an import fail
(ModuleNotFoundError), which both importers treat as "not installed".

Only processes the project owns from their first line call `skip_unused`: the reference's
``python -m aigw_reference``, and ``aigw-conformance run`` with its xdist workers (through `ENV`).
A run that loads plugins of its own (``-p``) may need them, and skips nothing.
"""

from __future__ import annotations

import os
import sys

UNUSED = ("trio", "httpx._main")
ENV = "AIGW_SKIP_UNUSED_IMPORTS"   # set by `aigw-conformance run` for its xdist workers


def skip_unused() -> None:
    for name in UNUSED:
        if name not in sys.modules:   # already imported: someone in this process uses it
            sys.modules[name] = None


def skip_for_run(argv: list[str]) -> None:
    """`aigw-conformance run` and, through ENV, its xdist workers; not a run naming plugins (-p)."""
    if any(a.startswith("-p") for a in argv):
        return
    skip_unused()
    os.environ[ENV] = "1"


def skip_if_asked() -> None:
    if os.environ.get(ENV) == "1":
        skip_unused()
