"""Secret scans of a run folder whose ground truth comes from the gateway, not from the harness.

The reference writes every key it issues to a file (`AIGW_REFERENCE_ISSUED_KEYS_FILE`); the scan
reads that file and looks, in every file under the run folder, for each key:

- raw, and its secret half alone, ignoring case (a case-flipped secret is as secret as the original);
- any 11 consecutive characters of the 22-character secret, ignoring case: a value one character
  away from the secret (a fuzz mutation, a near-miss probe, a truncation past the middle) keeps at
  least 11 of them in a row, and 11 random base-62 characters do not appear by chance (62^11 ≈ 5e19);
- base64 of the key and of the Basic credentials `coder:<key>` and `:<key>`, standard and
  url-safe, padded and not, and each of those URL-encoded.

`token_answers` is the second scan: every token-shaped value in a 201 answer of the token API in
traffic.mitm and traffic.har that is not redacted.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

TOKEN_SHAPE = re.compile(r"[0-9A-Za-z]{10}-[0-9A-Za-z]{22}")
RUN_OF = 11
_MINT = re.compile(r"/api/v2/users/[^/?#]+/keys(/tokens)?/?$")


def issued_keys(path: Path) -> list[str]:
    return [k for k in path.read_text(encoding="utf-8").split() if "-" in k]


def encoded_forms(key: str) -> set[bytes]:
    forms: set[bytes] = set()
    for raw in (key, f"coder:{key}", f":{key}"):
        for enc in (base64.b64encode, base64.urlsafe_b64encode):
            padded = enc(raw.encode()).decode()
            for form in {padded, padded.rstrip("=")}:
                forms |= {form.encode(), quote(form, safe="").encode(), quote_plus(form).encode()}
    return forms


@dataclass(frozen=True)
class Leak:
    file: str
    key_id: str
    form: str

    def __str__(self) -> str:
        return f"{self.file}: key {self.key_id}: {self.form}"


def scan(run_dir: Path, keys: list[str], extra: dict[str, str] | None = None) -> list[Leak]:
    """Every place a file under run_dir (or an `extra` text: the terminal) shows an issued key, or a
    near copy of its secret."""
    needles: list[tuple[str, str, bytes, bool]] = []     # key id, form name, bytes, ignore case
    for key in keys:
        key_id, _, secret = key.partition("-")
        needles.append((key_id, "raw", key.lower().encode(), True))
        needles += [(key_id, f"{RUN_OF} characters of the secret", secret[i:i + RUN_OF].lower().encode(), True)
                    for i in range(len(secret) - RUN_OF + 1)]
        needles += [(key_id, "base64 / url-encoded", form, False) for form in encoded_forms(key)]
    leaks: list[Leak] = []
    texts = [(name, text.encode("utf-8", "surrogateescape")) for name, text in (extra or {}).items()]
    for name, data in [*texts, *_contents(run_dir)]:
        low = data.lower()
        seen: set[tuple[str, str]] = set()
        for key_id, form, needle, nocase in needles:
            if (key_id, form) not in seen and needle in (low if nocase else data):
                seen.add((key_id, form))
                leaks.append(Leak(name, key_id, form))
    return leaks


def _contents(run_dir: Path):
    """Every file's bytes, plus the decoded bodies a HAR holds in base64 (hidden from a byte scan)."""
    for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
        name = str(path.relative_to(run_dir))
        data = path.read_bytes()
        yield name, data
        if path.suffix == ".har":
            for i, entry in enumerate(json.loads(data)["log"]["entries"]):
                for part in ("request", "response"):
                    body = entry[part].get("content") or entry[part].get("postData") or {}
                    if body.get("encoding") == "base64" and body.get("text"):
                        yield f"{name}#{i}.{part}", base64.b64decode(body["text"])


def _minting(method: str, url: str, status: int) -> bool:
    return method.upper() == "POST" and status == 201 and bool(_MINT.search(url.split("?", 1)[0]))


def token_answers(run_dir: Path) -> tuple[int, list[str]]:
    """(201 answers of the token API seen, token-shaped values in them that are not redacted)."""
    seen, clear = 0, []
    for har in run_dir.rglob("*.har"):
        for entry in json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]:
            req, resp = entry["request"], entry["response"]
            if _minting(req["method"], req["url"], resp["status"]):
                seen += 1
                text = (resp.get("content") or {}).get("text") or ""
                clear += [f"{har.name}: {m[:11]}…" for m in TOKEN_SHAPE.findall(text)]
    for mitm in run_dir.rglob("*.mitm"):
        from mitmproxy import http, io

        with open(mitm, "rb") as fh:
            for flow in io.FlowReader(fh).stream():
                if not isinstance(flow, http.HTTPFlow) or flow.response is None:
                    continue
                if _minting(flow.request.method, flow.request.url, flow.response.status_code):
                    seen += 1
                    text = (flow.response.raw_content or b"").decode("utf-8", "replace")
                    clear += [f"{mitm.name}: {m[:11]}…" for m in TOKEN_SHAPE.findall(text)]
    return seen, clear
