"""Module functions and lifecycle, without a gateway."""

from __future__ import annotations

import gzip
import socket
from pathlib import Path

import pytest
from mitmproxy.test import tflow

from aigw_conformance.capture import start_capture
from aigw_conformance.capture.handshakes import Transcript, feed
from aigw_conformance.capture.redaction import redacted_copy
from aigw_conformance.capture.streaming import wants_streaming
from aigw_conformance.capture.writer import write_files
from aigw_conformance.errors import ConfigError
from aigw_common.redaction import Redactor
from mitmproxy import http

TOKEN = "AbCdEf1234-s3cr3tTokenSecretValue99"


def redactor() -> Redactor:
    r = Redactor()
    r.add_token(TOKEN)
    return r


def test_redacted_copy_keeps_id_and_leaves_live_flow_untouched():
    f = tflow.tflow(resp=True)
    f.request.path = f"/v1/x?key={TOKEN}"
    f.request.headers["Authorization"] = f"Bearer {TOKEN}"
    f.response.content = TOKEN.encode()
    c = redacted_copy(f, redactor())
    assert c.id == f.id
    assert TOKEN in f.request.path and f.request.headers["Authorization"].endswith(TOKEN)
    assert TOKEN not in c.request.path and c.request.headers["Authorization"].startswith("Bearer AbCdEf1234-<redacted:")
    assert TOKEN.encode() not in c.response.raw_content


def test_gzip_body_is_redacted_inside_the_encoding():
    f = tflow.tflow(resp=True)
    f.response.headers["content-encoding"] = "gzip"
    f.response.raw_content = gzip.compress(b'{"key": "' + TOKEN.encode() + b'"}')
    c = redacted_copy(f, redactor())
    assert TOKEN.encode() not in c.response.get_content()
    assert b"AbCdEf1234-<redacted:" in c.response.get_content()


def test_tcp_messages_are_redacted():
    f = tflow.ttcpflow()
    f.messages[0].content = b"Proxy-Authorization: Bearer " + TOKEN.encode()
    c = redacted_copy(f, redactor())
    assert TOKEN.encode() not in c.messages[0].content and TOKEN.encode() in f.messages[0].content


def test_by_value_scan_would_catch_an_unredacted_write(tmp_path: Path):
    # Negative control for the scans: with a redactor that does not know the token, it leaks.
    f = tflow.tflow(resp=True)
    f.request.headers["Authorization"] = f"Bearer {TOKEN}"
    write_files(tmp_path / "leaky", [f], [], Redactor())
    write_files(tmp_path / "clean", [f], [], redactor())
    assert TOKEN.encode() in (tmp_path / "leaky" / "traffic.har").read_bytes()
    assert all(TOKEN.encode() not in p.read_bytes() for p in (tmp_path / "clean").iterdir())


@pytest.mark.parametrize("chunks, request_done, tunnel, status", [
    ([(True, b"CONNECT a:443 HTTP/1.1\r\n"), (True, b"\r\n"), (False, b"HTTP/1.1 407 P\r\n\r\n"), (False, b"body")],
     True, False, 407),
    ([(True, b"CONNECT a:443 HTTP/1.1\r\n\r\n"), (False, b"HTTP/1.1 200 OK\r\n\r\n"), (True, b"\x16\x03\x01"),
      (False, b"\x16\x03\x03server-hello")], True, True, 200),
    ([(True, b"CONNECT a:443 HTTP/1.1\r\n")], False, False, None),
])
def test_transcript_joins_messages_and_stops_at_the_tunnel(chunks, request_done, tunnel, status):
    t = Transcript("c", "t", None, 0.0)
    for from_client, data in chunks:
        feed(t, from_client, data)
    assert (t.request_complete, t.tunnel_started, t.status()) == (request_done, tunnel, status)
    assert b"\x16" not in t.request and b"server-hello" not in t.response


@pytest.mark.parametrize("headers, expected", [
    ({"content-type": "text/event-stream; charset=utf-8"}, True),
    ({"content-type": "application/json", "content-length": "10"}, False),
    ({"content-type": "application/json", "transfer-encoding": "chunked"}, True),
])
def test_wants_streaming(headers, expected):
    assert wants_streaming(http.Response.make(200, b"", headers)) is expected


def test_bad_endpoint_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="endpoint 'default'"):
        start_capture({"default": "ftp://127.0.0.1:1"}, tmp_path, Redactor())


def test_stop_frees_ports_and_is_idempotent(tmp_path):
    cap = start_capture({"default": "http://127.0.0.1:9"}, tmp_path, Redactor(), proxy_url="http://127.0.0.1:9")
    ports = [int(u.rsplit(":", 1)[1]) for u in [*cap.endpoints.values(), cap.proxy_url]]
    first = cap.stop()
    assert cap.stop() == first and {p.name for p in first} == {"traffic.mitm", "traffic.har", "handshakes.jsonl"}
    for port in ports:  # free again: a new listener can take the exact port
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
    assert not cap._handle.thread.is_alive()


def test_the_files_are_written_while_the_run_goes_on_and_stop_waits_for_them(tmp_path, monkeypatch):
    """begin_stop() stops the taps and returns: the run cleans up and stops its target while the
    files are written; stop() returns only when they are."""
    import threading

    from aigw_conformance.capture import capture as capture_module

    gate, real = threading.Event(), capture_module.write_files
    monkeypatch.setattr(capture_module, "write_files", lambda *a, **k: gate.wait(10) and real(*a, **k))
    cap = start_capture({"default": "http://127.0.0.1:9"}, tmp_path, Redactor())
    port = int(cap.endpoints["default"].rsplit(":", 1)[1])
    cap.begin_stop()
    assert not cap._handle.thread.is_alive() and not (tmp_path / "traffic.mitm").exists()
    with socket.socket() as s:   # the tap's port is free already
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
    gate.set()
    written = cap.stop()
    assert {p.name for p in written} == {"traffic.mitm", "traffic.har", "handshakes.jsonl"}
    assert all(p.exists() for p in written)


def test_a_write_that_failed_in_the_background_is_raised_by_stop(tmp_path, monkeypatch):
    from aigw_conformance.capture import capture as capture_module

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(capture_module, "write_files", full)
    cap = start_capture({"default": "http://127.0.0.1:9"}, tmp_path, Redactor())
    cap.begin_stop()
    for _ in range(2):   # every caller learns it, not only the first
        with pytest.raises(OSError, match="No space left"):
            cap.stop()


def test_a_capture_writes_no_certificate_authority_anywhere(tmp_path, monkeypatch):
    """The taps never serve TLS, so no CA key is made: none in ~/.mitmproxy, none in a temp folder a
    killed run would leave behind; only the run's own files are written."""
    import tempfile

    home, tmp, out = tmp_path / "home", tmp_path / "tmp", tmp_path / "out"
    home.mkdir(), tmp.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    cap = start_capture({"default": "https://127.0.0.1:9"}, out, Redactor())
    assert [getattr(a, "certstore", None) for a in cap._handle.box["m"].addons.chain if hasattr(a, "certstore")] == [None]
    cap.stop()
    assert list(home.iterdir()) == [] and list(tmp.iterdir()) == []
    assert {p.name for p in out.iterdir()} <= {"traffic.mitm", "traffic.har", "handshakes.jsonl", "capture.log"}


def test_public_surface():
    import aigw_conformance.capture as capture

    assert sorted(capture.__all__) == ["Capture", "CaptureStartError", "HANDSHAKES_FILE", "HAR_FILE",
                                       "MITM_FILE", "merge_captures", "start_capture"]


def test_merge_joins_worker_files(tmp_path: Path):
    from mitmproxy import io

    from aigw_conformance.capture import merge_captures

    for i, worker in enumerate(("gw0", "gw1")):
        f = tflow.tflow(resp=True)
        f.metadata["aigw_test_id"] = f"t{i}"
        write_files(tmp_path / worker, [f, tflow.ttcpflow()], [{"conn": worker, "test_id": f"t{i}"}], redactor())
    out = merge_captures([tmp_path / "gw0", tmp_path / "gw1", tmp_path / "missing"], tmp_path / "run", redactor())
    with out[0].open("rb") as fh:
        flows = list(io.FlowReader(fh).stream())
    assert len(flows) == 4 and {f.metadata.get("aigw_test_id") for f in flows} >= {"t0", "t1"}
    import json as _json

    assert len(_json.loads(out[1].read_text())["log"]["entries"]) == 2
    assert len(out[2].read_text().splitlines()) == 2


class _Dial:
    """What mitmproxy hands `server_connect`: the server connection about to be dialled."""

    def __init__(self, host: str, port: int) -> None:
        self.server = type("Server", (), {"address": (host, port), "error": None})()


def test_the_taps_dial_what_the_targets_network_policy_permits():
    """A staging gateway named in network.allow_hosts is dialled by the taps as by the harness's own
    clients; a loopback-only guard had refused it, and with the capture on (the default) every
    scenario against such a target was an error. Provider hosts and other names stay refused."""
    from aigw_common.netguard import LOOPBACK_ONLY, NetworkPolicy
    from aigw_conformance.capture.guard import LoopbackGuard

    staging = NetworkPolicy(frozenset({"gateway.staging.example"}))
    for policy, host, refused in ((staging, "gateway.staging.example", False), (staging, "127.0.0.1", False),
                                  (staging, "api.openai.com", True), (staging, "other.example", True),
                                  (LOOPBACK_ONLY, "gateway.staging.example", True)):
        dial = _Dial(host, 443)
        LoopbackGuard(policy).server_connect(dial)
        assert (dial.server.error is not None) == refused, (host, dial.server.error)


def test_a_run_gives_its_taps_the_targets_network_policy(monkeypatch, tmp_path):
    from aigw_common.netguard import NetworkPolicy
    import aigw_conformance.capture as capture
    from aigw_conformance.run import start

    seen = {}

    def fake_start_capture(endpoints, out, redactor, **kwargs):
        seen.update(kwargs)
        raise RuntimeError("stop here")

    monkeypatch.setattr(capture, "start_capture", fake_start_capture)
    target = type("T", (), {"proxy_url": None})()
    policy = NetworkPolicy(frozenset({"gateway.staging.example"}))
    with pytest.raises(RuntimeError, match="stop here"):
        start._start_capture(target, {"default": "https://gateway.staging.example"}, tmp_path, Redactor(),
                             None, policy, None, None)
    assert seen["policy"] is policy
