"""Merging the per-worker captures of a pytest-xdist run into the run's three files.

Each worker process has its own master and writes its own (already redacted) files into its own
folder; the controller, which never captured anything itself, joins them. Inputs are redacted
again on the way through, which is harmless and catches secrets the controller knows.
"""

from __future__ import annotations

import json
from pathlib import Path

from mitmproxy import io

from .redaction import RedactorLike
from .writer import HANDSHAKES_FILE, HAR_FILE, MITM_FILE


def merge_captures(worker_dirs: list[Path], out_dir: Path, redactor: RedactorLike) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    har: dict | None = None
    with (out_dir / MITM_FILE).open("wb") as mitm, (out_dir / HANDSHAKES_FILE).open("w", encoding="utf-8") as hs:
        writer = io.FlowWriter(mitm)
        for d in worker_dirs:
            if (d / MITM_FILE).exists():
                with (d / MITM_FILE).open("rb") as fh:
                    for f in io.FlowReader(fh).stream():
                        writer.add(f)
            if (d / HANDSHAKES_FILE).exists():
                for line in (d / HANDSHAKES_FILE).read_text(encoding="utf-8").splitlines():
                    hs.write(redactor.redact(line) + "\n")
            if (d / HAR_FILE).exists():
                doc = json.loads((d / HAR_FILE).read_text(encoding="utf-8"))
                if har is None:
                    har = doc
                else:
                    har["log"]["entries"].extend(doc["log"]["entries"])
    har = har or {"log": {"version": "1.2", "creator": {"name": "aigw-conformance", "version": ""}, "entries": []}}
    (out_dir / HAR_FILE).write_text(redactor.redact(json.dumps(har)), encoding="utf-8")
    return [out_dir / MITM_FILE, out_dir / HAR_FILE, out_dir / HANDSHAKES_FILE]
