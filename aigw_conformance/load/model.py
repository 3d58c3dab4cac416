"""The validated workload model (suites/load/workloads.yaml): frozen pydantic models, unknown keys refused.

A workload is a kind of traffic plus the rule it protects. Rates are requests per second for the
whole workload (all users, all workers together); durations are seconds of steady traffic.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, field_validator, model_validator

from aigw_conformance.scenario.base import Frozen

ID_RE = r"^LOAD-[A-Z0-9][A-Z0-9-]*$"
CARRIERS = ("bearer", "x-api-key", "governance")
Carrier = Literal["bearer", "x-api-key", "governance"]
MAX_DURATION_S = 600.0          # one workload; a longer soak is a different tool
MAX_USERS = 2000
MAX_RATE = 20000.0


class MixEntry(Frozen):
    """One kind of token in the mixed traffic, sent on each of its carriers in turn."""
    token: str                                   # a broker token kind: valid, expired, malformed:NAME …
    carriers: tuple[Carrier, ...] = CARRIERS
    weight: float = Field(default=1.0, gt=0)
    expect: tuple[int, ...] | None = None        # default: 200 valid, 400 none, 403 otherwise

    @field_validator("expect", mode="before")
    @classmethod
    def _expect(cls, v):
        v = [v] if isinstance(v, int) else v
        if v is not None and (not v or any(not isinstance(s, int) or not 100 <= s <= 599 for s in v)):
            raise ValueError("expect is an HTTP status or a non-empty list of them")
        return v


class _Base(Frozen):
    id: str = Field(pattern=ID_RE)
    requirement: tuple[str, ...] = Field(min_length=1)
    title: str = ""
    level: Literal["MUST", "SHOULD"] = "SHOULD"   # MUST only when the target claims `load` (or --gate)
    route: str = "openai.models"
    endpoint: str = "default"
    duration_s: float = Field(default=3.0, gt=0, le=MAX_DURATION_S)
    timeout_s: float = Field(default=5.0, gt=0, le=60)
    max_requests: int | None = Field(default=None, gt=0)   # default: 1.5 x rate x duration + 100
    line: int = 0                                # filled in by the loader


class Mixed(_Base):
    kind: Literal["mixed"]
    users: int = Field(default=8, ge=1, le=MAX_USERS)
    rate: float = Field(default=60.0, gt=0, le=MAX_RATE)
    mix: tuple[MixEntry, ...] = Field(min_length=1)


class Revoke(Frozen):
    how: tuple[Literal["delete", "expire"], ...] = ("delete",)
    at: float = Field(default=0.4, gt=0, lt=1)      # when, as a fraction of duration_s

    @field_validator("how", mode="before")
    @classmethod
    def _how(cls, v):
        return [v] if isinstance(v, str) else v


class Revocation(_Base):
    kind: Literal["revocation"]
    users: int = Field(default=8, ge=1, le=MAX_USERS)
    rate: float = Field(default=40.0, gt=0, le=MAX_RATE)
    carriers: tuple[Carrier, ...] = ("bearer", "x-api-key")
    revoke: Revoke = Field(default_factory=Revoke)
    clock_skew_s: float = Field(default=0.0, ge=0, le=5)   # allowance for workers on other machines


class FloodValid(Frozen):
    users: int = Field(default=2, ge=1, le=MAX_USERS)
    rate: float = Field(default=5.0, gt=0, le=MAX_RATE)


class FloodBogus(Frozen):
    users: int = Field(default=8, ge=1, le=MAX_USERS)
    factor: float = Field(default=20.0, ge=1)          # bogus rate = factor x valid rate
    tokens: tuple[str, ...] = ("unknown-id", "wrong-secret", "malformed:no-hyphen")


class Latency(Frozen):
    percentile: Literal[50, 90, 95, 99] = 95
    factor: float = Field(default=4.0, ge=1)
    floor_ms: float = Field(default=25.0, ge=0)   # below this, a ratio of tiny numbers is noise


class Flood(_Base):
    kind: Literal["flood"]
    valid: FloodValid = Field(default_factory=FloodValid)
    bogus: FloodBogus = Field(default_factory=FloodBogus)
    baseline: float = Field(default=0.5, gt=0, lt=1)     # valid traffic alone first (fraction of duration_s)
    latency: Latency = Field(default_factory=Latency)
    carriers: tuple[Carrier, ...] = ("bearer",)


class RateGroup(Frozen):
    users: int = Field(default=2, ge=1, le=MAX_USERS)
    rate_per_user: float = Field(gt=0, le=MAX_RATE)


class RateLimit(_Base):
    kind: Literal["rate-limit"]
    endpoint: str = "rate-limited"
    limit: int = Field(ge=1)                      # requests per 1 s per token the endpoint allows
    under: RateGroup
    over: RateGroup
    carriers: tuple[Carrier, ...] = ("bearer",)

    @model_validator(mode="after")
    def _groups(self):
        if self.under.rate_per_user > self.limit / 2:
            raise ValueError(f"under.rate_per_user must be at most half the limit ({self.limit / 2}) so that "
                             "timing jitter cannot push it over")
        if self.over.rate_per_user <= self.limit * 1.5:
            raise ValueError(f"over.rate_per_user must exceed 1.5 x the limit ({self.limit * 1.5})")
        return self


Workload = Annotated[Union[Mixed, Revocation, Flood, RateLimit], Field(discriminator="kind")]
KINDS = ("mixed", "revocation", "flood", "rate-limit")


class WorkloadFile(Frozen):
    description: str = ""
    defaults: dict = Field(default_factory=dict)
    workloads: tuple[Workload, ...] = Field(min_length=1)
    file: str = ""


def planned_rate(w: Workload) -> float:
    """Requests per second the workload sends when every user keeps its pace."""
    if isinstance(w, Flood):
        return w.valid.rate * (1 + w.bogus.factor)
    if isinstance(w, RateLimit):
        return w.under.users * w.under.rate_per_user + w.over.users * w.over.rate_per_user
    return w.rate


def request_budget(w: Workload) -> int:
    return w.max_requests or int(1.5 * planned_rate(w) * w.duration_s) + 100


__all__ = ["Workload", "WorkloadFile", "Mixed", "Revocation", "Flood", "RateLimit", "MixEntry", "Revoke",
           "FloodValid", "FloodBogus", "Latency", "RateGroup", "CARRIERS", "KINDS", "planned_rate",
           "request_budget", "MAX_DURATION_S"]
