"""Flow writer: collects every finished flow and writes the run's capture files.

Flows are kept as mitmproxy left them when they ended and redacted only when written, after the taps
stopped, so a secret registered late in the run is still caught. CONNECT flows that ended in
an error (a 407 from a regular-mode upstream) are saved by neither mitmproxy's ``save`` nor
``savehar``; this writer has an ``http_connect_error`` hook for them.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from mitmproxy import flow as mflow
from mitmproxy import http, io, tcp
from mitmproxy.addons.savehar import SaveHar

from .redaction import RedactorLike, redact_in_place, snapshot

MITM_FILE = "traffic.mitm"
HAR_FILE = "traffic.har"
HANDSHAKES_FILE = "handshakes.jsonl"


class FlowCollector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self.finished: dict[str, mflow.Flow] = {}
        self.live: dict[str, mflow.Flow] = {}

    def _start(self, f: mflow.Flow) -> None:
        with self._lock:
            self.live[f.id] = f

    def _end(self, f: mflow.Flow) -> None:
        # Kept as it is, not copied: mitmproxy is done with a flow once its end hook ran, and the
        # files are written from it only after the taps have stopped (a copy per flow on the request
        # path was most of the tap's cost).
        with self._lock:
            self.finished[f.id] = f
            self.live.pop(f.id, None)
            self._done.notify_all()

    # Registration at the start lets stop() keep flows that never finished.
    def requestheaders(self, f: http.HTTPFlow) -> None:
        self._start(f)

    def http_connect(self, f: http.HTTPFlow) -> None:
        self._start(f)

    def tcp_start(self, f: tcp.TCPFlow) -> None:
        self._start(f)

    def response(self, f: http.HTTPFlow) -> None:
        self._end(f)

    def error(self, f: http.HTTPFlow) -> None:
        self._end(f)

    def http_connect_error(self, f: http.HTTPFlow) -> None:
        self._end(f)

    def tcp_end(self, f: tcp.TCPFlow) -> None:
        self._end(f)

    def tcp_error(self, f: tcp.TCPFlow) -> None:
        self._end(f)

    def wait_finished(self, flow_ids: list[str], timeout: float) -> bool:
        """Wait (bounded) until every given flow has ended; True if they all did."""
        with self._done:
            return self._done.wait_for(
                lambda: all(fid in self.finished or fid not in self.live for fid in flow_ids), timeout
            )

    def get(self, flow_id: str) -> mflow.Flow | None:
        with self._lock:
            f = self.finished.get(flow_id)
            if f is None and flow_id in self.live:
                f = snapshot(self.live[flow_id])
            return f

    def all_flows(self) -> list[mflow.Flow]:
        with self._lock:
            flows = list(self.finished.values()) + [snapshot(f) for f in self.live.values()]
        return sorted(flows, key=_start_time)


def _start_time(f: mflow.Flow) -> float:
    return f.client_conn.timestamp_start or 0.0


def write_files(
    out_dir: Path, flows: list[mflow.Flow], handshakes: list[dict], redactor: RedactorLike
) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    # `flows` are the collector's own detached copies, written once at stop: redacted where they lie
    clean = [redact_in_place(f, redactor) for f in flows]
    mitm = out_dir / MITM_FILE
    with mitm.open("wb") as fh:
        writer = io.FlowWriter(fh)
        for f in clean:
            writer.add(f)
    har = SaveHar().make_har([f for f in clean if isinstance(f, http.HTTPFlow)])
    # The HAR shows decoded text; redact the serialised form once more as a last net. Not indented:
    # with an indent json falls back to its pure-Python encoder (0.13 s instead of 0.03 s for 3 MB).
    har_path = out_dir / HAR_FILE
    har_path.write_text(redactor.redact(json.dumps(har)), encoding="utf-8")
    hs_path = out_dir / HANDSHAKES_FILE
    with hs_path.open("w", encoding="utf-8") as fh:
        for record in handshakes:
            fh.write(redactor.redact(json.dumps(record, sort_keys=True)) + "\n")
    return [mitm, har_path, hs_path]
