"""Redaction by value: every secret a run handles is registered with its `Redactor` before it is used,
and every byte that leaves the process for a file, a report or the terminal goes through it.

There is no process-wide instance: start-up creates one and hands it to everything that writes.
`mask_token_shapes` is the stateless second line: it hides anything shaped like a Coder API token,
for text that no redactor was told about (a command's error line, a file read back).

A token keeps its id so evidence stays readable: ``AbCdEf1234-<redacted:9f2c>``. The four hex digits
are the start of SHA-256 of the secret, so two different secrets stay distinguishable in a report
without revealing either. ``Basic`` credentials are decoded, redacted inside and re-shown decoded
(``Basic <b64:coder:AbCdEf1234-<redacted:9f2c>>``), because a base64 blob hides a secret from a
by-value scan.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import threading

_MIN_SECRET_LEN = 8  # shorter values would mangle ordinary text; real secrets are longer
_BASIC = re.compile(r"(?i)\b(basic)(\s+)([A-Za-z0-9+/_=-]{4,})")


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()[:4]


def marker(secret: str) -> str:
    return f"<redacted:{fingerprint(secret)}>"


class Redactor:
    """Thread-safe registry of secrets and their replacements."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._replacements: dict[str, str] = {}
        self._pattern: _Matcher | None = None

    def add_token(self, token: str) -> None:
        """Register an ``ID-secret`` token (or anything else secret) by value."""
        if not token or len(token) < _MIN_SECRET_LEN:
            return
        parts = token.split("-")
        if len(parts) == 2 and parts[0] and len(parts[1]) >= _MIN_SECRET_LEN:
            key_id, secret = parts
            self._add(token, f"{key_id}-{marker(secret)}")
            self._add(secret, marker(secret))
        else:
            self._add(token, marker(token))

    def add_secret(self, value: str) -> None:
        """Register an opaque secret (provider key, gateway key) that has no id worth keeping."""
        if value and len(value) >= _MIN_SECRET_LEN:
            self._add(value, marker(value))

    def _add(self, value: str, replacement: str) -> None:
        with self._lock:
            if value in self._replacements:
                return
            self._replacements[value] = replacement
            for form in _encoded_forms(value):
                self._replacements.setdefault(form, replacement)
            self._pattern = None

    def secrets(self) -> list[str]:
        with self._lock:
            return list(self._replacements)

    def _compiled(self) -> "_Matcher | None":
        with self._lock:
            if self._pattern is None and self._replacements:
                self._pattern = _Matcher(self._replacements)
            return self._pattern

    def redact(self, text: str) -> str:
        if not text:
            return text
        text = _BASIC.sub(self._redact_basic, text)
        pattern = self._compiled()
        if pattern is None:
            return text
        return pattern.sub(text)

    def redact_bytes(self, data: bytes) -> bytes:
        if not data:
            return data
        text = data.decode("utf-8", "surrogateescape")
        return self.redact(text).encode("utf-8", "surrogateescape")

    def redact_obj(self, obj):
        """Redact every string inside a JSON-like structure (dicts, lists, tuples)."""
        if isinstance(obj, str):
            return self.redact(obj)
        if isinstance(obj, bytes):
            return self.redact_bytes(obj)
        if isinstance(obj, dict):
            return {self.redact_obj(k): self.redact_obj(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return type(obj)(self.redact_obj(v) for v in obj)
        return obj

    def _redact_basic(self, m: re.Match[str]) -> str:
        blob = m.group(3)
        try:
            decoded = base64.b64decode(blob + "=" * (-len(blob) % 4), altchars=b"-_" if "-" in blob or "_" in blob else None, validate=False).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return m.group(0)
        pattern = self._compiled()
        if pattern is None:
            return m.group(0)
        inner = pattern.sub(decoded)
        if inner == decoded:
            return m.group(0)
        return f"{m.group(1)}{m.group(2)}<b64:{inner}>"


class _Matcher:
    """Leftmost, longest-first replacement of many literal secrets (what one big regex alternation did).

    [protocol, issue 15] A regex of N alternatives costs O(N) per text position and is recompiled after
    every new secret; with the cross-product suites a run registers thousands of secrets and redaction
    became most of the run time (4 KB took 0.35 s at 7000 secrets). Here: the text is cut into runs of
    characters that occur in some secret (one C-level regex), and inside a run each position is looked
    up by its first _MIN_SECRET_LEN characters in a dict. Building is O(N), matching O(len(text)).
    Matching ignores case: a secret with its case changed (a near-miss probe, a fuzz mutation, a
    template's upper()) is as secret as the original; the id of a case-changed token stays as sent.
    """

    def __init__(self, replacements: dict[str, str]) -> None:
        self.repl = dict(replacements)
        index: dict[str, list[str]] = {}
        chars: set[str] = set()
        for secret in self.repl:
            index.setdefault(secret[:_MIN_SECRET_LEN].lower(), []).append(secret)
            chars.update(secret.lower() + secret.upper())
        for cands in index.values():
            cands.sort(key=len, reverse=True)      # longest first: a full token wins over its secret
        self.index = index
        cls = "".join(sorted(re.escape(c) for c in chars))
        self.runs = re.compile(f"[{cls}]{{{_MIN_SECRET_LEN},}}")

    def _replacement(self, secret: str, seen: str) -> str:
        rep = self.repl[secret]
        key_id, dash, _ = secret.partition("-")
        if seen != secret and dash and rep.startswith(key_id + "-<"):
            return seen.partition("-")[0] + rep[len(key_id):]
        return rep

    def sub(self, text: str) -> str:
        out: list[str] = []
        last = 0
        for run in self.runs.finditer(text):
            i, end = run.start(), run.end()
            low = run.group(0).lower()
            while i <= end - _MIN_SECRET_LEN:
                j = i - run.start()
                for secret in self.index.get(low[j:j + _MIN_SECRET_LEN], ()):
                    if low.startswith(secret.lower(), j):
                        out.append(text[last:i])
                        out.append(self._replacement(secret, text[i:i + len(secret)]))
                        i += len(secret)
                        last = i
                        break
                else:
                    i += 1
        if not out:
            return text
        out.append(text[last:])
        return "".join(out)

    def search(self, text: str) -> bool:
        return self.sub(text) != text


def _encoded_forms(value: str) -> list[str]:
    """Encodings under which the value could appear verbatim in a report: plain base64 of the value
    and of the usual ``user:value`` proxy credentials (the by-value scan must find those too)."""
    forms = []
    for raw in (value, f"coder:{value}", f":{value}"):
        b = raw.encode()
        forms.append(base64.b64encode(b).decode().rstrip("="))
        forms.append(base64.urlsafe_b64encode(b).decode().rstrip("="))
    return [f for f in forms if len(f) >= _MIN_SECRET_LEN]


_TOKEN_SHAPE = re.compile(r"\b([0-9A-Za-z]{10})-([0-9A-Za-z]{22})\b")


def mask_token_shapes(text: str) -> str:
    """Replace the secret half of every ``ID-secret``-shaped value (10 + 22 alphanumerics)."""
    return _TOKEN_SHAPE.sub(lambda m: f"{m.group(1)}-{marker(m.group(2))}", text) if text else text


__all__ = ["Redactor", "fingerprint", "marker", "mask_token_shapes"]
