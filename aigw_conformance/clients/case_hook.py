"""The seam between the scenario runner (runner/execute.py) and the client runner.

The only module of this package that reads the run context: it gathers what a client step needs
into an explicit ClientRunEnv, runs the step and turns "cannot run here" into a not-supported skip.
When the harness centre changes, this adapter is what follows it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aigw_conformance.errors import MismatchDetail
from aigw_conformance.redact import REDACTOR
from aigw_conformance.runner.canary import new_tracking_id

from .run_step import ClientRunEnv, ClientUnavailable, run_client_step

SHAPES_ENV = "AIGW_RECORD_CLIENT_SHAPES"   # set by `aigw-conformance clients record` for its own run


def run_env(rc) -> ClientRunEnv:
    from aigw_conformance.runner.build import _prefix
    proxy = rc.runners.get("proxy")
    ca = (getattr(proxy, "ca_pems", None) or (None,))[0]
    return ClientRunEnv(endpoints=dict(rc.endpoints), prefix=_prefix(rc.target, "canonical"), policy=rc.policy,
                        redactor=REDACTOR, capture=rc.capture, canary=rc.canary, proxy_ca_pem=ca,
                        run_dir=rc.run_dir, host_env=dict(os.environ),
                        shapes_dir=Path(os.environ[SHAPES_ENV]) if os.environ.get(SHAPES_ENV) else None)


def run_in_case(case_run, step, label: str) -> list[MismatchDetail]:
    tracking_id = new_tracking_id()
    rc = case_run.rc
    try:
        return run_client_step(step, env=run_env(rc), context=case_run.context(tracking_id),
                               render=case_run.render, test_id=case_run.test_id, tracking_id=tracking_id,
                               record=case_run.record, label=label)
    except ClientUnavailable as exc:
        pytest.skip(str(exc))
    finally:
        case_run.evidence += [e for e in rc.evidence(case_run.test_id) if e not in case_run.evidence]
