"""The malformed-token catalogue (fixtures/malformed-tokens.yaml).

Each entry has a `name`, a `description` and either a literal `value` or a `generator`:
``generate: {repeat: "a", count: 10000}`` (`generator:` is accepted too; optionally with ``prefix``/``suffix``). Generators keep very long or
odd values out of the YAML while staying deterministic. Values are never secrets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aigw_conformance import resources, safeyaml
from aigw_conformance.errors import ConfigError

MAX_LEN = 1_000_000
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_FIELDS = {"name", "description", "value", "generator", "generate", "requirement", "notes", "tags", "expect"}


@dataclass(frozen=True)
class MalformedToken:
    name: str
    description: str
    value: str
    expect: str = ""        # what the catalogue says a gateway answers (e.g. unauthorized, no-token)

    @property
    def id(self) -> str:
        return self.value.split("-", 1)[0]

    @property
    def secret(self) -> str:
        return self.value.split("-", 1)[1] if "-" in self.value else ""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class MalformedCatalogue:
    entries: dict[str, MalformedToken]
    path: str = ""

    def get(self, name: str) -> MalformedToken | None:
        return self.entries.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self.entries

    def names(self) -> list[str]:
        return list(self.entries)

    def variants(self) -> list[dict[str, str]]:
        """The catalogue as scenario variants (`variants_from: malformed-tokens`)."""
        return [{"id": e.name, "name": e.name, "value": e.value, "description": e.description,
                 "expect": e.expect} for e in self.entries.values()]


def generate(gen: Any, where: str, file: str) -> str:
    if not isinstance(gen, dict) or "repeat" not in gen:
        raise ConfigError("generator must be a mapping like {repeat: 'a', count: 10000}", file=file,
                          field=f"{where}.generator")
    unknown = set(gen) - {"repeat", "count", "prefix", "suffix"}
    if unknown:
        raise ConfigError(f"unknown generator key(s) {sorted(unknown)}", file=file, field=f"{where}.generator")
    count = gen.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ConfigError("count must be a non-negative integer", file=file, field=f"{where}.generator.count")
    value = str(gen.get("prefix", "")) + str(gen["repeat"]) * count + str(gen.get("suffix", ""))
    if len(value) > MAX_LEN:
        raise ConfigError(f"generated value is longer than {MAX_LEN} characters", file=file,
                          field=f"{where}.generator")
    return value


def load_malformed(path: Path | str | None = None) -> MalformedCatalogue:
    p = Path(path) if path is not None else resources.malformed_tokens_file()
    if not p.exists():
        if path is not None:
            raise ConfigError("malformed-token catalogue not found", file=str(p))
        return MalformedCatalogue({}, str(p))
    try:
        data = safeyaml.load_config(p)
    except OSError as exc:
        raise ConfigError(f"cannot read the malformed-token catalogue ({exc.strerror})", file=str(p)) from None
    if isinstance(data, dict):
        data = data.get("tokens", data.get("malformed", data.get("entries")))
    if not isinstance(data, list):
        raise ConfigError("expected a list of entries (name, description, value or generator)", file=str(p),
                          field="tokens")
    entries: dict[str, MalformedToken] = {}
    for i, raw in enumerate(data):
        where = f"tokens[{i}]"
        if not isinstance(raw, dict):
            raise ConfigError("each entry must be a mapping", file=str(p), field=where)
        unknown = set(raw) - _FIELDS
        if unknown:
            raise ConfigError(f"unknown key(s) {sorted(unknown)}", file=str(p), field=f"{where}.{sorted(unknown)[0]}")
        name = raw.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigError("name must match [a-z0-9][a-z0-9_.-]*", file=str(p), field=f"{where}.name")
        if name in entries:
            raise ConfigError(f"name {name!r} is used twice", file=str(p), field=f"{where}.name")
        gen_key = "generate" if "generate" in raw else "generator"
        if ("value" in raw) == (gen_key in raw) or ("generate" in raw and "generator" in raw):
            raise ConfigError("give exactly one of value or generate", file=str(p), field=f"{where}")
        value = "" if raw.get("value", "") is None else str(raw.get("value", ""))
        if gen_key in raw:
            value = generate(raw[gen_key], where, str(p))
        entries[name] = MalformedToken(name, str(raw.get("description", "")), value, str(raw.get("expect", "") or ""))
    return MalformedCatalogue(entries, str(p))


__all__ = ["MalformedToken", "MalformedCatalogue", "load_malformed"]
