"""The reference under concurrent load: its provider hop spread over small pools still relays every
request once, to the right client; and bench/reference_throughput.py's answer check catches a gateway
that admits bogus tokens (and does not cry wolf on the faithful one)."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aigw_common import netguard
from aigw_reference.dataplane.upstream import UpstreamClients
from .ref_helpers import tracking

ROOT = Path(__file__).resolve().parents[2]
CONCURRENT = 150


def test_upstream_pools_are_taken_in_turn():
    async def go():
        pools = UpstreamClients(timeout=5, pools=3, pool_size=2)
        try:
            picked = [pools.pick() for _ in range(6)]
            assert len({id(c) for c in picked}) == 3 and picked[:3] == picked[3:]
        finally:
            await pools.aclose()
    asyncio.run(go())


def test_concurrent_valid_requests_are_each_relayed_once_to_their_own_client(api, ref_state):
    """150 requests at once, each with its own tracking id in the path: every answer is 200 and names its
    own path (no answer crossed to another client on a shared pool), and the canary saw each id once."""
    token = api.mint()
    base = ref_state["base_url"] + "/api/v2/ai-gateway/openai/v1/conversations/"
    ids = [tracking() for _ in range(CONCURRENT)]

    async def go() -> list:
        async with netguard.async_client(timeout=30, limits=netguard.limits(max_connections=CONCURRENT)) as c:
            async def one(trk: str):
                r = await c.get(base + trk, params={"aigw_tracking_id": trk},
                                headers={"Authorization": f"Bearer {token}"})
                return trk, r.status_code, r.text
            return await asyncio.wait_for(asyncio.gather(*(one(t) for t in ids)), timeout=60)

    answers = asyncio.run(go())
    assert [s for _, s, _ in answers] == [200] * CONCURRENT
    assert all(json.loads(body)["path"].endswith("/conversations/" + trk) for trk, _, body in answers)
    assert [len(api.upstream(trk)) for trk in ids] == [1] * CONCURRENT


def _bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "bench" / "reference_throughput.py"), "--duration", "1",
                           "--clients", "20", "--workload", "decision", "--no-ceiling", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)")
def test_throughput_bench_refuses_a_figure_when_a_bogus_token_is_admitted():
    faulty = _bench("--fault", "accept-expired")
    assert faulty.returncode == 2, faulty.stdout + faulty.stderr
    assert "first wrong answer: expired -> 404" in faulty.stdout and "decision: NO FIGURE" in faulty.stdout
    admitted = int(faulty.stdout.split("bogus admitted ")[1].split(";")[0].split()[0])
    assert admitted > 0

    faithful = _bench()
    assert faithful.returncode in (0, 1), faithful.stdout + faithful.stderr   # a figure, whatever the rate
    assert "errors 0 " in faithful.stdout and "bogus admitted 0" in faithful.stdout
    assert "decisions/s" in faithful.stdout.split("decision:")[-1]
