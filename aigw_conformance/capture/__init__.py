"""Traffic capture: mitmproxy taps in front of the gateway under test, with every secret redacted.

`start_capture(endpoints, out_dir, redactor, proxy_url=None) -> Capture` is the one entry point
(docs/architecture.md, Seam 4). Modules, one job each: `master` (lifecycle), `tagging`, `guard`,
`streaming`, `handshakes`, `writer`, `redaction`, `dump`, `merge` (xdist workers' files), `capture` (the public object).
"""

from .capture import Capture, start_capture
from .master import CaptureStartError
from .merge import merge_captures
from .writer import HANDSHAKES_FILE, HAR_FILE, MITM_FILE

__all__ = ["Capture", "CaptureStartError", "HANDSHAKES_FILE", "HAR_FILE", "MITM_FILE", "merge_captures", "start_capture"]
