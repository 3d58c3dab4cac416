"""Send one fuzzed request and return its status, bounded in time.

Header values are sent as UTF-8 bytes. httpx (through `netguard`) refuses values with leading or
trailing whitespace or CR/LF/NUL, which are exactly the trimming cases AUTH-HTTP-001 talks about, so
those go over a raw loopback socket instead, after the same `NetworkPolicy.check` the guarded client
makes. Either way nothing leaves the network policy.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

import h11
import httpx

from aigw_common import netguard
from aigw_conformance.runner.direct import TEST_ID_HEADER


@dataclass(frozen=True)
class Outcome:
    status: int | None          # None: no status line (timeout, reset, garbage)
    problem: str | None = None  # what went wrong when status is None
    raw: bool = False           # sent over the raw socket path


def _encode(headers) -> list[tuple[bytes, bytes]]:
    return [(k.encode("ascii"), v.encode("utf-8", "surrogatepass")) for k, v in headers]


def _h11_accepts(headers: list[tuple[bytes, bytes]]) -> bool:
    try:
        h11.Request(method="GET", target="/", headers=[(b"Host", b"x"), *headers])
    except h11.LocalProtocolError:
        return False
    return True


def send(client: httpx.Client, policy: netguard.NetworkPolicy, method: str, url: str,
         headers, timeout: float, tap_answer=None, test_id: str = "") -> Outcome:
    encoded = _encode(list(headers) + ([(TEST_ID_HEADER, test_id)] if test_id else []))
    if _h11_accepts(encoded):
        try:
            response = client.request(method, url, headers=encoded, timeout=timeout)
            if tap_answer is not None and tap_answer(response.headers):
                return Outcome(None, f"the capture tap answered {response.status_code} itself")
            return Outcome(response.status_code)
        except httpx.TimeoutException:
            return Outcome(None, f"no answer within {timeout:g} s")
        except httpx.HTTPError as exc:
            return Outcome(None, f"{type(exc).__name__}: {exc}")
    return _send_raw(policy, method, httpx.URL(url), encoded, timeout)


def _send_raw(policy, method: str, url: httpx.URL, headers, timeout: float) -> Outcome:
    if url.scheme != "http":
        return Outcome(None, "raw sending supports http:// only", raw=True)
    port = url.port or 80
    policy.check(url.host, port)
    target = url.raw_path.decode("ascii")
    lines = [f"{method} {target} HTTP/1.1".encode(), b"Host: " + url.netloc, b"Connection: close",
             b"Content-Length: 0"]
    lines += [k + b": " + v for k, v in headers]
    payload = b"\r\n".join(lines) + b"\r\n\r\n"
    try:
        with socket.create_connection((url.host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(payload)
            head = b""
            while b"\r\n" not in head and len(head) < 4096:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                head += chunk
    except socket.timeout:
        return Outcome(None, f"no answer within {timeout:g} s", raw=True)
    except OSError as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}", raw=True)
    parts = head.split(b"\r\n", 1)[0].split(b" ")
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return Outcome(int(parts[1]), raw=True)
    if not head:
        return Outcome(None, "connection closed without a response", raw=True)
    return Outcome(None, f"not an HTTP status line: {head[:60]!r}", raw=True)
