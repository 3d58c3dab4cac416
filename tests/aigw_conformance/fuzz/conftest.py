import pytest

from aigw_conformance.fuzz import FuzzContext

from .mini_gateway import OPERATOR, Running


@pytest.fixture(scope="module")
def gateways():
    """One mini gateway per fault set, started lazily and stopped at module end."""
    started: dict[frozenset, Running] = {}

    def get(*faults: str) -> Running:
        key = frozenset(faults)
        if key not in started:
            started[key] = Running(set(faults))
        return started[key]

    yield get
    for g in started.values():
        g.stop()


def context_for(g: Running, *, seed: int = 5, records: list | None = None, **kw) -> FuzzContext:
    sink = records if records is not None else []
    return FuzzContext(base_url=g.base_url, prefix="/api/v2/ai-gateway", providers=["openai", "anthropic"],
                       mint_token=g.mint, operator_token=OPERATOR, timeout=3.0, seed=seed,
                       record=lambda name, text: sink.append((name, text)), **kw)
