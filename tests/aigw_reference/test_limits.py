"""AUTH-HTTP-006 step 2: the optional concurrency limit, configured through a YAML config file."""

from __future__ import annotations

import asyncio

import pytest

from aigw_common import netguard
from aigw_conformance.targets.reference_process import start_reference
from .ref_helpers import OPENAI_CHAT, Api


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    d = tmp_path_factory.mktemp("limited")
    cfg = d / "ref.yaml"
    cfg.write_text("max_concurrency: 1\nallow_byok: false\n")
    with start_reference(d, proxy=False, config_file=cfg) as ref, Api(ref.state) as api:
        yield api


def test_concurrency_limit_503(limited):
    tok = limited.mint()

    async def run():
        async with netguard.async_client(base_url=limited.base, timeout=10) as c:
            async def slow_body():
                yield b'{"model": "m", '
                await asyncio.sleep(0.8)   # holds the only slot while the body trickles in
                yield b'"messages": []}'
            first = asyncio.create_task(c.post(OPENAI_CHAT, headers={"Authorization": f"Bearer {tok}"},
                                               content=slow_body()))
            await asyncio.sleep(0.3)
            second = await c.post(OPENAI_CHAT, headers={"Authorization": f"Bearer {tok}"}, json={})
            return await first, second

    first, second = asyncio.run(run())
    assert first.status_code == 200
    assert second.status_code == 503
    assert second.json() == {"message": "AI Gateway is currently at capacity. Please try again later."}


def test_config_file_applies_to_main_listener(limited):
    r = limited.send(OPENAI_CHAT, {"X-Coder-AI-Governance-Token": limited.mint()}, json={})
    assert r.status_code == 403 and r.json()["message"] == "Bring Your Own Key (BYOK) mode is not enabled."


def test_ca_endpoint_404_when_proxy_off(limited):
    assert limited.state["proxy_url"] is None and limited.state["ca_cert_pem"] is None
    r = limited.rest("GET", "/api/v2/ai-gateway/proxy/ca-cert.pem")
    assert r.status_code == 404 and r.json() == {"message": "AI Gateway Proxy is not enabled."}
