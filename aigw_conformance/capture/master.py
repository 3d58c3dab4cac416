"""The capture's mitmproxy master: one per process, in a daemon thread with its own event loop.

mitmproxy keeps one global ``ctx.master`` and dispatches every new connection to it, so a second
in-process master cross-wires hooks; all taps are modes of this one master. ``stop()`` first empties
the server list (``shutdown()`` alone leaves listening sockets open, mitmproxy #6245), then shuts
the master down and joins the thread, each step bounded.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mitmproxy import options
from mitmproxy.addons import tlsconfig
from mitmproxy.master import Master

from aigw_common.mitm_addons import proxy_addons

from ..errors import AigwError
from .redaction import RedactorLike

START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0


class CaptureStartError(AigwError):
    """The taps could not listen (a harness error, reported as one paragraph)."""


class _RedactingHandler(logging.FileHandler):
    """mitmproxy's log lines can quote URLs and headers; they go to a file, redacted, never to the terminal."""

    def __init__(self, path: Path, redactor: RedactorLike) -> None:
        super().__init__(path, encoding="utf-8", delay=True)
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor.redact(super().format(record))


@dataclass
class MasterHandle:
    modes: list[str]
    box: dict[str, Any] = field(default_factory=dict)
    thread: threading.Thread | None = None
    log_handler: logging.Handler | None = None

    @property
    def listen(self) -> dict[str, tuple[str, int]]:
        """mode full_spec -> first TCP listen address."""
        return self.box.get("ports", {})

    def stop(self) -> None:
        m, loop = self.box.get("m"), self.box.get("loop")
        if m is not None and loop is not None and not loop.is_closed():
            ps = m.addons.get("proxyserver")
            try:
                asyncio.run_coroutine_threadsafe(ps.servers.update([]), loop).result(STOP_TIMEOUT)
            except Exception:  # noqa: BLE001 - a half-dead loop must not stop the shutdown
                pass
            try:
                loop.call_soon_threadsafe(m.shutdown)
            except RuntimeError:
                pass
        if self.thread is not None:
            self.thread.join(STOP_TIMEOUT)
        if self.log_handler is not None:
            mlog = logging.getLogger("mitmproxy")
            mlog.removeHandler(self.log_handler)
            mlog.propagate = self.box.get("propagate", True)
            self.log_handler.close()
            self.log_handler = None


class _DropShutdownCancellations(logging.Filter):
    """mitmproxy's connection handlers are cancelled when the tap stops; asyncio then logs each one
    with a traceback on the user's terminal. A cancellation at shutdown is expected, not an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, asyncio.CancelledError)


_asyncio_log = logging.getLogger("asyncio")
if not any(isinstance(f, _DropShutdownCancellations) for f in _asyncio_log.filters):
    _asyncio_log.addFilter(_DropShutdownCancellations())


class UpstreamTls(tlsconfig.TlsConfig):
    """TLS towards the gateway only. A tap serves plain HTTP (or raw TCP) to the harness and never
    terminates a client's TLS, so it needs no certificate authority: mitmproxy's would generate an RSA
    key and write it, private key included, to a folder on every run (about 0.3 s of start-up, and a
    CA key left in /tmp whenever a run is killed). Every other TLS option is still checked."""

    _CA_OPTIONS = frozenset({"certs", "confdir", "key_size", "cert_passphrase"})

    def configure(self, updated) -> None:
        super().configure(set(updated) - self._CA_OPTIONS)

    def running(self) -> None:   # the base class re-reads the CA folder here
        pass

    def request(self, flow) -> None:
        # mitmproxy 12 serves its CA's revocation list here (a path named by the CA's serial): with no
        # CA, every request logged an addon error and its traceback. A tap has no CRL to serve.
        pass


def tap_addons() -> list:
    """The taps' mitmproxy addons: `proxy_addons` with TLS towards the gateway only. Importing all of
    mitmproxy's defaults cost start-up about 0.15 s (`aigw_common.mitm_addons`)."""
    return proxy_addons(UpstreamTls())


async def _main(handle: MasterHandle, ready: threading.Event, opts: dict, addons: list) -> None:
    try:
        m = Master(options.Options(mode=handle.modes, listen_host="127.0.0.1"))
        m.addons.add(*tap_addons())
        m.options.update(**opts)
        m.addons.add(*addons)
        handle.box.update(m=m, loop=asyncio.get_running_loop())
        task = asyncio.create_task(m.run())
        ps = m.addons.get("proxyserver")
        for _ in range(int(START_TIMEOUT / 0.02)):
            if task.done() or all(s.listen_addrs for s in ps.servers) and len(ps.servers) == len(handle.modes):
                break
            await asyncio.sleep(0.02)
        handle.box["ports"] = {
            s.mode.full_spec: next(a for a in s.listen_addrs if len(a) >= 2) for s in ps.servers if s.listen_addrs
        }
    except Exception as exc:  # noqa: BLE001 - reported to the starting thread
        handle.box["error"] = exc
        ready.set()
        return
    ready.set()
    await task


def start_master(modes: list[str], addons: list, opts: dict, log_path: Path, redactor: RedactorLike) -> MasterHandle:
    handle = MasterHandle(modes)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handler = _RedactingHandler(log_path, redactor)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    mlog = logging.getLogger("mitmproxy")
    mlog.addHandler(handler)
    handle.box["propagate"] = mlog.propagate
    mlog.propagate = False  # never to the terminal or the harness's log, even redacted
    mlog.setLevel(logging.INFO)
    handle.log_handler = handler
    ready = threading.Event()
    handle.thread = threading.Thread(
        target=lambda: asyncio.run(_main(handle, ready, opts, addons)), name="aigw-capture", daemon=True
    )
    handle.thread.start()
    if not ready.wait(START_TIMEOUT) or "error" in handle.box or len(handle.listen) != len(modes):
        err = handle.box.get("error")
        handle.stop()
        raise CaptureStartError(
            f"the capture's mitmproxy taps did not start ({err or 'listeners not up in time'}); "
            "run with --aigw-capture off to test without them"
        )
    return handle
