"""The client-step checks are pure functions of what was observed: each can fail, and says why."""

from __future__ import annotations

from aigw_conformance.clients.checks import Observed, check_client, check_output, check_sent, check_upstream
from aigw_conformance.clients.sandbox import SealedRun
from aigw_conformance.observation import UpstreamRecord
from aigw_common.redaction import Redactor

TOKEN = "AbCdEf1234-AbCdEfGhIjKlMnOpQrStUv"
RED = Redactor()
RED.add_token(TOKEN)


def run(exit_code=0, out="canary\n", timed_out=False, seconds=1.0, error=None) -> SealedRun:
    return SealedRun(exit_code=exit_code, timed_out=timed_out, seconds=seconds, stdout=out, stderr="",
                     interfaces=("lo",), connections=1, error=error)


def entry(headers: dict, status: int = 200) -> dict:
    return {"request": {"method": "POST", "url": "http://127.0.0.1:1/api/v2/ai-gateway/anthropic/v1/messages",
                        "headers": [{"name": k, "value": RED.redact(v)} for k, v in headers.items()]},
            "response": {"status": status}}


def obs(**kw) -> Observed:
    base = dict(run=run(), flows=[entry({"Authorization": f"Bearer {TOKEN}"})], handshakes=[], upstream=())
    return Observed(**{**base, **kw})


def test_exit_code_timeout_and_duration():
    assert check_client(obs(), {"exit": 0}, RED.redact) == []
    assert [d.check for d in check_client(obs(run=run(exit_code=1)), {"exit": 0}, RED.redact)] == ["client exit"]
    assert check_client(obs(run=run(exit_code=0)), {"exit": "nonzero"}, RED.redact)[0].expected.startswith("a non-zero")
    hung = check_client(obs(run=run(exit_code=-9, timed_out=True)), {"exit": "nonzero"}, RED.redact)
    assert len(hung) == 1 and "killed" in hung[0].observed        # a hang is never "the expected failure"
    slow = check_client(obs(run=run(seconds=40.0)), {"within": 30}, RED.redact)
    assert [d.check for d in slow] == ["client duration"]


def test_output_contains_and_leaks_are_redacted():
    assert check_output("API Error: 403 unauthorized", {"match": ["403"]}, RED.redact) == []
    miss = check_output("nothing", {"contains": ["canary"]}, RED.redact)
    assert miss and miss[0].check == "client output"
    leak = check_output(f"echo {TOKEN}", {"not_contains": [TOKEN]}, RED.redact)
    assert leak and TOKEN not in leak[0].expected and TOKEN[:10] in leak[0].expected


def test_sent_headers_compare_redacted_forms():
    good = {"headers": {"equal": {"Authorization": f"Bearer {TOKEN}"}}, "status": 200}
    assert check_sent(obs(), good, RED.redact) == []
    other = "ZyXwVu9876-ZyXwVuTsRqPoNmLkJiHgFe"
    wrong = check_sent(obs(), {"headers": {"equal": {"Authorization": f"Bearer {other}"}}}, RED.redact)
    assert wrong and wrong[0].check == "sent header (POST messages) Authorization"
    assert check_sent(obs(), {"status": 403}, RED.redact)[0].check.startswith("gateway status")
    storm = obs(flows=[entry({})] * 7)
    assert check_sent(storm, {"requests": {"max": 6}}, RED.redact)[0].observed == "7"
    assert check_sent(obs(capture_on=False), good, RED.redact)[0].observed.startswith("capture is off")


def test_handshake_proxy_authorization():
    import base64
    basic = "Basic " + base64.b64encode(f"coder:{TOKEN}".encode()).decode()
    t = {"status": 200, "request": RED.redact(f"CONNECT api.anthropic.com:443 HTTP/1.1\r\nProxy-Authorization: {basic}\r\n\r\n")}
    o = obs(flows=[], handshakes=[t])
    assert check_sent(o, {"handshake": {"status": 200, "proxy_authorization": basic}}, RED.redact) == []
    assert check_sent(o, {"handshake": {"status": 407}}, RED.redact)
    assert check_sent(obs(flows=[], handshakes=[]), {"handshake": {"status": 200}}, RED.redact)


def test_upstream_every_record_and_no_leak():
    central = UpstreamRecord("POST", "/anthropic/v1/messages", "", (("x-api-key", "sk-ant-central"),), b"{}")
    leaked = UpstreamRecord("POST", "/anthropic/v1/messages", "", (("x-api-key", "sk-ant-central"),),
                            f'{{"t": "{TOKEN}"}}'.encode())
    exp = {"reached": True, "headers": {"equal": {"X-Api-Key": "sk-ant-central"}}, "not_contains": [TOKEN]}
    assert check_upstream((central,), exp, RED.redact) == []
    assert any(d.check.startswith("provider body") for d in check_upstream((central, leaked), exp, RED.redact))
    assert check_upstream((), {"reached": True}, RED.redact)[0].check == "requests that reached the provider"
    assert check_upstream((central,), {"reached": False}, RED.redact)[0].check == "provider reached"
    assert check_upstream(None, {"reached": False}, RED.redact)[0].observed.startswith("none")
