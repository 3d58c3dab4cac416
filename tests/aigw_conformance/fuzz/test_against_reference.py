"""The fuzz profile against the real reference gateway (aigw_reference, its own process):
faithful -> no findings within a bounded time; the id-only and prefix-compare faults -> found."""

import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest

from aigw_common import netguard
from aigw_conformance.fuzz import FuzzContext, run_fuzz_step

from aigw_conformance.targets import reference_process as launch
VARIANTS = {"faithful": [], "id-only": ["id-only"], "prefix-compare": ["prefix-compare"]}


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    def start(item):
        name, faults = item
        return name, launch.start_reference(tmp_path_factory.mktemp(f"ref-{name}"), faults=faults,
                                            proxy=False)
    with ThreadPoolExecutor(len(VARIANTS)) as pool:
        refs = dict(pool.map(start, VARIANTS.items()))
    yield refs
    for ref in refs.values():
        ref.stop()


def context(ref, seed: int) -> FuzzContext:
    state = ref.state
    operator = state["operator"]["token"]

    def mint() -> str:
        with netguard.client(timeout=5) as client:
            r = client.post(state["base_url"] + "/api/v2/users/me/keys/tokens",
                            headers={"Coder-Session-Token": operator},
                            json={"token_name": "fuzz-" + secrets.token_hex(4)})
            assert r.status_code == 201, r.status_code
            return r.json()["key"]

    return FuzzContext(base_url=state["base_url"], prefix="/api/v2/ai-gateway",
                       providers=["openai", "anthropic"], mint_token=mint, operator_token=operator,
                       timeout=5.0, seed=seed, record=lambda name, text: None)


def mutation(n: int, t: float):
    return {"fuzz": {"engine": "token-mutation", "max_examples": n, "deadline_s": t}}


# This fuzzer once found that the reference trimmed with Python's whitespace ("Bearer <tok>\x1f" was
# accepted); aigw_reference/gostrings.py now follows Go's unicode.IsSpace on UTF-8, and this guards it.
def test_faithful_reference_token_mutation_has_no_findings(references):
    details = run_fuzz_step(mutation(250, 15), context(references["faithful"], seed=20261129))
    assert details == [], details[0].observed


def test_faithful_reference_lifecycle_has_no_findings(references):
    assert run_fuzz_step({"fuzz": {"engine": "schemathesis-stateful", "max_examples": 5,
                                   "deadline_s": 4}}, context(references["faithful"], seed=1)) == []


@pytest.mark.parametrize("fault", ["id-only", "prefix-compare"])
def test_reference_faults_are_found(references, fault):
    details = run_fuzz_step(mutation(300, 15), context(references[fault], seed=20261129))
    assert len(details) == 1
    assert "accepted" in details[0].observed and "replay with seed: 20261129" in details[0].observed
