"""The token-mutation engine: hypothesis searches for a near-miss credential the gateway accepts.

Runs `hypothesis.find` programmatically (inside whatever harness item calls it). The condition sends
one request per example and is true for a *finding*: a non-equivalent credential that was not
rejected with 400/403, any 5xx, or no answer in time. `find` shrinks to the minimal such example.
Budget: ``max_examples`` requests for the search plus at most as many again while shrinking, and
``deadline_s`` wall-clock seconds for the search (shrinking gets the same again); after that the
condition answers False without sending, which ends the run.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis.errors import NoSuchExample, Unsatisfiable

from aigw_common import netguard
from aigw_conformance.errors import MismatchDetail, TargetError, TransportError
from aigw_conformance.fuzz.context import FuzzContext
from aigw_conformance.fuzz.extract import may_authenticate
from aigw_conformance.fuzz.masking import mask_token, register_near_copies
from aigw_conformance.fuzz.mutations import Presentation, presentations
from aigw_conformance.fuzz.send import Outcome, send

REJECTION = (400, 403)


@dataclass
class Budget:
    max_examples: int
    deadline_s: float
    sent: int = 0
    started: float = field(default_factory=time.monotonic)
    found_at: float | None = None

    def allows(self) -> bool:
        now = time.monotonic()
        if self.found_at is None:
            return self.sent < self.max_examples and now - self.started < self.deadline_s
        return self.sent < 2 * self.max_examples and now - self.found_at < self.deadline_s


def judge(p: Presentation, outcome: Outcome, token: str) -> str | None:
    """Why this outcome breaks the protocol, or None when it is acceptable."""
    if outcome.status is None:
        if outcome.raw and outcome.problem and "timeout" not in outcome.problem \
                and "within" not in outcome.problem:
            return None  # a malformed request dropped without an answer is a rejection too
        return f"no usable answer ({outcome.problem})"
    if outcome.status >= 500:
        return f"server error {outcome.status}"
    if outcome.status in REJECTION or may_authenticate(list(p.headers), token):
        return None
    if 200 <= outcome.status < 300:
        return f"status {outcome.status}: a credential that is not the minted token was accepted"
    return (f"status {outcome.status}: neither of the protocol's rejection codes (400/403) for a "
            "credential that is not the minted token")


def data_url(ctx: FuzzContext, provider: str) -> str:
    return f"{ctx.base_url.rstrip('/')}{ctx.prefix.rstrip('/')}/{provider}/v1/models"


def run(ctx: FuzzContext, *, max_examples: int, deadline_s: float, seed: int,
        options: dict) -> list[MismatchDetail]:
    token = ctx.mint_token()
    ctx.redactor.add_token(token)
    provider = options.get("provider") or (ctx.providers[0] if ctx.providers else "openai")
    url = data_url(ctx, provider)
    method = str(options.get("method", "GET")).upper()
    carriers = options.get("carriers")
    budget = Budget(max_examples, deadline_s)
    seen: dict[Presentation, str] = {}
    log: list[str] = []

    with netguard.client(ctx.policy, timeout=ctx.timeout, keep_cookies=False) as client:
        baseline = send(client, ctx.policy, method, url, [("Authorization", f"Bearer {token}")],
                        ctx.timeout, ctx.tap_answer, ctx.test_id)
        if baseline.status is None:
            raise TransportError(f"the target did not answer the fuzz engine on {method} {url}: "
                                 f"{baseline.problem}", url=url)
        if baseline.status in REJECTION or baseline.status >= 500:
            raise TargetError(f"the freshly minted token was not accepted on {method} {url} "
                              f"(observed {baseline.status or baseline.problem}); cannot fuzz")

        unanswered: list[str] = []

        def is_finding(p: Presentation) -> bool:
            if p in seen:
                return True
            if unanswered or not budget.allows():
                return False
            budget.sent += 1
            register_near_copies(ctx.redactor, p.headers, token)   # before anything can record it
            outcome = send(client, ctx.policy, method, url, list(p.headers), ctx.timeout, ctx.tap_answer,
                           ctx.test_id)
            log.append(f"{outcome.status or outcome.problem}\t{p.describe()}")
            if outcome.status is None and (outcome.problem or "").startswith("the capture tap"):
                unanswered.append(outcome.problem or "")   # the harness's own answer: no finding
                return False
            why = judge(p, outcome, token)
            if why is None:
                return False
            seen[p] = why
            if budget.found_at is None:
                budget.found_at = time.monotonic()
            return True

        conf = settings(max_examples=max_examples, deadline=None, database=None,
                        derandomize=False, suppress_health_check=list(HealthCheck),
                        phases=[Phase.generate, Phase.shrink])
        try:
            minimal = find(presentations(token, carriers), is_finding, settings=conf,
                           random=random.Random(seed))
        except (NoSuchExample, Unsatisfiable):
            minimal = None
        if unanswered and minimal is None:
            raise TransportError(f"the target stopped answering the fuzz engine: {unanswered[0]}", url=url)

    def safe(text: str) -> str:
        return mask_token(ctx.redactor.redact(text), token)

    ctx.record(f"token-mutation log (seed {seed})", safe(f"{method} {url}\n" + "\n".join(log)))
    if minimal is None:
        return []
    return [MismatchDetail(
        check=f"fuzz token-mutation (seed {seed})",
        expected="400 or 403 for every credential other than the minted token, never 5xx or a hang",
        observed=safe(f"{seen[minimal]}; minimal example: {minimal.describe()}; "
                                 f"{budget.sent} requests; replay with seed: {seed}"),
        step="fuzz")]
