"""Cost of the capture taps in isolation: the same requests to the reference, with and without the tap.

    python3 bench/capture_cost.py [N]     # N requests per side (default 300)

Sides are interleaved in rounds (direct batch, tap batch, …) so drift of the machine hits both.
Measured: data-plane POSTs with a minted token (httpx, one keep-alive client per side), CONNECT
handshakes answered 407 by the reference proxy (raw socket, new connection each), and the time
`Capture.stop()` takes to redact and write traffic.mitm / traffic.har / handshakes.jsonl.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).parent))

from _common import header  # noqa: E402

from aigw_common import netguard  # noqa: E402
from aigw_conformance.capture import start_capture  # noqa: E402
from aigw_common.redaction import Redactor  # noqa: E402

REDACTOR = Redactor()
from aigw_conformance.targets.reference_process import start_reference  # noqa: E402

CHAT = "/api/v2/ai-gateway/openai/v1/chat/completions"
ROUNDS = 5
BODY = b'{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}'


def http_batch(base: str, token: str, n: int, test_id: str | None) -> float:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if test_id:
        headers["X-Aigw-Test-Id"] = test_id
    with netguard.client(timeout=10) as c:
        t0 = time.perf_counter()
        for _ in range(n):
            r = c.post(base + CHAT, content=BODY, headers=headers)
            if r.status_code != 200:
                raise SystemExit(f"unexpected status {r.status_code}: the benchmark measures successful requests")
        return time.perf_counter() - t0


def connect_batch(proxy_url: str, n: int) -> float:
    host, port = urlsplit(proxy_url).hostname, urlsplit(proxy_url).port
    req = b"CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\n\r\n"
    t0 = time.perf_counter()
    for _ in range(n):
        with socket.create_connection((host, port), timeout=10) as s:
            s.sendall(req)
            data = b""
            while chunk := s.recv(65536):
                data += chunk
            if not data.startswith(b"HTTP/1.1 407"):
                raise SystemExit(f"unexpected handshake answer {data[:40]!r}")
    return time.perf_counter() - t0


def main(n: int) -> int:
    header(f"capture taps: cost per request with vs without, {n} requests per side")
    per = max(1, n // ROUNDS)
    with tempfile.TemporaryDirectory(prefix="aigw-capture-bench-") as tmp, \
            start_reference(Path(tmp) / "ref") as ref:
        st = ref.state
        with netguard.client(timeout=10) as c:
            r = c.post(st["base_url"] + "/api/v2/users/member/keys/tokens", json={},
                       headers={"Coder-Session-Token": st["operator"]["token"]})
            token = r.json()["key"]
        REDACTOR.add_token(token)
        cap = start_capture({"default": st["base_url"]}, Path(tmp) / "capture", REDACTOR, proxy_url=st["proxy_url"])
        try:
            http_batch(st["base_url"], token, 10, None)  # warm-up, both sides
            http_batch(cap.endpoints["default"], token, 10, "warmup")
            times = {"http direct": 0.0, "http tap": 0.0, "connect direct": 0.0, "connect tap": 0.0}
            for i in range(ROUNDS):
                times["http direct"] += http_batch(st["base_url"], token, per, None)
                times["http tap"] += http_batch(cap.endpoints["default"], token, per, f"bench::{i}")
                times["connect direct"] += connect_batch(st["proxy_url"], per // 3 or 1)
                cap.expect_connection(f"bench::{i}")
                times["connect tap"] += connect_batch(cap.proxy_url, per // 3 or 1)
        finally:
            t0 = time.perf_counter()
            files = cap.stop()
            stop_s = time.perf_counter() - t0
            sizes = ", ".join(f"{p.name} {p.stat().st_size} B" for p in files)
    total_http, total_conn = per * ROUNDS, (per // 3 or 1) * ROUNDS
    for k, v in times.items():
        count = total_http if k.startswith("http") else total_conn
        print(f"{k:15}: {v:7.3f} s for {count:5} = {1000 * v / count:7.3f} ms each")
    print(f"ratio http    tap/direct: {times['http tap'] / times['http direct']:6.2f}x")
    print(f"ratio connect tap/direct: {times['connect tap'] / times['connect direct']:6.2f}x")
    print(f"stop() (redact + write {sizes}): {stop_s:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
