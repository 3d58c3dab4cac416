"""Scenario × variant → Case: the unit pytest runs and reports count.

The effective level is SHOULD when the scenario says so or when any requirement it cites is SHOULD
(or uncertain), so a scenario resting on an uncertain point can never fail a gate on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aigw_conformance.requirements import Catalogue
from aigw_conformance.scenario.model import Scenario, Suite
from aigw_conformance.tokens.malformed import MalformedCatalogue, load_malformed


@dataclass(frozen=True)
class Case:
    test_id: str                      # "SCN-ID" or "SCN-ID[variant]"
    scenario: Scenario
    suite: str
    variant: dict[str, Any] = field(default_factory=dict)
    level: str = "MUST"
    profile: str = "core"
    era: str = "any"

    @property
    def variant_id(self) -> str | None:
        return self.variant.get("id") if self.variant else None

    @property
    def requirements(self) -> list[str]:
        return list(self.scenario.requirement)

    @property
    def requires(self) -> list[str]:
        return list(self.scenario.requires)


def effective_level(scenario: Scenario, catalogue: Catalogue | None) -> str:
    if scenario.level == "SHOULD":
        return "SHOULD"
    if catalogue is not None:
        for rid in scenario.requirement:
            req = catalogue.get(rid)
            if req is not None and (req.level == "SHOULD" or req.uncertain):
                return "SHOULD"
    return "MUST"


def variants_of(scenario: Scenario, malformed: MalformedCatalogue | None = None) -> list[dict[str, Any]]:
    if scenario.variants_from == "malformed-tokens":
        return (malformed or load_malformed()).variants()
    return list(scenario.variants or [])


def matrix_cases(sc: Scenario, suite: str, level: str, profile: str) -> list[Case]:
    """One Case per combination of the scenario's `matrix:`. The case carries a copy of the scenario
    whose `requires:` and token kinds include the combination's, so the skip decision and token minting
    of every runner see exactly what that combination needs (a target without the legacy prefix, BYOK
    or a provider gets not-supported for those cases only)."""
    from aigw_conformance.scenario.matrix import combinations
    from aigw_conformance.scenario.model import TokenSpec
    cases = []
    for combo in combinations(sc.matrix or {}):
        requires = list(sc.requires) + [f for f in combo.requires if f not in sc.requires]
        tokens = {**sc.tokens, **{n: TokenSpec(kind=k, user=sc.tokens[n].user if n in sc.tokens else None)
                                  for n, k in combo.tokens.items()}}
        scn = sc.model_copy(update={"requires": requires, "tokens": tokens})
        cases.append(Case(f"{sc.id}[{combo.id}]", scn, suite, combo.variant, level, profile, sc.era))
    return cases


def expand(suite: Suite, catalogue: Catalogue | None = None, *,
           malformed: MalformedCatalogue | None = None) -> list[Case]:
    """One Case per scenario × variant. Without arguments, the catalogues the loader checked the
    suite against are used, so levels and `variants_from` agree with validation."""
    catalogue = catalogue if catalogue is not None else suite._catalogue
    malformed = malformed if malformed is not None else suite._malformed
    cases: list[Case] = []
    for sc in suite.scenarios:
        level = effective_level(sc, catalogue)
        profile = sc.profile or suite.profile
        if sc.matrix is not None:
            cases += matrix_cases(sc, suite.suite, level, profile)
            continue
        variants = variants_of(sc, malformed)
        if not variants:
            cases.append(Case(sc.id, sc, suite.suite, {}, level, profile, sc.era))
        for v in variants:
            cases.append(Case(f"{sc.id}[{v['id']}]", sc, suite.suite, dict(v), level, profile, sc.era))
    return cases


__all__ = ["Case", "expand", "effective_level", "variants_of", "matrix_cases"]
