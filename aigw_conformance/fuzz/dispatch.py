"""Turn a `fuzz:` step into one engine run, with a recorded seed and bounded budget."""

from __future__ import annotations

import random
import sys

from aigw_conformance.errors import ConfigError, MismatchDetail
from aigw_conformance.fuzz.context import FuzzContext
from aigw_conformance.heap import harness_heap_frozen

ENGINES = ("token-mutation", "schemathesis", "schemathesis-stateful")
MAX_EXAMPLES_CAP = 10_000
DEADLINE_CAP_S = 600.0


def _field(step, name: str, default=None):
    if isinstance(step, dict):
        return step.get(name, default)
    return getattr(step, name, default)


def step_settings(step) -> dict:
    """Accept the B1 model (``step.fuzz``), its inner model, or a plain dict."""
    inner = _field(step, "fuzz", None)
    spec = inner if inner is not None else step
    engine = _field(spec, "engine")
    if engine not in ENGINES:
        raise ConfigError(f"unknown fuzz engine {engine!r}; expected one of {', '.join(ENGINES)}",
                          field="fuzz.engine")
    max_examples = int(_field(spec, "max_examples", 50) or 50)
    deadline_s = float(_field(spec, "deadline_s", 30.0) or 30.0)
    if not 1 <= max_examples <= MAX_EXAMPLES_CAP:
        raise ConfigError(f"max_examples must be 1..{MAX_EXAMPLES_CAP}, got {max_examples}",
                          field="fuzz.max_examples")
    if not 0 < deadline_s <= DEADLINE_CAP_S:
        raise ConfigError(f"deadline_s must be in (0, {DEADLINE_CAP_S:g}], got {deadline_s}",
                          field="fuzz.deadline_s")
    return {"engine": engine, "max_examples": max_examples, "deadline_s": deadline_s,
            "seed": _field(spec, "seed", None), "options": dict(_field(spec, "options", None) or {})}


def run_fuzz_step(step, ctx: FuzzContext) -> list[MismatchDetail]:
    from aigw_conformance.fuzz.hypothesis_env import seed_only_hypothesis

    with harness_heap_frozen(), seed_only_hypothesis():
        return _run_engine(step, ctx)


def _run_engine(step, ctx: FuzzContext) -> list[MismatchDetail]:
    spec = step_settings(step)
    # Precedence: the step's seed, then the target's/command line's, else a fresh one (printed).
    seed = spec["seed"] if spec["seed"] is not None else ctx.seed
    if seed is None:
        seed = random.SystemRandom().randrange(2**32)
    seed = int(seed)
    note = f"fuzz {spec['engine']}: seed {seed} (replay with seed: {seed})"
    print(note, file=sys.stderr)
    ctx.record("fuzz seed", note)
    kwargs = dict(max_examples=spec["max_examples"], deadline_s=spec["deadline_s"], seed=seed,
                  options=spec["options"])
    if spec["engine"] == "token-mutation":
        from aigw_conformance.fuzz import token_mutation
        return token_mutation.run(ctx, **kwargs)
    from aigw_conformance.fuzz import schemathesis_engine
    return schemathesis_engine.run(ctx, stateful=spec["engine"] == "schemathesis-stateful", **kwargs)
