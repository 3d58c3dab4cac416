"""All three engines against a real loopback gateway (mini_gateway.py beside this file), faithful and faulty."""

import re
from collections import Counter

import pytest
from .conftest import context_for

from aigw_conformance.errors import ConfigError
from aigw_conformance.fuzz import run_fuzz_step
from aigw_common.netguard import BlockedDestination


def step(engine, n, t, **options):
    return {"fuzz": {"engine": engine, "max_examples": n, "deadline_s": t, "seed": None, "options": options}}


def test_token_mutation_faithful_has_no_findings(gateways):
    records = []
    assert run_fuzz_step(step("token-mutation", 80, 10), context_for(gateways(), records=records)) == []
    names = [n for n, _ in records]
    assert "fuzz seed" in names and any(n.startswith("token-mutation log") for n in names)


@pytest.mark.parametrize("fault", ["id-only", "prefix-compare", "500-on-long-token"])
def test_token_mutation_finds_fault(gateways, fault):
    g = gateways(fault)
    records = []
    ctx = context_for(g, seed=3, records=records)
    details = run_fuzz_step(step("token-mutation", 300, 15), ctx)
    assert len(details) == 1
    text = details[0].observed
    assert "replay with seed: 3" in text and "minimal example" in text
    assert ctx.redactor.secrets(), "the engine registers the token it minted"
    for secret in ctx.redactor.secrets():
        assert secret not in text
    for _, body in records:
        assert all(secret not in body for secret in ctx.redactor.secrets())


def test_seed_replays_the_same_minimal_example(gateways):
    g = gateways("id-only")
    a = run_fuzz_step(step("token-mutation", 40, 10), context_for(g, seed=9))
    b = run_fuzz_step(step("token-mutation", 40, 10), context_for(g, seed=9))
    # Each run mints its own token, so a flip's replacement character depends on the secret drawn
    # ("flip 11->'a'" when position 11 is not 'a', else 'b'); the mutation itself must be the same.
    how = [re.sub(r"->'.'", "->'?'", d.observed.split(" -> ")[0]) for d in a + b]
    assert len(how) == 2 and how[0] == how[1]


def test_a_seed_draws_the_same_cases_whatever_the_process_imported(gateways, tmp_path, monkeypatch):
    """hypothesis draws literals mined from the "local" modules loaded at the time of the draw (an
    editable install's harness code, here a module of 600 names): the engines must not, or a seed
    would replay other cases after another step, or from another install."""
    g = gateways()
    one = step("schemathesis", 3, 5, token_api=False)

    def cases() -> Counter:
        g.seen.clear()
        assert run_fuzz_step(one, context_for(g, seed=5)) == []
        return Counter(g.seen)

    before = cases()
    (tmp_path / "aigw_mined_literals.py").write_text(
        "".join(f'L{i} = "MinedLiteral{chr(65 + i % 26)}{chr(97 + i // 26)}"\n' for i in range(600)))
    monkeypatch.syspath_prepend(str(tmp_path))
    import aigw_mined_literals  # noqa: F401
    after = cases()
    assert sum(before.values()) > 50
    assert before == after, sorted((before - after).elements())[:3]
    assert not any("MinedLiteral" in repr(case) for case in after)


def test_schemathesis_faithful_and_ignored_auth(gateways):
    assert run_fuzz_step(step("schemathesis", 2, 2), context_for(gateways())) == []
    found = run_fuzz_step(step("schemathesis", 3, 3, prefixes=["/api/v2/aibridge"], token_api=False),
                          context_for(gateways("accept-no-token")))
    assert found and all("/api/v2/aibridge/" in d.check for d in found)
    assert any("ignored_auth" in d.expected and "ST401" in d.observed for d in found)


def test_stateful_lifecycle(gateways):
    assert run_fuzz_step(step("schemathesis-stateful", 4, 4), context_for(gateways())) == []
    found = run_fuzz_step(step("schemathesis-stateful", 15, 10), context_for(gateways("accept-revoked")))
    assert len(found) == 1 and "deleted token was accepted" in found[0].observed


def test_bad_step_and_blocked_host(gateways):
    with pytest.raises(ConfigError, match="unknown fuzz engine"):
        run_fuzz_step({"fuzz": {"engine": "nope"}}, context_for(gateways()))
    ctx = context_for(gateways())
    ctx.base_url = "http://api.openai.com"
    with pytest.raises(BlockedDestination):
        run_fuzz_step(step("schemathesis", 1, 1), ctx)
