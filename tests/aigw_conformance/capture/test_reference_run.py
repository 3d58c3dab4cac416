"""A small run against the real reference gateway (its own process) with every request through the
taps, then the by-value scan of the run folder for every secret the run handled."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from aigw_common import netguard
from aigw_conformance.capture import start_capture
from aigw_conformance.observation import WireRequest
from aigw_common.redaction import Redactor
from aigw_conformance.runner.direct import DirectRunner
from aigw_conformance.runner.proxy import ProxyRunner

from aigw_conformance.targets import reference_process as launch

CHAT = "/api/v2/ai-gateway/openai/v1/chat/completions"


def trk() -> str:
    return "aigw-trk-" + uuid.uuid4().hex


def chat(base: str, token: str, tracking: str, test_id: str, *, stream: bool = False) -> WireRequest:
    body = json.dumps({"model": "gpt-4o", "stream": stream,
                       "messages": [{"role": "user", "content": tracking}]}).encode()
    return WireRequest("POST", f"{base}{CHAT}?aigw_tracking_id={tracking}",
                       (("Authorization", f"Bearer {token}"), ("Content-Type", "application/json"),
                        ("X-Aigw-Tracking-Id", tracking), ("x-Custom-Case", "KeptAsSent")),
                       body, tracking_id=tracking, test_id=test_id)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run")
    redactor = Redactor()
    with launch.start_reference(run_dir / "reference") as ref:
        st = ref.state
        for tok in [st["operator"]["token"], *st["static_tokens"].values()]:
            redactor.add_token(tok)
        for key in st["central_keys"].values():
            redactor.add_secret(key)
        cap = start_capture({"default": st["base_url"], **st["endpoints"]}, run_dir / "capture", redactor,
                            proxy_url=st["proxy_url"])
        try:
            yield {"cap": cap, "state": st, "redactor": redactor, "dir": run_dir, "secrets": []}
        finally:
            cap.stop()


def canary(state: dict, tracking: str) -> list[dict]:
    with netguard.client(timeout=5) as c:
        return c.get(state["canary_url"] + "/_canary/requests", params={"tracking_id": tracking}).json()["requests"]


def mint_and_chat_through_the_tap_match_direct(run):
    cap, st, red = run["cap"], run["state"], run["redactor"]
    direct = DirectRunner()
    try:
        mint = WireRequest("POST", cap.endpoints["default"] + "/api/v2/users/member/keys/tokens",
                           (("Coder-Session-Token", st["operator"]["token"]), ("Content-Type", "application/json")),
                           b"{}", test_id="ref::mint")
        obs = direct.send(mint)
        assert obs.response.status == 201
        token = json.loads(obs.response.body)["key"]
        red.add_token(token)          # as the token broker does, before anything is written
        run["secrets"].append(token)
        run["token"] = token
        t1, t2 = trk(), trk()
        via_tap = direct.send(chat(cap.endpoints["default"], token, t1, "ref::chat-tap"))
        no_tap = direct.send(chat(st["base_url"], token, t2, ""))
        assert via_tap.response.status == no_tap.response.status == 200
        [up_tap], [up_direct] = canary(st, t1), canary(st, t2)
        # The canary (the provider side) saw the same request with and without the tap.
        strip = lambda rec: [(k, v.replace(t1, "T").replace(t2, "T")) for k, v in rec["headers"]]  # noqa: E731
        assert strip(up_tap) == strip(up_direct)
        assert up_tap["body"].replace(t1, "T") == up_direct["body"].replace(t2, "T")
        sse = direct.send(chat(cap.endpoints["default"], token, trk(), "ref::sse", stream=True))
        assert sse.response.status == 200 and b"data:" in sse.response.body
    finally:
        direct.close()
    assert cap.evidence("ref::mint") and cap.evidence("ref::chat-tap") and cap.evidence("ref::sse")


def proxy_407_and_tunnel_through_the_tcp_tap(run):
    cap, st = run["cap"], run["state"]
    runner = ProxyRunner(cap.proxy_url, st["ca_cert_pem"])
    token = run.get("token") or st["static_tokens"]["user-dormant"]
    bad = WireRequest("POST", "https://api.openai.com/v1/chat/completions", (), b"{}", via="proxy",
                      proxy_authorization=None, test_id="ref::proxy-407")
    cap.expect_connection("ref::proxy-407")
    obs = runner.send(bad)
    assert obs.handshake.status == 407
    [hs] = cap.handshakes("ref::proxy-407")
    assert hs["status"] == 407 and hs["request"].startswith("CONNECT api.openai.com:443 ")
    assert "Proxy-Authenticate" in hs["response"]
    tracking = trk()
    basic = "Basic " + base64.b64encode(f"coder:{token}".encode()).decode()
    good = WireRequest("POST", "https://api.openai.com/v1/chat/completions",
                       (("Authorization", f"Bearer {token}"), ("Content-Type", "application/json"),
                        ("X-Aigw-Tracking-Id", tracking)),
                       json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": tracking}]}).encode(),
                       via="proxy", proxy_authorization=basic, tracking_id=tracking, test_id="ref::proxy-ok")
    cap.expect_connection("ref::proxy-ok")
    obs = runner.send(good)
    assert obs.handshake.status == 200 and obs.response is not None
    cap.flows_text("ref::proxy-ok")
    [hs] = cap.handshakes("ref::proxy-ok")
    assert hs["status"] == 200 and "Proxy-Authorization: Basic <b64:coder:" in hs["request"]


def test_run_through_the_taps_then_scan_the_folder(run):
    # One test, not three: split across xdist workers the scan would not see the others' traffic.
    mint_and_chat_through_the_tap_match_direct(run)
    proxy_407_and_tunnel_through_the_tcp_tap(run)
    cap, red = run["cap"], run["redactor"]
    cap.stop()
    files = [p for p in run["dir"].rglob("*") if p.is_file() and "reference" not in p.parts]
    assert {"traffic.mitm", "traffic.har", "handshakes.jsonl"} <= {p.name for p in files}
    needles = set(red.secrets())
    for s in run["secrets"] + [run["state"]["operator"]["token"], *run["state"]["central_keys"].values()]:
        needles |= {s, base64.b64encode(s.encode()).decode().rstrip("="),
                    base64.b64encode(f"coder:{s}".encode()).decode().rstrip("=")}
    leaks = [(p.name, n[:6]) for p in files for n in needles if n.encode() in p.read_bytes()]
    assert leaks == []
    from mitmproxy import io

    with (run["dir"] / "capture" / "traffic.mitm").open("rb") as fh:
        tags = [f.metadata.get("aigw_test_id") for f in io.FlowReader(fh).stream()]
    for test_id in ("ref::mint", "ref::chat-tap", "ref::sse", "ref::proxy-407", "ref::proxy-ok"):
        assert test_id in tags
    hs = (run["dir"] / "capture" / "handshakes.jsonl").read_text()
    assert '"status": 407' in hs
