"""Request shapes: what a client sends, with secrets and per-run values replaced by placeholders.

A shape is `{method, path, query, headers: [[name, value], ...]}` in the client's own order and
spelling. Recorded shapes (fixtures/client-shapes/<client>.json, written by `aigw-conformance
clients record` from real runs) and the emulated `clients` suite are both normalized here, so a
test can say whether the emulation still sends what the pinned client sends.

Left out of a shape: transport headers that the sending library decides (Host, Content-Length,
Connection, Accept-Encoding, Transfer-Encoding) and the harness's own X-Aigw-* headers. Values
that differ per run or per machine are placeholders: the Coder token `<coder-token>`, a user key of
the suites (`…aigwFAKE…`) `<user-key>`, UUIDs `<uuid>`, the runtime / OS / arch of the machine `<env>`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from aigw_conformance import resources

SHAPES_DIR = resources.fixture("client-shapes")
TRANSPORT = frozenset({"host", "content-length", "connection", "accept-encoding", "transfer-encoding"})
MACHINE = frozenset({"x-stainless-runtime-version", "x-stainless-os", "x-stainless-arch"})

_REDACTED_TOKEN = re.compile(r"[0-9A-Za-z]{10}-<redacted:[0-9a-f]+>")
_TEMPLATE_TOKEN = re.compile(r"\{\{\s*(?:token|tokens\.[A-Za-z0-9_-]+)(?:\.id)?\s*\}\}")
_USER_KEY = re.compile(r"[A-Za-z0-9_.-]*aigwFAKE[A-Za-z0-9_.-]*")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_TRACKING = re.compile(r"aigw-trk-[0-9a-f]{32}")
_UNIX_MS = re.compile(r"(?<![0-9])1[0-9]{12}(?![0-9])")                  # a timestamp in milliseconds
_UA_PLATFORM = re.compile(r"^(codex_[a-z_]+/[^ ]+) \([^)]*\) [^ ]+")     # codex: (OS; arch) terminal


def normalize_value(name: str, value: str) -> str:
    lname = name.lower()
    if lname in MACHINE:
        return "<env>"
    v = _TEMPLATE_TOKEN.sub("<coder-token>", value)
    v = _REDACTED_TOKEN.sub("<coder-token>", v)
    v = _USER_KEY.sub("<user-key>", v)
    v = _TRACKING.sub("<tracking-id>", v)
    v = _UUID.sub("<uuid>", v)
    v = _UNIX_MS.sub("<unix-ms>", v)
    if lname == "user-agent":
        v = _UA_PLATFORM.sub(r"\1 (<env>) <env>", v)
    return v


def normalize_headers(headers: Iterable[tuple[str, str]]) -> list[str]:
    """`Name: value` lines (one string per header keeps the fixture readable and diffable)."""
    return [f"{k}: {normalize_value(k, v)}" for k, v in headers
            if k.lower() not in TRANSPORT and not k.lower().startswith("x-aigw-")]


def pairs(lines: Iterable[str]) -> list[tuple[str, str]]:
    return [(line.partition(":")[0], line.partition(":")[2].lstrip(" ")) for line in lines]


def shape_of_har_entry(entry: dict, prefix: str) -> dict:
    req = entry.get("request", {})
    url = urlsplit(req.get("url", ""))
    path = url.path[len(prefix):] if url.path.startswith(prefix) else url.path
    return {"method": req.get("method", ""), "path": path, "query": url.query,
            "headers": normalize_headers((h.get("name", ""), h.get("value", "")) for h in req.get("headers", []))}


def header_diff(recorded: list[str], emulated: list[str]) -> list[str]:
    """What differs between two normalized header lists (names compared case-insensitively)."""
    rec = [(k.lower(), v) for k, v in pairs(recorded)]
    emu = [(k.lower(), v) for k, v in pairs(emulated)]
    out = []
    rec_names, emu_names = [k for k, _ in rec], [k for k, _ in emu]
    for k in rec_names:
        if k not in emu_names:
            out.append(f"missing header {k} (the client sends {dict(rec)[k]!r})")
    for k in emu_names:
        if k not in rec_names:
            out.append(f"extra header {k} (the client does not send it)")
    common_rec = [k for k in rec_names if k in emu_names]
    common_emu = [k for k in emu_names if k in rec_names]
    if common_rec != common_emu:
        out.append(f"header order differs: client {common_rec}, emulation {common_emu}")
    rd, ed = dict(rec), dict(emu)
    for k in common_rec:
        if rd[k] != ed[k]:
            out.append(f"header {k}: client sends {rd[k]!r}, emulation {ed[k]!r}")
    return out


def load_recorded(folder: Path = SHAPES_DIR) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}


__all__ = ["SHAPES_DIR", "normalize_value", "normalize_headers", "pairs", "shape_of_har_entry", "header_diff",
           "load_recorded"]
