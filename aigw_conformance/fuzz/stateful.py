"""Stateful schemathesis run over the token lifecycle links of auth-surface.yaml.

The links chain CreateToken -> UseToken (X-Api-Key = the new key), CreateToken -> GetTokenByName ->
DeleteToken -> UseToken. On top of the response checks, the machine keeps the lifecycle oracle
(AUTH-VALIDATE-004, AUTH-LIFECYCLE-005): a key it created and has not deleted must authenticate on
UseToken, a deleted or never-issued key must get 400/403. A violation is recorded with the steps
of its example (at most ``steps`` requests) and ends the run; it is not shrunk, because replaying
against a live server (tokens minted and deleted for real) is neither repeatable nor bounded.
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, Phase, seed as hypothesis_seed, settings
from hypothesis.errors import Flaky, Unsatisfiable
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import not_a_server_error

import requests

from aigw_conformance.errors import MismatchDetail
from aigw_conformance.fuzz.schemathesis_engine import no_answer
from aigw_conformance.fuzz.context import FuzzContext
from aigw_conformance.fuzz.guarded_requests import session as guarded_session

REJECTION = (400, 403)


class LifecycleViolation(AssertionError):
    pass


CHUNK = 5  # examples per hypothesis run; the time budget is checked between chunks
# No shrink phase: replaying a lifecycle against a live server is not bounded in time (each replay
# mints and deletes real tokens); a failing sequence has at most `steps` steps and is reported whole.
PHASES = [Phase.explicit, Phase.generate]


def _op_id(case) -> str:
    return case.operation.definition.raw.get("operationId", "")


def build_machine(schema, ctx: FuzzContext, sess, token: str):
    from aigw_conformance.fuzz.schemathesis_engine import is_token_api, protocol_ignored_auth

    base = schema.as_state_machine()
    alive: set[str] = set()
    deleted: set[str] = set()
    keys: dict[str, str] = {}  # id -> full key, to use a key right after its deletion
    provider = ctx.providers[0] if ctx.providers else "openai"
    use_url = f"{ctx.base_url.rstrip('/')}{ctx.prefix.rstrip('/')}/{provider}/v1/models"
    counter = [0]
    trace: list[str] = []      # "METHOD path -> status" of the current example
    findings: list[str] = []   # the first violation with its trace; the run stops after it

    class Lifecycle(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()
            trace.clear()  # one example = one machine instance

        def before_call(self, case) -> None:
            if _op_id(case) == "CreateToken" and isinstance(case.body, dict):
                # Names must be unique per server (409 otherwise); a replayed example would
                # otherwise follow different links and hypothesis would call it flaky.
                counter[0] += 1
                case.body["token_name"] = f"{ctx.token_prefix}fz{time.time_ns() % 10**9:09d}-{counter[0]}"
            super().before_call(case)

        def get_call_kwargs(self, case) -> dict:
            headers: dict[str, str] = {}
            if is_token_api(case.operation.path):
                headers["Coder-Session-Token"] = ctx.operator_token or ""
            elif _op_id(case) != "UseToken":
                headers["Authorization"] = f"Bearer {token}"
            return {"session": sess, "headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
            op = _op_id(case)
            if op == "CreateToken" and response.status_code == 201:
                key = (response.json() or {}).get("key", "")
                ctx.redactor.add_token(key)   # the session's mint path has registered it already
                alive.add(key.split("-")[0])
                keys[key.split("-")[0]] = key
            elif op == "DeleteToken" and response.status_code == 204:
                key_id = (case.path_parameters or {}).get("keyid", "")
                alive.discard(key_id)
                deleted.add(key_id)
                if key_id in keys:  # delete -> use: the very next request must be refused
                    after = sess.get(use_url, headers={"X-Api-Key": keys[key_id]})
                    self._judge_use(keys[key_id], after.status_code)
            trace.append(f"{case.method} {case.formatted_path} -> {response.status_code}")
            if findings:
                return
            try:
                self._judge(op, case, response)
                case.validate_response(response, checks=[not_a_server_error, protocol_ignored_auth],
                                       transport_kwargs=kwargs)
            except (Exception, BaseExceptionGroup) as exc:
                # Recorded, not raised: a live server's state changes between replays, so hypothesis
                # would call any replayed failure flaky. The trace of this example is the evidence.
                findings.append(f"{' '.join(str(exc).split())} | steps: " + "; ".join(trace))

        def _judge(self, op, case, response) -> None:
            if op == "UseToken":
                used = str((case.headers or {}).get("X-Api-Key", "")).strip()
                self._judge_use(used, response.status_code)

        @staticmethod
        def _judge_use(used: str, status: int) -> None:
            key_id = used.split("-")[0]
            if key_id in deleted and status not in REJECTION:
                raise LifecycleViolation(f"a deleted token was accepted on UseToken (status {status}); "
                                         "AUTH-VALIDATE-004 wants 403 on the next request")
            if key_id in alive and status in REJECTION:
                raise LifecycleViolation(f"a token just created and not deleted was rejected ({status})")
            if key_id not in alive and key_id not in deleted and status not in REJECTION and status < 500:
                raise LifecycleViolation(f"a token the run never minted was accepted (status {status})")

    Lifecycle.findings = findings
    return Lifecycle


def run(schema, ctx: FuzzContext, *, max_examples: int, deadline_s: float, seed: int,
        options: dict) -> list[MismatchDetail]:
    if ctx.operator_token is None:
        # Without the token API there is no lifecycle to walk; the step cannot be evaluated.
        from aigw_conformance.errors import TargetError
        raise TargetError("schemathesis-stateful needs the token API (an operator token)")
    token = ctx.mint_token()
    ctx.redactor.add_token(token)
    wanted = set(options.get("operations") or
                 ["CreateToken", "GetTokenByName", "DeleteToken", "UseToken"])
    schema = schema.include(operation_id=list(wanted))
    steps = int(options.get("steps", 6))
    started = time.monotonic()
    done = 0
    notes: list[str] = []
    with guarded_session(ctx.policy, ctx.timeout, ctx.mint_path, ctx.tap_answer, ctx.test_id) as sess:
        machine = build_machine(schema, ctx, sess, token)
        while done < max_examples and time.monotonic() - started < deadline_s:
            chunk = min(CHUNK, max_examples - done)
            # Chunk i runs with seed+i, so "replay with seed" reproduces the whole sequence.
            conf = settings(max_examples=chunk, deadline=None, database=None,
                            stateful_step_count=steps, suppress_health_check=list(HealthCheck),
                            phases=PHASES)
            hypothesis_seed(seed + done // CHUNK)(machine)
            try:
                run_state_machine_as_test(machine, settings=conf)
            except Unsatisfiable:
                pass
            except Flaky as exc:
                # The server's state differs between hypothesis' replays (tokens really are
                # minted and deleted); that ends this chunk but is no finding about the gateway.
                notes.append(f"chunk {done // CHUNK}: {type(exc).__name__}")
            except requests.RequestException as exc:
                # no answer from the target is no finding about it: the step has no verdict
                raise no_answer(exc, ctx) from exc
            except (Exception, BaseExceptionGroup) as exc:
                if not machine.findings:
                    return [_detail(str(exc), ctx, seed)]
            if machine.findings:
                return [_detail(machine.findings[0], ctx, seed)]
            done += chunk
    ctx.record(f"schemathesis-stateful (seed {seed})",
               f"{done} examples of up to {steps} steps without a failure; " + "; ".join(notes))
    return []


def _detail(finding: str, ctx: FuzzContext, seed: int) -> MismatchDetail:
    text = ctx.redactor.redact(finding)
    ctx.record(f"schemathesis-stateful failure (seed {seed})", text)
    return MismatchDetail(
        check=f"fuzz schemathesis-stateful token lifecycle (seed {seed})",
        expected="create -> use authenticates, delete -> use gets 403, no 5xx, auth enforced",
        observed=" ".join(text.split())[:2000] + f"; replay with seed: {seed}",
        step="fuzz")
