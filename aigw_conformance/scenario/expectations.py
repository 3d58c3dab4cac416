"""What a request step expects: status, headers, body, the proxy handshake and the upstream."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ConfigDict, Field, field_validator, model_validator

from aigw_conformance.scenario.base import Frozen as _Frozen
from aigw_conformance.scenario.base import Status, _check_status, _scalar_str, _str_values


class HeaderExpect(_Frozen):
    present: list[str] = Field(default_factory=list)
    absent: list[str] = Field(default_factory=list)
    equal: dict[str, str] = Field(default_factory=dict)
    match: dict[str, str] = Field(default_factory=dict)
    # no value of the header may full-match (an absent header passes), e.g. {Set-Cookie: "(?!csrf_token=).*"}
    not_match: dict[str, str] = Field(default_factory=dict)

    _coerce = field_validator("equal", "match", "not_match", mode="before")(_str_values)

    @field_validator("match", "not_match")
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
    exact: str | list[str] | None = None      # a list: any one of them (documented sub-variants)
    json_: Any = Field(default=None, alias="json")
    contains: list[str] = Field(default_factory=list)
    not_contains: list[str] = Field(default_factory=list)
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    _coerce = field_validator("contains", "not_contains", mode="before")(_str_values)
    @field_validator("exact", mode="before")
    @classmethod
    def _coerce_exact(cls, v):
        if isinstance(v, list):
            if not v:
                raise ValueError("exact: an empty list of allowed bodies can never match")
            return [_scalar_str(x) for x in v]
        return _scalar_str(v)


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


__all__ = ["Expect", "HeaderExpect", "BodyExpect", "HandshakeExpect", "UpstreamExpect", "SaveSpec"]
