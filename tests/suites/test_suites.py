"""The conformance suites: they validate, they cover every MUST of the gating client profiles, and no
scenario carries a literal secret-looking credential."""

from __future__ import annotations

import re
from pathlib import Path

# Paths are computed here rather than imported from conftest: other test folders have a conftest too.
SUITES = Path(__file__).resolve().parents[2] / "suites"

# Profiles whose MUST requirements each need at least one MUST-level scenario (issue 3).
COVERED_PROFILES = ("core", "lifecycle", "credential-modes", "clients", "model-access")
OWN_FILES = ("header-paths", "token-format", "validation", "lifecycle", "token-api", "credential-modes",
             "paths-and-routing", "clients", "bad-input", "model-access", "bridge")

# Literal credentials a scenario must never contain: tokens are minted at run time and referred to
# by template. Provider-looking placeholders are allowed only when they are visibly fake: they say
# FAKE, or contain a run of 8 identical characters (no real key has that little entropy).
SECRET_PATTERNS = {
    "coder token": re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{10}-[0-9A-Za-z]{22}(?![0-9A-Za-z-])"),
    "gateway key": re.compile(r"(?<![0-9A-Za-z])(?=[0-9A-Za-z]*[0-9])(?=[0-9A-Za-z]*[a-z])(?=[0-9A-Za-z]*[A-Z])"
                              r"[0-9A-Za-z]{43}(?![0-9A-Za-z])"),
    "provider key": re.compile(r"(?:sk-(?:proj-|ant-[a-z0-9]+-)?|gh[pousr]_)[A-Za-z0-9_-]{20,}"),
    "jwt": re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"),
}


def _placeholder(value: str) -> bool:
    return "fake" in value.lower() or re.search(r"(.)\1{7}", value) is not None


def test_every_suite_file_validates(loaded):
    suites, errors = loaded
    assert not errors, "\n".join(str(e) for e in errors)
    names = {s.suite for s in suites}
    missing = [n for n in OWN_FILES if n not in names]
    assert not missing, f"suites missing: {missing}"


def test_case_count_is_in_budget(cases):
    own = [c for c in cases if c.suite in OWN_FILES]
    # Issue 15 asked for every validation outcome on every prefix x carrier x provider and near-miss
    # tokens on every carrier: ~450 cases, of which the default (newest) run executes ~380; measured
    # 68 s for the whole default run on a loaded 2-core machine (issue 15 report). Raise this only
    # together with such a measurement.
    assert 100 <= len(own) <= 500, len(own)


def test_every_must_requirement_is_cited_by_a_must_scenario(catalogue, cases):
    cited: dict[str, int] = {}
    for case in cases:
        if case.level == "MUST":
            for rid in case.requirements:
                cited[rid] = cited.get(rid, 0) + 1
    gaps = [r.id for p in COVERED_PROFILES for r in catalogue.in_profile(p)
            if r.level == "MUST" and r.id not in cited]
    print("uncovered MUST requirements:", gaps or "none")
    assert not gaps, f"MUST requirements without a MUST scenario: {gaps}"


def test_should_requirements_are_cited_only_as_should(catalogue, cases):
    # A scenario citing an uncertain (SHOULD) rule must itself be SHOULD so it never gates alone.
    wrong = sorted({c.test_id for c in cases if c.level == "MUST"
                    and any(catalogue.get(r) and catalogue.get(r).level == "SHOULD" for r in c.requirements)})
    assert not wrong, wrong


def test_scenarios_cite_only_their_own_profile_or_core(catalogue, loaded):
    # Precision: a scenario in a client-profile file cites client rules, plus at most rules of core
    # or credential-modes that decide the same outcome; never proxy rules by accident.
    suites, _ = loaded
    bad = []
    for suite in suites:
        if suite.suite not in OWN_FILES:
            continue
        for sc in suite.scenarios:
            for rid in sc.requirement:
                req = catalogue.get(rid)
                assert req is not None, f"{sc.id} cites unknown {rid}"
                if req.profile in ("proxy", "gateway-keys", "informative", "fuzz"):
                    bad.append(f"{sc.id} -> {rid} ({req.profile})")
    assert not bad, bad


def test_no_literal_secret_looking_token_in_suites():
    hits = []
    for path in sorted(SUITES.glob("*.yaml")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split(" #", 1)[0] if not line.lstrip().startswith("#") else line
            for label, rx in SECRET_PATTERNS.items():
                for m in rx.finditer(code):
                    if _placeholder(m.group(0)):
                        continue
                    hits.append(f"{path.name}:{lineno}: {label}: {m.group(0)[:12]}…")
    assert not hits, "\n".join(hits)


def test_secret_patterns_catch_what_they_should():
    # The scan above is only as good as its patterns: prove they fire on realistic shapes.
    assert SECRET_PATTERNS["coder token"].search("Bearer AbCdEf1234-AbCdEfGhIjKlMnOpQrStUv")
    assert SECRET_PATTERNS["gateway key"].search("key: Ab1" + "x" * 40)
    assert SECRET_PATTERNS["provider key"].search("sk-proj-" + "a1" * 20)
    assert SECRET_PATTERNS["provider key"].search("ghp_" + "A1" * 18)
    assert SECRET_PATTERNS["jwt"].search("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig")
    assert not SECRET_PATTERNS["coder token"].search("{{ repeat('a', 10) ~ '-' ~ repeat('b', 22) }}")
    assert _placeholder("sk-aigwFAKEuser-openai-key") and _placeholder("ghu_copilotlike0000000000000000")
    assert not _placeholder("sk-proj-" + "a1" * 20)


def test_denials_assert_exact_text_bodies(loaded):
    # Every step that expects exactly 403 or 400 on the data plane pins the body or is a HEAD.
    loose = []
    for suite in loaded[0]:
        if suite.suite not in OWN_FILES:
            continue
        for sc in suite.scenarios:
            for i, step in enumerate(sc.steps):
                req, exp = getattr(step, "request", None), getattr(step, "expect", None)
                if req is None or exp is None or exp.status not in (400, 403):
                    continue
                if req.raw_path and "/keys" in req.raw_path or req.via == "proxy" or req.method == "HEAD":
                    continue
                if exp.body is None or (exp.body.exact is None and exp.body.json_ is None):
                    if exp.upstream is None:  # never-forwarded checks state the status only
                        loose.append(f"{sc.id} step {i + 1}")
    assert not loose, loose
