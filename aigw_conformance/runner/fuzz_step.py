"""A `fuzz:` step: the fuzz engines get what they may use of the run, nothing more (FuzzContext)."""

from __future__ import annotations

from aigw_conformance.errors import MismatchDetail
from aigw_conformance.scenario.model import FuzzStep
from aigw_conformance.scenario.routes import prefix_path
from aigw_conformance.tokens.naming import run_prefix

from .case import CaseContext


def _tap_answer(headers) -> bool:
    from aigw_conformance.capture.tap_errors import is_tap_answer
    return is_tap_answer(headers)


def run_fuzz_step(ctx: CaseContext, step: FuzzStep, label: str) -> list[MismatchDetail]:
    from aigw_conformance.fuzz import FuzzContext, run_fuzz_step as run_engine

    run = ctx.run
    broker = run.broker_for(ctx.deployment)

    def mint() -> str:
        tok = broker.mint(f"{ctx.test_id}:fuzz", kind="valid")
        run.redactor.add_token(tok.value)
        return tok.value

    fuzz_ctx = FuzzContext(
        base_url=run.endpoints["default"], prefix=prefix_path(run.target, "canonical"),
        providers=sorted(dict(run.target.providers).values()), mint_token=mint,
        operator_token=run.operator_token, policy=run.policy, timeout=run.timeout, seed=step.fuzz.seed,
        record=lambda name, text: ctx.attach(name, run.redactor.redact(text)),
        redactor=run.redactor, mint_path=run.mint_path, token_prefix=run_prefix(run.options.run_id),
        tap_answer=_tap_answer if run.capture is not None else None,
        test_id=ctx.test_id if run.capture is not None else "")
    details = run_engine(step, fuzz_ctx)
    for d in details:
        d.step = d.step or label
    return details
