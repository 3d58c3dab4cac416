"""The seam between the scenario runner and the client runner: `runner.steps.STEP_RUNNERS[ClientStep]`.

The only module of this package that reads the run: it gathers what a client step needs into an
explicit ClientRunEnv, runs the step and turns "cannot run here" into a not-supported skip. It reads
only fields the frozen `Run` declares (endpoints, target, policy, redactor, capture, canary,
transports, run_dir).
"""

from __future__ import annotations

import os
from pathlib import Path

from aigw_conformance.runner.canary import new_tracking_id

from .run_step import ClientRunEnv, ClientUnavailable, run_client_step

SHAPES_ENV = "AIGW_RECORD_CLIENT_SHAPES"   # set by `aigw-conformance clients record` for its own run


def run_client(ctx, state, step, label: str) -> None:
    """STEP_RUNNERS entry for the typed centre: NotRunnable for not-supported, Mismatch for a failure."""
    from aigw_conformance.runner.case import NotRunnable, mismatch, template_context
    from aigw_conformance.scenario.templating import render

    run = ctx.run
    proxy = run.transports.get("proxy")
    ca = (getattr(proxy, "ca_pems", None) or (None,))[0]
    endpoints = {**run.endpoints, **({"proxy": proxy.proxy_url} if proxy is not None else {})}  # tap or target
    env = ClientRunEnv(endpoints=endpoints, prefix=str(run.target.prefixes.get("canonical", "")).rstrip("/"),
                       policy=run.policy, redactor=run.redactor, capture=run.capture, canary=run.canary,
                       proxy_ca_pem=ca, run_dir=run.run_dir, host_env=dict(os.environ),
                       shapes_dir=Path(os.environ[SHAPES_ENV]) if os.environ.get(SHAPES_ENV) else None)
    tracking_id = new_tracking_id()
    try:
        details = run_client_step(step, env=env, context=template_context(ctx, state, tracking_id), render=render,
                                  test_id=ctx.test_id, tracking_id=tracking_id, record=ctx.attach, label=label)
    except ClientUnavailable as exc:
        raise NotRunnable(str(exc)) from None
    finally:
        if run.capture is not None:
            state.add_evidence(run.capture.evidence(ctx.test_id))
    if details:
        raise mismatch(ctx, state, details)
