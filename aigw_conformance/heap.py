"""When CPython's cyclic garbage collector may run while the harness works.

Each automatic full collection rescans every live object. Two phases of a run make many objects and
almost no cyclic garbage, so those rescans are nearly all the cost they add:
- collection builds what lives until the run ends (YAML nodes, scenario models, pytest items): with
  automatic collections on, they were 60 % of collecting 10,000 scenarios, for 7 MB of garbage
  among 170 MB (bench/collection.py);
- a fuzz step churns short-lived objects, and each full collection would rescan the harness's heap.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_automatic_collection() -> Iterator[None]:
    """Automatic collections off inside (they resume, as they were, on the way out)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextmanager
def harness_heap_frozen() -> Iterator[None]:
    """What is alive on entry is skipped by every collection inside (hypothesis even forces one on
    first use), and is scanned again after."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


__all__ = ["no_automatic_collection", "harness_heap_frozen"]
