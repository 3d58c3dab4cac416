"""The proxy runner: the harness's own CONNECT, recorded byte for byte, then TLS through the tunnel.

A library client would hide exactly what is being tested (the handshake), so this runner writes
the CONNECT itself on a raw socket, keeps every byte the proxy answers, notes whether the proxy
closed, and only when the tunnel opens speaks TLS (trusting the target's MITM CA, SNI = host) and
HTTP/1.1 via h11, as a real client would. Everything is bounded in size and time; socket and TLS
failures become TransportError.
"""

from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11

from ..errors import TransportError
from .transport_errors import authority, describe_os_error
from aigw_common.netguard import LOOPBACK_ONLY, NetworkPolicy

from ..observation import Handshake, Headers, HttpResponse, Observation, WireRequest

MAX_HEAD = 64 * 1024
MAX_BODY = 8 * 1024 * 1024
MAX_TUNNELS = 4      # named tunnels kept open at once (one scenario runs at a time per process)
CLOSE_WAIT = 0.5     # how long to wait for the proxy to close after a final answer


@dataclass(frozen=True)
class ProviderUrl:
    """A provider URL split the way the tunnel needs it (not a conformance target)."""
    authority: str      # exactly as the URL wrote it (case kept): the CONNECT target
    host: str
    port: int
    scheme: str
    target: str         # origin-form path + query


def split_url(url: str) -> ProviderUrl:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TransportError(f"proxy runner needs an absolute http(s) URL, got {url!r}")
    netloc = parts.netloc.rpartition("@")[2]
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    # Keep the host exactly as written: an upper-case CONNECT target is a test case.
    raw_host = netloc[: netloc.rfind(":")] if parts.port is not None else netloc
    authority = f"{raw_host}:{port}"
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return ProviderUrl(authority, host, port, parts.scheme, path)


def provider_url(route_url: str, connect_host: str | None = None, *, absolute_form: bool = False) -> str:
    """The WireRequest.url for a proxy step: the route's provider URL, with `connect_host`
    (kept verbatim, e.g. "API.OPENAI.COM:443") as its authority, and `http://` for a plain-HTTP
    absolute-form request (scenario `proxy_form: absolute`)."""
    parts = urlsplit(route_url)
    netloc = connect_host or parts.netloc
    scheme = "http" if absolute_form else "https"
    rest = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"{scheme}://{netloc}{rest}"


def parse_head(raw: bytes) -> tuple[int | None, str, Headers]:
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head.split("\r\n")
    first = lines[0].split(" ", 2)
    if len(first) < 2 or not first[0].startswith("HTTP/") or not first[1].isdigit():
        return None, "", ()
    headers = tuple(
        (k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:] if line)
    )
    return int(first[1]), first[2] if len(first) > 2 else "", headers


class ProxyRunner:
    """`send(WireRequest) -> Observation` through an AI Gateway Proxy.

    The CONNECT target is the request URL's host:port exactly as written (case kept), so a
    scenario's `connect_host` is expressed by putting it in the URL. An `http://` URL is sent as an
    absolute-form request to the proxy itself (AUTH-PROXY-006), and method `CONNECT` stops after
    the handshake.
    """

    def __init__(self, proxy_url: str, ca_pem: str | None, timeout: float = 10.0,
                 policy: NetworkPolicy = LOOPBACK_ONLY, *, extra_ca_pems: tuple[str, ...] = ()) -> None:
        parts = urlsplit(proxy_url)
        if not parts.hostname or not parts.port:
            raise TransportError(f"proxy URL {proxy_url!r} needs a host and a port")
        self.proxy_url = proxy_url
        self.proxy_host, self.proxy_port = parts.hostname, parts.port
        self.proxy_tls = parts.scheme == "https"
        self.ca_pems = tuple(p for p in (ca_pem, *extra_ca_pems) if p)
        self.timeout = timeout
        self.policy = policy
        # (test id, tunnel name) -> (socket, TLS socket, handshake): named tunnels of the running scenario
        self._tunnels: dict[tuple[str, str], tuple] = {}
        self._dead: set[tuple[str, str]] = set()     # kept tunnels that died: a retry must not reopen them

    # -- public -------------------------------------------------------------------------------
    def send(self, request: WireRequest, *, fresh: bool = False) -> Observation:  # every send dials anew
        tgt = split_url(request.url)
        timeout = min(self.timeout, request.timeout or self.timeout)
        deadline = time.monotonic() + timeout
        self._drop_tunnels(keep=request.test_id)
        if request.tunnel is not None and tgt.scheme == "https":
            return self._send_in_tunnel(request, tgt, deadline)
        sock = self._dial(deadline)
        port = _local_port(sock)
        try:
            if tgt.scheme == "http":
                # AUTH-PROXY-006: an absolute-form request straight to the proxy, no CONNECT.
                return Observation(request, self._http(sock, request, tgt, absolute=True, deadline=deadline),
                                   local_port=port)
            handshake = self._connect(sock, request, tgt, deadline)
            # method CONNECT = the handshake is the whole test: never speak through the tunnel
            # (on a real proxy a tunnel to a public host would reach the internet).
            if handshake.status != 200 or request.method.upper() == "CONNECT":
                return Observation(request, None, handshake, local_port=port)
            tls = self._tls(sock, tgt.host, deadline)
            return Observation(request, self._http(tls, request, tgt, absolute=False, deadline=deadline), handshake,
                               local_port=port)
        except h11.ProtocolError as exc:
            raise TransportError(f"the proxy {self._where} answered something that is not HTTP ({exc})",
                                 url=request.url) from exc
        except (OSError, ssl.SSLError) as exc:
            raise TransportError(describe_os_error(exc, f"the proxy {self._where}", timeout), url=request.url) from exc
        finally:
            sock.close()

    def close(self) -> None:
        self._drop_tunnels(keep=None)

    # -- named tunnels ----------------------------------------------------------------------------
    def _drop_tunnels(self, keep: str | None) -> None:
        for key in [k for k in self._tunnels if k[0] != keep]:
            self._tunnels.pop(key)[0].close()
        self._dead = {k for k in self._dead if k[0] == keep}

    def _send_in_tunnel(self, request: WireRequest, tgt: ProviderUrl, deadline: float) -> Observation:
        """The first use opens (and keeps) the tunnel; later uses send through it with no new CONNECT.
        A kept tunnel that died is reported as such, never silently replaced by a fresh one."""
        key = (request.test_id, request.tunnel or "")
        if key in self._dead:
            raise TransportError(f"the kept tunnel {request.tunnel!r} is gone", url=request.url)
        kept = self._tunnels.get(key)
        if kept is not None:
            sock, tls, handshake = kept
            try:
                return Observation(request, self._http(tls, request, tgt, absolute=False, deadline=deadline), handshake)
            except (OSError, ssl.SSLError, h11.ProtocolError, TransportError) as exc:
                self._tunnels.pop(key, None)
                self._dead.add(key)
                sock.close()
                raise TransportError(f"the kept tunnel {request.tunnel!r} is gone ({type(exc).__name__}: {exc})",
                                  url=request.url) from exc
        sock = self._dial(deadline)
        try:
            handshake = self._connect(sock, request, tgt, deadline)
            if handshake.status != 200 or request.method.upper() == "CONNECT":
                sock.close()
                return Observation(request, None, handshake)
            tls = self._tls(sock, tgt.host, deadline)
            resp = self._http(tls, request, tgt, absolute=False, deadline=deadline)
        except (OSError, ssl.SSLError, h11.ProtocolError) as exc:
            sock.close()
            raise TransportError(f"{type(exc).__name__}: {exc}", url=request.url) from exc
        if len(self._tunnels) >= MAX_TUNNELS:
            self._tunnels.pop(next(iter(self._tunnels)))[0].close()
        self._tunnels[key] = (sock, tls, handshake)
        return Observation(request, resp, handshake)

    # -- steps --------------------------------------------------------------------------------
    def _dial(self, deadline: float) -> socket.socket:
        if not self.policy.permits(self.proxy_host):
            raise TransportError(f"the network policy does not permit dialling the proxy {self.proxy_host}",
                              url=self.proxy_url)
        try:
            sock = socket.create_connection((self.proxy_host, self.proxy_port), timeout=_left(deadline))
            if self.proxy_tls:
                ctx = ssl.create_default_context()
                for pem in self.ca_pems:
                    ctx.load_verify_locations(cadata=pem)
                sock = ctx.wrap_socket(sock, server_hostname=self.proxy_host)
        except OSError as exc:
            cause = describe_os_error(exc, f"the proxy {self._where}", max(deadline - time.monotonic(), 0))
            raise TransportError(cause, url=self.proxy_url) from exc
        return sock

    @property
    def _where(self) -> str:
        return authority(self.proxy_url)

    def _connect(self, sock: socket.socket, request: WireRequest, tgt: ProviderUrl, deadline: float) -> Handshake:
        lines = [f"CONNECT {tgt.authority} HTTP/1.1", f"Host: {tgt.authority}"]
        if request.proxy_authorization is not None:
            lines.append(f"Proxy-Authorization: {request.proxy_authorization}")
        sent = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape")
        sock.settimeout(_left(deadline))
        sock.sendall(sent)
        raw, eof = _read_head(sock, deadline)
        status, reason, headers = parse_head(raw)
        if status is None and raw.strip():
            # bytes, but not an HTTP answer: that is no proxy's answer to observe
            raise TransportError(f"the proxy {self._where} answered something that is not HTTP "
                                 f"({raw[:40]!r})", url=request.url)
        if status is None:
            return Handshake(sent, raw, None, closed=True)
        body = raw.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in raw else b""
        if status == 200:
            return Handshake(sent, raw, status, reason, headers, b"", closed=False)
        length = _content_length(headers)
        while not eof and (length is None or len(body) < length) and len(body) < MAX_HEAD:
            chunk = _recv(sock, min(_left(deadline), CLOSE_WAIT if length is None else _left(deadline)))
            if chunk is None:
                break
            if chunk == b"":
                eof = True
                break
            body += chunk
            raw += chunk
        if not eof:
            # Never raise here: the answer is already complete, only "did it close?" is open.
            eof = _recv(sock, min(max(deadline - time.monotonic(), 0.05), CLOSE_WAIT)) == b""
        return Handshake(sent, raw, status, reason, headers, body, closed=eof)

    def _tls(self, sock: socket.socket, host: str, deadline: float) -> ssl.SSLSocket:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_alpn_protocols(["http/1.1"])
        for pem in self.ca_pems:
            ctx.load_verify_locations(cadata=pem)
        sock.settimeout(_left(deadline))
        if isinstance(sock, ssl.SSLSocket):
            # A TLS proxy listener: the tunnel's TLS runs inside the proxy's TLS.
            return _TlsInTls(sock, ctx, host)
        return ctx.wrap_socket(sock, server_hostname=host)

    def _http(self, sock: socket.socket, request: WireRequest, tgt: ProviderUrl, *, absolute: bool,
              deadline: float) -> HttpResponse:
        start = time.monotonic()
        conn = h11.Connection(h11.CLIENT)
        headers = list(request.headers)
        if not any(k.lower() == "host" for k, _ in headers):
            headers.insert(0, ("Host", tgt.authority if tgt.port not in (80, 443) else tgt.authority.rsplit(":", 1)[0]))
        if request.body and not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in headers):
            headers.append(("Content-Length", str(len(request.body))))
        if absolute and request.proxy_authorization is not None:
            headers.append(("Proxy-Authorization", request.proxy_authorization))
        target = request.url if absolute else tgt.target
        out = conn.send(h11.Request(method=request.method, target=target, headers=headers))
        if request.body:
            out += conn.send(h11.Data(data=request.body))
        out += conn.send(h11.EndOfMessage())
        sock.settimeout(_left(deadline))
        sock.sendall(out)
        return _read_response(sock, conn, deadline, start)


class _TlsInTls:
    """The socket calls this runner needs (sendall/recv/settimeout), for TLS inside TLS."""

    def __init__(self, outer: ssl.SSLSocket, ctx: ssl.SSLContext, host: str) -> None:
        self.outer = outer
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.incoming, self.outgoing, server_hostname=host)
        self._io(self.obj.do_handshake)

    def _flush(self) -> None:
        data = self.outgoing.read()
        if data:
            self.outer.sendall(data)

    def _io(self, op, *args):
        while True:
            try:
                result = op(*args)
                self._flush()
                return result
            except ssl.SSLWantReadError:
                self._flush()
                data = self.outer.recv(65536)
                if not data:
                    self.incoming.write_eof()
                else:
                    self.incoming.write(data)

    def settimeout(self, value: float) -> None:
        self.outer.settimeout(value)

    def sendall(self, data: bytes) -> None:
        self._io(self.obj.write, data)

    def recv(self, n: int) -> bytes:
        try:
            return self._io(self.obj.read, n)
        except ssl.SSLZeroReturnError:
            return b""

    def close(self) -> None:
        self.outer.close()


def _read_response(sock: socket.socket, conn: h11.Connection, deadline: float, start: float) -> HttpResponse:
    head: h11.Response | None = None
    body = bytearray()
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            sock.settimeout(_left(deadline))
            try:
                data = sock.recv(65536)
            except ssl.SSLError as exc:      # peers that close without close_notify
                if head is not None and "EOF" in str(exc):
                    data = b""
                else:
                    raise
            conn.receive_data(data)
            continue
        if isinstance(event, h11.Response):
            head = event
        elif isinstance(event, h11.Data):
            body += event.data
            if len(body) > MAX_BODY:
                raise TransportError(f"response body larger than {MAX_BODY} bytes")
        elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
            break
    if head is None:
        raise TransportError("the connection closed before a response arrived")
    return HttpResponse(
        status=head.status_code,
        reason=head.reason.decode("latin-1"),
        headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in head.headers.raw_items()),
        body=bytes(body),
        http_version="HTTP/" + head.http_version.decode(),
        elapsed=time.monotonic() - start,
    )


def _local_port(sock) -> int | None:
    try:
        return int(sock.getsockname()[1])
    except (OSError, IndexError, TypeError):
        return None


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TransportError("timed out talking to the proxy")
    return left


def _recv(sock: socket.socket, timeout: float) -> bytes | None:
    """Bytes, b"" on EOF, None when nothing arrived in time."""
    sock.settimeout(max(timeout, 0.01))
    try:
        return sock.recv(65536)
    except (socket.timeout, TimeoutError):
        return None
    except (ConnectionResetError, ssl.SSLZeroReturnError, ssl.SSLEOFError):
        return b""


def _read_head(sock: socket.socket, deadline: float) -> tuple[bytes, bool]:
    raw = b""
    while b"\r\n\r\n" not in raw and len(raw) < MAX_HEAD:
        chunk = _recv(sock, _left(deadline))
        if chunk is None:
            raise TransportError("timed out waiting for the proxy's CONNECT answer")
        if chunk == b"":
            return raw, True
        raw += chunk
    return raw, False


def _content_length(headers: Headers) -> int | None:
    for k, v in headers:
        if k.lower() == "content-length" and v.strip().isdigit():
            return int(v)
    return None


__all__ = ["ProxyRunner", "parse_head", "provider_url", "split_url"]
