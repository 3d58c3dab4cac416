"""schemathesis over fixtures/openapi/auth-surface.yaml: `ignored_auth` on every operation and a
stateful run over the token lifecycle links (create -> use -> delete -> use).

Each operation is searched with `hypothesis.find` (programmatic, so it runs inside a harness item),
bounded by ``max_examples`` and ``deadline_s`` per operation; the first failing case is shrunk and
reported with the seed. Requests go through `guarded_requests.session` (network policy + timeout).
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis.errors import NoSuchExample, Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.openapi.checks import IgnoredAuth
from schemathesis.specs.openapi.checks import ignored_auth

from aigw_conformance import resources
from aigw_conformance.errors import MismatchDetail, TransportError
from aigw_conformance.fuzz.context import FuzzContext
from aigw_conformance.fuzz.guarded_requests import session as guarded_session

DATA_PREFIXES = ("/api/v2/ai-gateway", "/api/v2/aibridge")


def load_schema(ctx: FuzzContext, path: Path | None = None):
    schema = schemathesis.openapi.from_path(str(path or resources.openapi_file()))
    schema.config.update(base_url=ctx.base_url.rstrip("/"))
    return schema


PROTOCOL_REJECTION = (400, 403)  # AUTH-HTTP-003 (no key) and AUTH-VALIDATE-002 (bad key)
_GOT_STATUS = re.compile(r"got `(\d{3}) ")


@schemathesis.check
def protocol_ignored_auth(ctx, response, case):
    """schemathesis' `ignored_auth`, with the protocol's rejection codes.

    `ignored_auth` accepts only 401/403 as "rejected", but AUTH-HTTP-003 answers a request without
    any token with 400. A probe answered 400 or 403 therefore passes; 2xx (or anything else) fails.
    The status is read from the failure message, whose format is fixed in schemathesis 4.32.
    """
    try:
        return ignored_auth(ctx, response, case)
    except IgnoredAuth as failure:
        got = _GOT_STATUS.search(failure.message)
        if got and int(got.group(1)) in PROTOCOL_REJECTION:
            return None
        raise


def is_token_api(path: str) -> bool:
    return path.startswith("/api/v2/users/")


def selected(operation, ctx: FuzzContext, options: dict) -> bool:
    path = operation.path
    if is_token_api(path):
        return ctx.operator_token is not None and options.get("token_api", True)
    prefixes = options.get("prefixes") or list(DATA_PREFIXES)
    if not any(path.startswith(p + "/") for p in prefixes):
        return False
    provider = path.split("/")[4]
    return provider in ctx.providers and operation.definition.raw.get("operationId") != "UseToken"


def auth_headers(operation, ctx: FuzzContext, token: str, generated: bool) -> dict[str, str]:
    """Explicit valid credentials, or none so that schemathesis generates the header values."""
    if is_token_api(operation.path):
        return {"Coder-Session-Token": ctx.operator_token or ""}
    return {} if generated else {"Authorization": f"Bearer {token}"}


def _failure_text(exc: BaseException, ctx: FuzzContext) -> str:
    return ctx.redactor.redact(" ".join(str(exc).split()))[:1500]


def no_answer(exc: BaseException, ctx: FuzzContext) -> TransportError:
    return TransportError(f"the target did not answer the fuzz engine: {_failure_text(exc, ctx)[:300]}",
                          url=ctx.base_url)


CHECKS = [not_a_server_error, protocol_ignored_auth]


def _search_settings(max_examples: int) -> settings:
    return settings(max_examples=max_examples, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])


def clean_modes(operation, ctx: FuzzContext, sess, token: str, modes: list[bool], *,
                max_examples: int, deadline_s: float, seed: int) -> set[bool]:
    """The modes of ``operation`` whose search passes, decided from one generation of cases.

    Generation is most of a search's time, and a search that never finds anything draws the same
    cases whatever the mode (same strategy, same seed, the same False answers), so each case is
    drawn once and sent in every mode. A mode that fails or gets no answer is left out: its own
    search (`fuzz_operation`) then runs as before, resending those cases and shrinking to the same
    minimal case.
    """
    passing = set(modes)
    sent = dict.fromkeys(modes, 0)
    started = time.monotonic()

    def send_in_every_mode(case) -> bool:
        over = time.monotonic() - started > deadline_s * len(modes)  # each mode had deadline_s
        for generated in [m for m in modes if m in passing and sent[m] < 3 * max_examples]:
            if over:
                break
            sent[generated] += 1
            try:
                case.call_and_validate(session=sess, headers=auth_headers(operation, ctx, token, generated),
                                       checks=CHECKS)
            except requests.RequestException:
                passing.clear()   # the modes' own searches decide what "no answer" means
            except (Exception, BaseExceptionGroup):  # FailureGroup is a BaseExceptionGroup
                passing.discard(generated)
        return False

    try:
        find(operation.as_strategy(), send_in_every_mode, settings=_search_settings(max_examples),
             random=random.Random(seed))
    except (NoSuchExample, Unsatisfiable):
        pass
    return passing


def fuzz_operation(operation, ctx: FuzzContext, sess, token: str, *, generated: bool,
                   max_examples: int, deadline_s: float, seed: int) -> MismatchDetail | None:
    failures: dict[int, str] = {}
    unanswered: list[BaseException] = []
    started = time.monotonic()
    sent = [0]

    def fails(case) -> bool:
        over = time.monotonic() - started > (2 if failures else 1) * deadline_s
        if over or unanswered or sent[0] >= 3 * max_examples:
            return False
        sent[0] += 1
        headers = auth_headers(operation, ctx, token, generated)
        try:
            case.call_and_validate(session=sess, headers=headers, checks=CHECKS)
        except requests.RequestException as exc:
            unanswered.append(exc)   # judged after the search: no answer is no finding
            return False
        except (Exception, BaseExceptionGroup) as exc:  # FailureGroup is a BaseExceptionGroup
            failures[id(case)] = failures[-1] = _failure_text(exc, ctx)
            return True
        return False

    try:
        minimal = find(operation.as_strategy(), fails, settings=_search_settings(max_examples),
                       random=random.Random(seed))
    except (NoSuchExample, Unsatisfiable):
        minimal = None
    if unanswered and not failures:
        raise no_answer(unanswered[0], ctx)
    if minimal is None:
        return None
    why = failures.get(id(minimal), failures.get(-1, "failed"))
    mode = "generated credentials" if generated else "valid credentials + ignored_auth probes"
    return MismatchDetail(
        check=f"fuzz schemathesis {operation.label} ({mode}, seed {seed})",
        expected="no 5xx; declared authentication enforced (ignored_auth)",
        observed=ctx.redactor.redact(f"{why}; minimal case: {minimal.method} {minimal.formatted_path}"
                                 f" headers={dict(minimal.headers or {})}; replay with seed: {seed}"),
        step="fuzz")


def run(ctx: FuzzContext, *, stateful: bool, max_examples: int, deadline_s: float, seed: int,
        options: dict) -> list[MismatchDetail]:
    schema = load_schema(ctx, Path(options["schema"]) if options.get("schema") else None)
    host = ctx.base_url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    ctx.policy.check(host)  # fail before generating anything if the target is outside policy
    if ctx.operator_token:
        ctx.redactor.add_token(ctx.operator_token)
    if stateful:
        from aigw_conformance.fuzz import stateful as stateful_run
        return stateful_run.run(schema, ctx, max_examples=max_examples, deadline_s=deadline_s,
                                seed=seed, options=options)
    token = ctx.mint_token()
    ctx.redactor.add_token(token)
    details: list[MismatchDetail] = []
    log: list[str] = []
    with guarded_session(ctx.policy, ctx.timeout, ctx.mint_path, ctx.tap_answer, ctx.test_id) as sess:
        for result in schema.get_all_operations():
            operation = result.ok()
            if not selected(operation, ctx, options):
                continue
            modes = [False] if is_token_api(operation.path) else [False, True]
            budget = dict(max_examples=max_examples, deadline_s=deadline_s, seed=seed)
            # one mode gains nothing from sharing, and would send twice on a finding
            passing = clean_modes(operation, ctx, sess, token, modes, **budget) if len(modes) > 1 else set()
            for generated in modes:
                detail = None if generated in passing else fuzz_operation(
                    operation, ctx, sess, token, generated=generated, **budget)
                log.append(f"{operation.label} generated={generated}: "
                           f"{'FAIL' if detail else 'ok'}")
                if detail:
                    details.append(detail)
    ctx.record(f"schemathesis run (seed {seed})", ctx.redactor.redact("\n".join(log)))
    return details
