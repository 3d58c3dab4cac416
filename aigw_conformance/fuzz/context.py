"""The seam between the scenario engine and the fuzz engines: what a fuzz step may use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from aigw_common.netguard import LOOPBACK_ONLY, NetworkPolicy
from aigw_common.redaction import Redactor


def _no_record(name: str, text: str) -> None:  # default when no allure/evidence sink is wired
    return None


def _no_broker() -> str:
    raise RuntimeError("FuzzContext.mint_token was not given: the harness must pass its token broker")


@dataclass
class FuzzContext:
    """Everything a fuzz engine needs from the harness for one target.

    ``mint_token`` returns a fresh, valid ``ID-secret`` token (engines register it with
    ``redactor`` before using it); ``record(name, text)`` attaches evidence (already-redacted text) to the report.
    ``mint_path`` (a `tokens.mint_path.MintPath`) sees every request and answer of the engines'
    HTTP sessions, so a token an engine creates through the API is registered, carries the run's
    prefix (``token_prefix``) and is deleted at the end like the broker's own.
    """

    base_url: str
    prefix: str = "/api/v2/aibridge"
    providers: list[str] = field(default_factory=lambda: ["openai", "anthropic"])
    mint_token: Callable[[], str] = _no_broker
    operator_token: str | None = None
    policy: NetworkPolicy = LOOPBACK_ONLY
    timeout: float = 5.0
    seed: int | None = None
    record: Callable[[str, str], None] = _no_record
    redactor: Redactor = field(default_factory=Redactor)
    mint_path: object | None = None
    token_prefix: str = "aigw-fuzz-"
    # with capture on: tells an answer the tap wrote itself (its error page) from the gateway's,
    # so the engines report "no answer" instead of judging the tap's 502
    tap_answer: Callable[[object], bool] | None = None
    # sent as X-Aigw-Test-Id on every request, so the capture files the engine's flows under its test
    test_id: str = ""
