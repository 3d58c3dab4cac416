"""The public capture object: taps in front of the gateway, tagging, evidence, and the written files."""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from urllib.parse import urlsplit

from aigw_common.netguard import LOOPBACK_ONLY, NetworkPolicy

from ..errors import ConfigError
from .dump import flows_text, har_text
from .guard import LoopbackGuard
from .handshakes import HandshakeRecorder
from .master import MasterHandle, start_master
from .redaction import RedactorLike
from .streaming import StreamRecorder
from .tap_errors import TapErrors, TapFailure
from .tagging import Tagger, TagIndex
from .writer import HANDSHAKES_FILE, HAR_FILE, MITM_FILE, FlowCollector, write_files

FLOW_WAIT = 2.0   # how long evidence/flows_text wait for a test's open flows to end
LOG_FILE = "capture.log"


def _authority(url: str, what: str) -> tuple[str, str, str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"capture: {what} must be an absolute http(s) URL, got {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname
    netloc = parts.netloc.rpartition("@")[2]
    return parts.scheme, netloc, host, port


def _mode_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class Capture:
    """A running capture. Built by `start_capture`; every method is safe from the test thread."""

    def __init__(self, handle: MasterHandle, tap_urls: dict[str, str], proxy_url: str | None,
                 out_dir: Path, redactor: RedactorLike, index: TagIndex, collector: FlowCollector,
                 handshakes: HandshakeRecorder, guard: LoopbackGuard, errors: TapErrors) -> None:
        self._handle, self._redactor = handle, redactor
        self._tap_urls, self._proxy_url = tap_urls, proxy_url
        self.out_dir = out_dir
        self._index, self._collector, self._handshakes, self.guard = index, collector, handshakes, guard
        self._errors = errors
        self._stop_lock = threading.Lock()
        self._stopped = False
        self._writer: threading.Thread | None = None
        self._write_error: BaseException | None = None
        self.written: list[Path] = []

    @property
    def endpoints(self) -> dict[str, str]:
        return dict(self._tap_urls)

    @property
    def proxy_url(self) -> str | None:
        return self._proxy_url

    def expect_connection(self, test_id: str) -> None:
        """Name the test whose TCP connections (and untagged HTTP requests) come next."""
        self._index.expect(test_id)

    tag_next_connection = expect_connection  # the name docs/architecture.md uses

    def tag_port(self, port: int, test_id: str) -> None:
        """Bind a client port to a test; wins over `expect_connection` for that connection."""
        self._index.tag_port(port, test_id)

    def failure(self, *, tracking_id: str | None = None, client_port: int | None = None) -> TapFailure | None:
        """The tap's own failure for a request (by tracking id) or a TCP connection (by client port):
        when set, whatever the harness received came from the tap, not from the gateway."""
        if tracking_id:
            return self._errors.for_tracking(tracking_id)
        if client_port is not None:
            return self._errors.for_port(client_port)
        return None

    def connection_ended(self, client_port: int) -> bool:
        """The tap is done with this TCP connection (its failure, if any, is recorded by now)."""
        return self._errors.port_ended(client_port)

    def flow_ids(self, test_id: str) -> list[str]:
        return self._index.flows(test_id)

    def evidence(self, test_id: str) -> list[str]:
        """Flow ids and the files (relative to out_dir) that hold them, e.g.
        ``["flow:<id>", …, "traffic.mitm", "traffic.har", "handshakes.jsonl"]``."""
        ids = self._index.flows(test_id)
        if not ids:
            return []
        self._collector.wait_finished(ids, FLOW_WAIT)
        kinds = {type(f).__name__ for f in map(self._collector.get, ids) if f is not None}
        files = [MITM_FILE]
        if "HTTPFlow" in kinds:
            files.append(HAR_FILE)
        if "TCPFlow" in kinds:
            files.append(HANDSHAKES_FILE)
        return [f"flow:{i}" for i in ids] + files

    def flows_text(self, test_id: str) -> str:
        ids = self._index.flows(test_id)
        self._collector.wait_finished(ids, FLOW_WAIT)
        flows = [f for f in map(self._collector.get, ids) if f is not None]
        transcripts = {t.conn: t for t in self._handshakes.all()}
        return flows_text(flows, transcripts, self._redactor)

    def har_text(self, test_id: str) -> str:
        ids = self._index.flows(test_id)
        self._collector.wait_finished(ids, FLOW_WAIT)
        return har_text([f for f in map(self._collector.get, ids) if f is not None], self._redactor)

    def handshakes(self, test_id: str) -> list[dict]:
        ids = set(self._index.flows(test_id))
        return [t.to_json(self._redactor.redact_bytes) for t in self._handshakes.all() if t.conn in ids]

    def stop(self) -> list[Path]:
        """Stop the taps, free their ports, write the redacted files. Idempotent."""
        self.begin_stop()
        if self._writer is not None:
            self._writer.join()
        if self._write_error is not None:
            raise self._write_error
        return self.written

    def begin_stop(self) -> None:
        """Stop the taps and start writing the files in a thread, so the run can clean up and stop
        its target meanwhile (that is mostly waiting on other processes); `stop()` waits for them."""
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
            try:
                self._handle.stop()
            finally:
                atexit.unregister(self.stop)
            # not a daemon: an interpreter leaving early still finishes the files
            self._writer = threading.Thread(target=self._write, name="aigw-capture-write")
            self._writer.start()

    def _write(self) -> None:
        try:
            records = []
            for t in self._handshakes.all():
                record = t.to_json(self._redactor.redact_bytes)
                # The tag may have moved to a port mapping after the transcript was finished.
                record["test_id"] = self._redactor.redact(self._test_of(t.conn) or t.test_id)
                records.append(record)
            self.written = write_files(self.out_dir, self._collector.all_flows(), records, self._redactor)
        except BaseException as exc:  # noqa: BLE001 - raised again by stop(), in the caller's thread
            self._write_error = exc

    def _test_of(self, flow_id: str) -> str | None:
        f = self._collector.get(flow_id)
        return f.metadata.get("aigw_test_id") if f is not None else None

    def __enter__(self) -> Capture:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


TAP_OPTIONS = dict(
    # An https gateway's certificate is verified as the harness's own clients verify it (the same CA
    # bundle, certifi's): the tap sends the run's tokens on, to a staging host too (network.allow_hosts).
    connection_strategy="lazy", keep_host_header=True, ssl_insecure=False, http3=False,
    stream_large_bodies=None,
    # The tap must not change what is tested: no header validation or rewriting of its own (and no
    # Alt-Svc rewriting: that addon is not loaded, see master.tap_addons).
    validate_inbound_headers=False,
)


def start_capture(endpoints: dict[str, str], out_dir: Path, redactor: RedactorLike, *,
                  proxy_url: str | None = None, mint_path=None, policy: NetworkPolicy = LOOPBACK_ONLY,
                  upstream_ca: Path | None = None) -> Capture:
    """Start one mitmproxy master with a reverse tap per endpoint and a raw TCP tap for the proxy.

    Taps listen on 127.0.0.1 with free ports and speak plain HTTP to the harness; an https endpoint
    is reached over TLS by the tap, its certificate verified (`upstream_ca`: a PEM file to trust
    instead of the CA bundle). The taps dial only what `policy` permits, the policy of the
    harness's own clients (loopback, and the target's network.allow_hosts).
    """
    out_dir = Path(out_dir)
    modes: list[str] = []
    by_mode: dict[str, tuple[str, str]] = {}
    names: dict[str, str] = {}
    for name, url in endpoints.items():
        scheme, netloc, host, port = _authority(url, f"endpoint {name!r}")
        spec = f"reverse:{scheme}://{_mode_host(host)}:{port}@127.0.0.1:0"
        if spec in by_mode:  # two names for one gateway address: one listener serves both
            names[name] = spec
            continue
        modes.append(spec)
        by_mode[spec] = (name, netloc)
        names[name] = spec
    proxy_spec = None
    if proxy_url:
        _, _, host, port = _authority(proxy_url, "proxy_url")
        proxy_spec = f"reverse:tcp://{_mode_host(host)}:{port}@127.0.0.1:0"
        modes.append(proxy_spec)
        by_mode[proxy_spec] = ("proxy", f"{host}:{port}")
    if not modes:
        raise ConfigError("capture: no endpoints to put a tap in front of")

    # The taps dial what the harness's own clients may dial (the target's network policy), nothing more.
    index, collector, handshakes, guard = TagIndex(), FlowCollector(), HandshakeRecorder(), LoopbackGuard(policy)
    errors = TapErrors(mint_path)
    tagger = Tagger(index, by_mode)
    # Order matters: the guard refuses before dialling, the tagger tags before the others record.
    addons = [guard, tagger, StreamRecorder(), errors, handshakes, collector]
    opts = {**TAP_OPTIONS, **({"ssl_verify_upstream_trusted_ca": str(upstream_ca)} if upstream_ca else {})}
    handle = start_master(modes, addons, opts, out_dir / LOG_FILE, redactor)

    tap_urls: dict[str, str] = {}
    for name, spec in names.items():
        tap = _listen_for(handle, spec)
        tap_urls[name] = f"http://{tap}"
        # A Host header naming the tap is what the client wrote because it was pointed at the tap.
        tagger.tap_authorities.setdefault(by_mode[spec][0], set()).update({tap, tap.replace("127.0.0.1", "localhost")})
    cap = Capture(handle, tap_urls, f"http://{_listen_for(handle, proxy_spec)}" if proxy_spec else None,
                  out_dir, redactor, index, collector, handshakes, guard, errors)
    atexit.register(cap.stop)
    return cap


def _listen_for(handle: MasterHandle, spec: str) -> str:
    for full_spec, addr in handle.listen.items():
        if full_spec == spec:
            return f"{addr[0]}:{addr[1]}"
    raise ConfigError(f"capture: no listener came up for {spec}")
