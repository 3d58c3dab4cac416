"""The requirement catalogue (fixtures/requirements.yaml): every id a scenario may cite.

Accepted shapes, so the catalogue can be written as a table or as a list:

    requirements:                      # or the mapping at top level
      AUTH-TOKEN-001: {profile: core, level: MUST, era: any, title: "...", uncertain: false}
    # or
    requirements:
      - {id: AUTH-TOKEN-001, profile: core, level: MUST, ...}

An uncertain requirement (PROTOCOL.md section 2) is SHOULD whatever its file says, so it can never
fail a release gate on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from aigw_conformance import resources, safeyaml
from aigw_conformance.errors import ConfigError

ERAS = ("any", "newest", "older", "newer", "model-authz")
_FIELDS = {"id", "profile", "level", "era", "title", "uncertain", "source", "description", "notes"}


@dataclass(frozen=True)
class Requirement:
    id: str
    profile: str
    level: Literal["MUST", "SHOULD"] = "MUST"
    era: str = "any"
    title: str = ""
    uncertain: bool = False
    questions: tuple[int, ...] = ()        # PROTOCOL.md section-2 questions the rule rests on
    source: str = ""


@dataclass(frozen=True)
class Profile:
    name: str
    description: str = ""
    gating: bool = True
    opt_in: bool = False       # run only when --profile names it or the target claims it


@dataclass(frozen=True)
class Catalogue:
    requirements: dict[str, Requirement] = field(default_factory=dict)
    path: str = ""
    profile_info: dict[str, Profile] = field(default_factory=dict)

    def get(self, req_id: str) -> Requirement | None:
        return self.requirements.get(req_id)

    def __contains__(self, req_id: object) -> bool:
        return req_id in self.requirements

    def __len__(self) -> int:
        return len(self.requirements)

    def ids(self) -> list[str]:
        return sorted(self.requirements)

    def profiles(self) -> list[str]:
        """Profile names: those the file declares, plus any a requirement uses."""
        return sorted(set(self.profile_info) | {r.profile for r in self.requirements.values()})

    def is_gating(self, profile: str) -> bool:
        info = self.profile_info.get(profile)
        return info.gating if info else True

    def opt_in_profiles(self) -> frozenset[str]:
        return frozenset(name for name, info in self.profile_info.items() if info.opt_in)

    def in_profile(self, profile: str) -> list[Requirement]:
        return [r for r in self.requirements.values() if r.profile == profile]


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """Read the catalogue; a bad file is a ConfigError naming the file, the entry and the field."""
    p = Path(path) if path is not None else resources.requirements_file()
    try:
        data = safeyaml.load_config(p)
    except OSError as exc:
        raise ConfigError(f"cannot read the requirement catalogue ({exc.strerror})", file=str(p)) from None
    profiles = _profiles(data.get("profiles") if isinstance(data, dict) else None, str(p))
    if isinstance(data, dict) and "requirements" in data:
        data = data["requirements"]
    entries: list[tuple[str, object]]
    if isinstance(data, dict):
        entries = [(str(k), v) for k, v in data.items()]
    elif isinstance(data, list):
        entries = []
        for i, item in enumerate(data):
            if not isinstance(item, dict) or "id" not in item:
                raise ConfigError(f"entry {i + 1} must be a mapping with an `id`", file=str(p),
                                  field=f"requirements[{i}]")
            entries.append((str(item["id"]), item))
    else:
        raise ConfigError("expected `requirements:` as a mapping id → fields or a list of entries",
                          file=str(p), field="requirements")
    reqs: dict[str, Requirement] = {}
    for rid, raw in entries:
        if rid in reqs:
            raise ConfigError(f"requirement {rid} is listed twice", file=str(p), field=rid)
        # without a profiles: block, every profile a requirement names exists (and gates)
        reqs[rid] = _requirement(rid, raw, str(p), tuple(profiles) or None)
    return Catalogue(requirements=reqs, path=str(p), profile_info=profiles)


def _profiles(raw: object, file: str) -> dict[str, Profile]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError("profiles must be a mapping name → {description, gating, opt_in}", file=file,
                          field="profiles")
    out = {}
    for name, info in raw.items():
        info = info if isinstance(info, dict) else {"description": str(info or "")}
        unknown = set(info) - {"description", "gating", "opt_in"}
        if unknown:
            raise ConfigError(f"unknown key(s) {sorted(unknown)}", file=file, field=f"profiles.{name}")
        out[str(name)] = Profile(str(name), str(info.get("description", "")), bool(info.get("gating", True)),
                                 bool(info.get("opt_in", False)))
    return out


def _requirement(rid: str, raw: object, file: str, profiles: tuple[str, ...] | None) -> Requirement:
    if isinstance(raw, str):
        raw = {"title": raw}
    if not isinstance(raw, dict):
        raise ConfigError("must be a mapping of profile, level, era, title, uncertain", file=file, field=rid)
    unknown = set(raw) - _FIELDS
    if unknown:
        raise ConfigError(f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_FIELDS - {'id'})}",
                          file=file, field=f"{rid}.{sorted(unknown)[0]}")
    if not raw.get("profile"):
        raise ConfigError("every requirement names its profile", file=file, field=f"{rid}.profile")
    profile = str(raw["profile"])
    if profiles is not None and profile not in profiles:
        raise ConfigError(f"unknown profile {profile!r}; known: {', '.join(profiles)}", file=file,
                          field=f"{rid}.profile")
    level = str(raw.get("level", "MUST")).upper()
    if level not in ("MUST", "SHOULD"):
        raise ConfigError(f"level must be MUST or SHOULD, not {level!r}", file=file, field=f"{rid}.level")
    era = str(raw.get("era", "any"))
    if era not in ERAS:
        raise ConfigError(f"unknown era {era!r}; known: {', '.join(ERAS)}", file=file, field=f"{rid}.era")
    uncertain = raw.get("uncertain", False)
    questions: tuple[int, ...] = ()
    if isinstance(uncertain, list):  # the section-2 question numbers; non-empty means uncertain
        questions = tuple(int(q) for q in uncertain if str(q).isdigit())
        uncertain = bool(uncertain)
    if not isinstance(uncertain, bool):
        raise ConfigError("uncertain must be true/false or a list of question numbers", file=file,
                          field=f"{rid}.uncertain")
    if uncertain:
        level = "SHOULD"  # PROTOCOL.md section 0: an uncertain point never gates on its own
    return Requirement(id=rid, profile=profile, level=level, era=era,  # type: ignore[arg-type]
                       title=str(raw.get("title", "")), uncertain=uncertain, questions=questions,
                       source=str(raw.get("source", "")))


__all__ = ["Catalogue", "Requirement", "Profile", "load_catalogue"]
