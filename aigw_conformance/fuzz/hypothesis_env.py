"""The hypothesis the fuzz engines run on: cases that follow from the seed alone, and its caches
kept in the user's cache folder, not where the user ran.

Two defaults of hypothesis suit a project's own tests, not a harness:
- One draw in twenty is a literal mined from the source of every "local" module loaded at that
  moment (anything outside site-packages and the standard library). Under an editable install that
  is the harness's own code, and the literals known depend on what the process has imported so far:
  with seed 5 the schemathesis engine sent `X-Api-Key: MismatchDetail` after a token-mutation step
  and `X-Api-Key: HTTP/1.1` without one. "Replay with seed N" has to replay the same cases whatever
  ran before and however the harness is installed, so the engines draw no mined literals.
- Its caches go to `.hypothesis/` under the current directory: the user's checkout, after every
  run. They are Unicode tables (with no mined literals, nothing from any source): computing the
  one for UTF-8 takes about 1 s, so they are worth keeping, in `$XDG_CACHE_HOME/aigw-conformance/
  hypothesis` (`~/.cache/…` by default) as other command-line tools keep theirs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import configuration
from hypothesis.internal.conjecture import providers


def cache_home() -> Path | None:
    """The folder for hypothesis's caches, or None when there is no usable one (no home, read-only)."""
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        home = base / "aigw-conformance" / "hypothesis"
        home.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):
        return None
    return home if os.access(home, os.W_OK) else None


def _no_local_constants():
    return providers.Constants()


@contextmanager
def seed_only_hypothesis() -> Iterator[None]:
    """Inside: no literals mined from local source are drawn, and hypothesis keeps its caches in
    `cache_home()` (a folder of the step's own, removed after, when there is none). Both are put back
    on the way out, for any other user of hypothesis in the process (the plugin may run inside
    someone's pytest)."""
    home_before = configuration.storage_directory(intent_to_write=False).home_directory
    mined = getattr(providers, "_get_local_constants", None)   # absent before hypothesis mined literals
    home = cache_home()
    scratch = None if home is not None else tempfile.mkdtemp(prefix="aigw-hypothesis-")
    configuration.set_hypothesis_home_dir(home or scratch)
    if mined is not None:
        providers._get_local_constants = _no_local_constants
    try:
        yield
    finally:
        if mined is not None:
            providers._get_local_constants = mined
        configuration.set_hypothesis_home_dir(home_before)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


__all__ = ["seed_only_hypothesis", "cache_home"]
