"""The validated scenario model: frozen pydantic models that forbid unknown keys.

`file` and `line` on Scenario and Step are filled in by the loader (they are not YAML keys; the
loader rejects them in input). Optional expectations are None when the scenario does not state
them. `HandshakeExpect.status` may legitimately be null ("closed without a response"), so a check
must ask `expect.handshake.given("status")` rather than test for None.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import ConfigDict, Discriminator, Field, PrivateAttr, Tag, field_validator, model_validator

from aigw_conformance.scenario.base import Frozen as _Frozen
from aigw_conformance.scenario.base import _pairs
from aigw_conformance.scenario.client_step import ClientStep
from aigw_conformance.scenario.expectations import (BodyExpect, Expect, HandshakeExpect, HeaderExpect,
                                                    SaveSpec, UpstreamExpect)

ID_RE = r"^[A-Z0-9][A-Z0-9-]*$"
VARIANT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
MAX_SLEEP_S = 5.0


# ------------------------------------------------------------------ requests
class JsonBody(_Frozen):
    json_: Any = Field(alias="json")
    # grow the JSON object to exactly this many bytes (scenario/padding.py), e.g. a body-size limit
    pad_to: int | None = Field(default=None, ge=1, le=64 * 1024 * 1024)
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
    prefix: str = "canonical"       # canonical | legacy, or a template ({{ variant.prefix }} of a matrix)
    method: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: Body = "default"
    query: dict[str, str] = Field(default_factory=dict)
    proxy_auth: str | None = None
    connect_host: str | None = None
    # proxy only: "connect" (CONNECT, then TLS through the tunnel) or "absolute" (a plain-HTTP
    # absolute-form request to the proxy, AUTH-PROXY-006)
    proxy_form: Literal["connect", "absolute"] = "connect"
    # proxy only: a name; the first step with it opens the tunnel and keeps it, later steps of the same
    # scenario with the same name send through that very tunnel (no new CONNECT), e.g. AUTH-PROXY-011
    tunnel: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")

    _norm_headers = field_validator("headers", mode="before")(_pairs)

    @field_validator("body", mode="before")
    @classmethod
    def _body_shape(cls, v: Any) -> Any:
        # one clear message instead of one per union branch
        ok = v in ("default", "none") if isinstance(v, str) else (
            isinstance(v, dict) and (set(v) in ({"json"}, {"json", "pad_to"})
                                     or (set(v) == {"raw"} and isinstance(v["raw"], str))))
        if not ok:
            raise ValueError("body must be default, none, {json: …} (optionally with pad_to: BYTES) or {raw: \"…\"}")
        return v

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        if v not in ("canonical", "legacy") and "{{" not in v:
            raise ValueError(f"prefix must be canonical or legacy (or a template), not {v!r}")
        return v

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
                                     or "proxy_form" in self.model_fields_set or self.tunnel is not None):
            raise ValueError("proxy_auth, connect_host, proxy_form and tunnel need via: proxy")
        if self.tunnel is not None and self.proxy_form == "absolute":
            raise ValueError("tunnel needs proxy_form: connect (an absolute-form request has no tunnel)")
        return self


# ------------------------------------------------------------------ steps
class _Located(_Frozen):
    file: str = ""
    line: int = 0


class RequestStep(_Located):
    step_key: ClassVar[str] = "request"
    request: Request
    expect: Expect = Field(default_factory=Expect)
    save: dict[str, SaveSpec] = Field(default_factory=dict)


class ActionStep(_Located):
    step_key: ClassVar[str] = "action"
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
    step_key: ClassVar[str] = "fuzz"
    fuzz: FuzzSpec


#: Every step kind, by the YAML key that introduces it. A new kind is one model here and one
#: runner function in `runner.steps.STEP_RUNNERS`; the union, the error text and the loader's
#: error locations are derived from this table.
STEP_MODELS: dict[str, type[_Located]] = {m.step_key: m for m in (RequestStep, ActionStep, FuzzStep, ClientStep)}


def _step_kind(v: Any) -> str | None:
    if isinstance(v, dict):
        return next((key for key in STEP_MODELS if key in v), None)
    return getattr(type(v), "step_key", None)


Step = Annotated[
    Union[tuple(Annotated[model, Tag(key)] for key, model in STEP_MODELS.items())],  # type: ignore[valid-type]
    Discriminator(_step_kind, custom_error_type="step_kind",
                  custom_error_message="a step must have one of the keys " + ", ".join(list(STEP_MODELS)[:-1])
                  + " or " + list(STEP_MODELS)[-1]),
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
    # one era, a list of eras, or any (aigw_conformance/eras.py: model-authz is a sibling of newest)
    era: Union[str, list[str]] = "any"
    tokens: dict[str, TokenSpec] = Field(default_factory=dict)
    variants: list[dict[str, Any]] | None = None
    variants_from: str | None = None
    # cross product of named axes (scenario/matrix.py): {axis: all | [value, ...]}
    matrix: dict[str, Union[Literal["all"], list[str]]] | None = None
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

    @field_validator("era", mode="before")
    @classmethod
    def _era_list(cls, v: Any) -> Any:
        from aigw_conformance.eras import ERAS
        names = ", ".join(repr(e) for e in ERAS)
        if isinstance(v, list):
            if not v:
                raise ValueError("era: an empty list of eras can never run; use `any`")
            bad = [e for e in v if e not in ERAS]
            if bad:
                raise ValueError(f"era: each listed era must be one of {names} (got {bad[0]!r})")
            return v
        if v != "any" and v not in ERAS:
            raise ValueError(f"Input should be {names} or 'any', or a list of eras (got {v!r})")
        return v

    @model_validator(mode="after")
    def _variants(self) -> "Scenario":
        given = [n for n in ("variants", "variants_from", "matrix") if getattr(self, n) is not None]
        if len(given) > 1:
            raise ValueError(f"give one of variants, variants_from or matrix, not {' and '.join(given)}")
        return self


class Suite(_Frozen):
    suite: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    profile: str = "core"
    description: str = ""
    defaults: dict[str, Any] = Field(default_factory=dict)
    scenarios: list[Scenario] = Field(min_length=1)
    file: str = ""
    line: int = 0
    # set by the loader: the catalogues the suite was checked against (used by expand())
    _catalogue: Any = PrivateAttr(default=None)
    _malformed: Any = PrivateAttr(default=None)

    @property
    def name(self) -> str:
        return self.suite


__all__ = ["Suite", "Scenario", "Step", "STEP_MODELS", "MAX_SLEEP_S", "RequestStep", "ActionStep", "FuzzStep",
           "ClientStep", "FuzzSpec", "Request",
           "Expect", "HeaderExpect", "BodyExpect", "HandshakeExpect", "UpstreamExpect", "SaveSpec",
           "TokenSpec", "JsonBody", "RawBody", "Body"]
