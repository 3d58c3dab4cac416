"""Traffic capture: mitmproxy taps in front of the gateway under test, with every secret redacted.

`start_capture(endpoints, out_dir, redactor, proxy_url=None) -> Capture` is the one entry point
(docs/architecture.md, Seam 4). Modules, one job each: `master` (lifecycle), `tagging`, `guard`,
`streaming`, `handshakes`, `tap_errors`, `writer`, `redaction`, `dump`, `merge` (xdist workers'
files), `capture` (the public object).

The names below load on first use: importing this package (or `tap_errors`) does not import
mitmproxy's modules, so a run with capture off, and pytest's start-up, never pay for them. Whatever
module of the package is imported, this runs first: mitmproxy's addons package is registered so that
only the addons the taps use are loaded (`aigw_common.mitm_addons`).
"""

from importlib import import_module

from aigw_common.mitm_addons import defer_package_init

defer_package_init()

_EXPORTS = {"Capture": "capture", "start_capture": "capture", "CaptureStartError": "master",
            "merge_captures": "merge", "HANDSHAKES_FILE": "writer", "HAR_FILE": "writer", "MITM_FILE": "writer"}


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
