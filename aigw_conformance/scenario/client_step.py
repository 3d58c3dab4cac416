"""The `client:` step: run a real client program, sealed, and judge what it did.

    - client:
        name: claude-code                  # a client of aigw_conformance/clients/catalogue.py
        env: {ANTHROPIC_BASE_URL: "{{ target.gateway_url }}/anthropic", ANTHROPIC_AUTH_TOKEN: "{{ token }}"}
        files: {".codex/config.toml": "…"} # written under the client's private HOME
        sdk: {api_key: "{{ token }}"}      # SDK clients: constructor keyword arguments
        args: [...]                        # replaces the catalogue's command line after the program
        prompt: "Reply with one word. {{ tracking_id }}"
        timeout: 60
      expect:
        exit: 0                            # an exit code, or `nonzero`
        within: 30                         # seconds: the client must have ended by then
        output: {contains: [canary], not_contains: ["{{ token.secret }}"], match: ["403"]}
        sent:                              # the client's requests as the gateway got them (capture)
          requests: {min: 1, max: 3}
          headers: {equal: {Authorization: "Bearer {{ token }}"}, absent: [X-Api-Key]}
          status: 200                      # what the gateway answered each of them
          handshake: {status: 200, proxy_authorization: "Basic {{ b64('coder:' ~ token) }}"}
        upstream:                          # what the provider (canary) received, every request
          reached: true
          headers: {equal: {X-Api-Key: "{{ target.central_keys.anthropic }}"}}
          not_contains: ["{{ token }}"]

Every string may be a template, rendered just before the client runs (tokens, target, tracking id).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Union

from pydantic import Field, field_validator, model_validator

from aigw_conformance.scenario.base import Frozen, Status, _check_status, _str_values
from aigw_conformance.scenario.expectations import HeaderExpect

CLIENT_NAMES = ("claude-code", "codex", "copilot", "copilot-github", "openai-python", "anthropic-python")
DEFAULT_PROMPT = "Reply with the single word you are given by the system, nothing else. ({{ tracking_id }})"
MAX_TIMEOUT = 300.0


class ClientSpec(Frozen):
    name: Literal["claude-code", "codex", "copilot", "copilot-github", "openai-python", "anthropic-python"]
    env: dict[str, str] = Field(default_factory=dict)
    files: dict[str, str] = Field(default_factory=dict)
    sdk: dict[str, Any] = Field(default_factory=dict)
    call: Literal["messages", "count_tokens", "models", "chat", "responses"] | None = None
    stream: bool = True
    args: list[str] | None = None
    prompt: str = DEFAULT_PROMPT
    timeout: float = Field(default=60.0, gt=0, le=MAX_TIMEOUT)

    _coerce = field_validator("env", mode="before")(_str_values)

    @field_validator("files")
    @classmethod
    def _relative(cls, v: dict[str, str]) -> dict[str, str]:
        for path in v:
            parts = path.replace("\\", "/").split("/")
            if path.startswith("/") or ".." in parts or not path.strip():
                raise ValueError(f"file {path!r} must be a relative path inside the client's home")
        return v

    @model_validator(mode="after")
    def _sdk_only(self) -> "ClientSpec":
        is_sdk = self.name.endswith("-python")
        if not is_sdk and (self.sdk or self.call):
            raise ValueError(f"sdk and call are for the SDK clients (openai-python, anthropic-python), not {self.name}")
        return self


class Count(Frozen):
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)


class OutputExpect(Frozen):
    contains: list[str] = Field(default_factory=list)
    not_contains: list[str] = Field(default_factory=list)
    match: list[str] = Field(default_factory=list)     # Python regexes, searched (not full-matched)

    _coerce = field_validator("contains", "not_contains", "match", mode="before")(_str_values)


class SentHandshake(Frozen):
    status: Status | None = None
    proxy_authorization: str | None = None

    _status = field_validator("status")(_check_status)


class SentExpect(Frozen):
    requests: Count | None = None
    headers: HeaderExpect | None = None
    status: Status | None = None
    handshake: SentHandshake | None = None

    _status = field_validator("status")(_check_status)


class ClientUpstreamExpect(Frozen):
    reached: bool | None = None
    requests: Count | None = None
    headers: HeaderExpect | None = None
    not_contains: list[str] = Field(default_factory=list)


class ClientExpect(Frozen):
    exit: Union[int, Literal["nonzero"]] = 0
    within: float | None = Field(default=None, gt=0, le=MAX_TIMEOUT)
    output: OutputExpect | None = None
    sent: SentExpect | None = None
    upstream: ClientUpstreamExpect | None = None


class ClientStep(Frozen):
    step_key: ClassVar[str] = "client"     # the typed centre's STEP_MODELS key
    client: ClientSpec
    expect: ClientExpect = Field(default_factory=ClientExpect)
    file: str = ""
    line: int = 0


__all__ = ["ClientStep", "ClientSpec", "ClientExpect", "OutputExpect", "SentExpect", "SentHandshake",
           "ClientUpstreamExpect", "Count", "CLIENT_NAMES", "DEFAULT_PROMPT"]
