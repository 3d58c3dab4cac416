from __future__ import annotations

import pytest

from aigw_common.redaction import Redactor
from aigw_conformance.capture import start_capture

from .servers import echo_server, proxy_server, sse_server, tls_context

# Secrets the rig's traffic carries; every test that writes files scans for them.
TOKEN = "AbCdEf1234-s3cr3tTokenSecretValue99"
PROVIDER_KEY = "sk-test-provider-key-0123456789abcdef"
OPERATOR = "Op3rat0rId-operatorSecretValue777777"
MALFORMED = "not-a-real-token"  # made up on purpose: may stay visible


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rig")
    ctx, _ = tls_context(tmp)   # its certificate is signed by the rig's own CA, trusted below
    other, _ = tls_context(tmp / "other-ca")   # signed by a CA nobody trusts
    servers = {"default": echo_server(), "sse": sse_server(), "tls": echo_server(ctx),
               "tls-untrusted": echo_server(other)}
    proxy = proxy_server()
    redactor = Redactor()
    for s in (TOKEN, OPERATOR):
        redactor.add_token(s)
    redactor.add_secret(PROVIDER_KEY)
    endpoints = {name: s.url for name, s in servers.items()}
    endpoints["outside"] = "http://192.0.2.10:80"  # TEST-NET: the guard must refuse, never dial
    out = tmp / "capture"
    cap = start_capture(endpoints, out, redactor, proxy_url=f"http://127.0.0.1:{proxy.port}",
                        upstream_ca=tmp / "aigwtest-ca-cert.pem")
    yield {"capture": cap, "servers": servers, "proxy": proxy, "out": out, "redactor": redactor}
    cap.stop()
    for s in [*servers.values(), proxy]:
        s.close()
