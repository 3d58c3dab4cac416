"""The validated scenario model: frozen pydantic models that forbid unknown keys.

`file` and `line` on Scenario and Step are filled in by the loader (they are not YAML keys; the
loader rejects them in input). Optional expectations are None when the scenario does not state
them. `HandshakeExpect.status` may legitimately be null ("closed without a response"), so a check
must ask `expect.handshake.given("status")` rather than test for None.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Union

from pydantic import (BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator,
                      model_validator)

ID_RE = r"^[A-Z0-9][A-Z0-9-]*$"
VARIANT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
MAX_SLEEP_S = 5.0


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def given(self, name: str) -> bool:
        """True when the YAML stated this field (even as null)."""
        return name in self.model_fields_set


def _status_ok(v: int) -> int:
    if not 100 <= v <= 599:
        raise ValueError(f"status {v} is not an HTTP status code (100-599)")
    return v


Status = Union[int, list[int]]


def _check_status(v: Status | None) -> Status | None:
    if v is None:
        return v
    for s in (v if isinstance(v, list) else [v]):
        _status_ok(s)
    if isinstance(v, list) and not v:
        raise ValueError("an empty list of allowed statuses can never match")
    return v


def _pairs(v: Any) -> Any:
    """A mapping or a list of [name, value] pairs → tuple of (name, str(value)) pairs."""
    if v is None:
        return ()
    if isinstance(v, dict):
        return tuple((str(k), "" if val is None else str(val)) for k, val in v.items())
    if isinstance(v, (list, tuple)):
        out = []
        for i, pair in enumerate(v):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise ValueError(f"item {i} must be a [name, value] pair")
            out.append((str(pair[0]), "" if pair[1] is None else str(pair[1])))
        return tuple(out)
    raise ValueError("must be a mapping or a list of [name, value] pairs")


# ------------------------------------------------------------------ requests
class JsonBody(_Frozen):
    json_: Any = Field(alias="json")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RawBody(_Frozen):
    raw: str


Body = Union[Literal["default", "none"], JsonBody, RawBody]


class Request(_Frozen):
    via: Literal["direct", "proxy"] = "direct"
    endpoint: str = "default"
    route: str | None = None
    path: str | None = None
    raw_path: str | None = None
    prefix: Literal["canonical", "legacy"] = "canonical"
    method: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: Body = "default"
    query: dict[str, str] = Field(default_factory=dict)
    proxy_auth: str | None = None
    connect_host: str | None = None
    # proxy only: "connect" (CONNECT, then TLS through the tunnel) or "absolute" (a plain-HTTP
    # absolute-form request to the proxy, AUTH-PROXY-006)
    proxy_form: Literal["connect", "absolute"] = "connect"

    _norm_headers = field_validator("headers", mode="before")(_pairs)

    @field_validator("method")
    @classmethod
    def _method(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[A-Za-z]+", v):
            raise ValueError(f"method {v!r} is not an HTTP method token")
        return v.upper() if v else v

    @field_validator("query", mode="before")
    @classmethod
    def _query(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {str(k): "" if x is None else str(x) for k, x in v.items()}
        return v

    @model_validator(mode="after")
    def _one_target(self) -> "Request":
        named = [n for n in ("route", "path", "raw_path") if getattr(self, n) is not None]
        if len(named) != 1:
            raise ValueError("give exactly one of route, path or raw_path"
                             + (f" (got {', '.join(named)})" if named else ""))
        if self.via == "direct" and (self.proxy_auth is not None or self.connect_host is not None
                                     or "proxy_form" in self.model_fields_set):
            raise ValueError("proxy_auth, connect_host and proxy_form need via: proxy")
        return self


# ------------------------------------------------------------------ expectations
class HeaderExpect(_Frozen):
    present: list[str] = Field(default_factory=list)
    absent: list[str] = Field(default_factory=list)
    equal: dict[str, str] = Field(default_factory=dict)
    match: dict[str, str] = Field(default_factory=dict)

    @field_validator("match")
    @classmethod
    def _regexes(cls, v: dict[str, str]) -> dict[str, str]:
        for name, rx in v.items():
            if "{{" in rx:
                continue  # templated: compiled after rendering
            try:
                re.compile(rx)
            except re.error as exc:
                raise ValueError(f"header {name}: invalid regex ({exc})") from None
        return v


class BodyExpect(_Frozen):
    exact: str | None = None
    json_: Any = Field(default=None, alias="json")
    contains: list[str] = Field(default_factory=list)
    not_contains: list[str] = Field(default_factory=list)
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class HandshakeExpect(_Frozen):
    status: Status | None = None
    reason: str | None = None
    headers: HeaderExpect | None = None
    body: BodyExpect | None = None
    closed: bool | None = None

    _status = field_validator("status")(_check_status)


class UpstreamExpect(_Frozen):
    reached: bool | None = None
    path: str | None = None
    headers: HeaderExpect | None = None
    not_contains: list[str] = Field(default_factory=list)


class Expect(_Frozen):
    status: Status | None = None
    headers: HeaderExpect | None = None
    body: BodyExpect | None = None
    handshake: HandshakeExpect | None = None
    upstream: UpstreamExpect | None = None

    _status = field_validator("status")(_check_status)


class SaveSpec(_Frozen):
    json_: str | None = Field(default=None, alias="json")
    header: str | None = None
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one(self) -> "SaveSpec":
        if (self.json_ is None) == (self.header is None):
            raise ValueError("give exactly one of json (a dotted path) or header")
        return self


# ------------------------------------------------------------------ steps
class _Located(_Frozen):
    file: str = ""
    line: int = 0


class RequestStep(_Located):
    request: Request
    expect: Expect = Field(default_factory=Expect)
    save: dict[str, SaveSpec] = Field(default_factory=dict)


class ActionStep(_Located):
    action: Literal["revoke", "mint", "sleep"]
    token: str | None = None
    how: Literal["delete", "expire"] = "delete"
    as_: str | None = Field(default=None, alias="as")
    kind: str = "valid"
    user: str | None = None
    seconds: float | None = None
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _fields_for_action(self) -> "ActionStep":
        if self.action == "revoke" and not self.token:
            raise ValueError("revoke needs `token:` (the name of a scenario token)")
        if self.action == "mint" and not self.as_:
            raise ValueError("mint needs `as:` (the name the new token gets)")
        if self.action == "sleep":
            if self.seconds is None or not 0 <= self.seconds <= MAX_SLEEP_S:
                raise ValueError(f"sleep needs `seconds:` between 0 and {MAX_SLEEP_S}")
        return self


class FuzzSpec(_Frozen):
    engine: str
    max_examples: int = Field(default=50, ge=1, le=10_000)
    deadline_s: float = Field(default=60.0, gt=0, le=3600)
    seed: int | None = None
    options: dict[str, Any] = Field(default_factory=dict)


class FuzzStep(_Located):
    fuzz: FuzzSpec


def _step_kind(v: Any) -> str | None:
    if isinstance(v, dict):
        for key in ("request", "action", "fuzz"):
            if key in v:
                return key
        return None
    return {RequestStep: "request", ActionStep: "action", FuzzStep: "fuzz"}.get(type(v))


Step = Annotated[
    Union[Annotated[RequestStep, Tag("request")], Annotated[ActionStep, Tag("action")],
          Annotated[FuzzStep, Tag("fuzz")]],
    Discriminator(_step_kind, custom_error_type="step_kind",
                  custom_error_message="a step must have one of the keys request, action or fuzz"),
]


# ------------------------------------------------------------------ scenarios
class TokenSpec(_Frozen):
    kind: str = "valid"
    user: str | None = None


class Scenario(_Located):
    id: str = Field(pattern=ID_RE)
    requirement: list[str] = Field(min_length=1)
    title: str = ""
    description: str = ""
    profile: str | None = None
    level: Literal["MUST", "SHOULD"] = "MUST"
    requires: list[str] = Field(default_factory=list)
    era: Literal["newest", "older", "any"] = "any"
    tokens: dict[str, TokenSpec] = Field(default_factory=dict)
    variants: list[dict[str, Any]] | None = None
    variants_from: str | None = None
    steps: list[Step] = Field(min_length=1)

    @field_validator("requirement", "requires", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("tokens", mode="before")
    @classmethod
    def _token_specs(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: ({"kind": s} if isinstance(s, str) else s) for k, s in v.items()}
        return v

    @model_validator(mode="after")
    def _variants(self) -> "Scenario":
        if self.variants is not None and self.variants_from is not None:
            raise ValueError("give variants or variants_from, not both")
        return self


class Suite(_Frozen):
    suite: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    profile: str = "core"
    description: str = ""
    defaults: dict[str, Any] = Field(default_factory=dict)
    scenarios: list[Scenario] = Field(min_length=1)
    file: str = ""
    line: int = 0

    @property
    def name(self) -> str:
        return self.suite


__all__ = ["Suite", "Scenario", "Step", "RequestStep", "ActionStep", "FuzzStep", "FuzzSpec", "Request",
           "Expect", "HeaderExpect", "BodyExpect", "HandshakeExpect", "UpstreamExpect", "SaveSpec",
           "TokenSpec", "JsonBody", "RawBody", "Body"]
