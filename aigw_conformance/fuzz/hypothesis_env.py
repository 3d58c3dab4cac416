"""The hypothesis the fuzz engines run on: cases that follow from the seed alone, and no files left
where the user ran.

Two defaults of hypothesis suit a project's own tests, not a harness:
- One draw in twenty is a literal mined from the source of every "local" module loaded at that
  moment (anything outside site-packages and the standard library). Under an editable install that
  is the harness's own code, and the literals known depend on what the process has imported so far:
  with seed 5 the schemathesis engine sent `X-Api-Key: MismatchDetail` after a token-mutation step
  and `X-Api-Key: HTTP/1.1` without one. "Replay with seed N" has to replay the same cases whatever
  ran before and however the harness is installed, so the engines draw no mined literals.
- Its caches (mined literals, unicode tables) go to `.hypothesis/` under the current directory:
  the user's checkout, after every run. Here they go to a folder of the step's own, removed when
  it ends (not at exit: `aigw-conformance run` ends with os._exit, which runs no atexit handler);
  hypothesis keeps what it needs of them in memory.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import configuration
from hypothesis.internal.conjecture import providers


def _no_local_constants():
    return providers.Constants()


@contextmanager
def seed_only_hypothesis() -> Iterator[None]:
    """Inside: no literals mined from local source are drawn, and hypothesis stores its caches in a
    folder removed on the way out. Both are put back after, for any other user of hypothesis in the
    process (the plugin may run inside someone's pytest)."""
    home_before = configuration.storage_directory(intent_to_write=False).home_directory
    mined = getattr(providers, "_get_local_constants", None)   # hypothesis >= 6.131
    home = tempfile.mkdtemp(prefix="aigw-hypothesis-")
    configuration.set_hypothesis_home_dir(home)
    if mined is not None:
        providers._get_local_constants = _no_local_constants
    try:
        yield
    finally:
        if mined is not None:
            providers._get_local_constants = mined
        configuration.set_hypothesis_home_dir(home_before)
        shutil.rmtree(home, ignore_errors=True)


__all__ = ["seed_only_hypothesis"]
