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

import ahocorasick

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
        self._matcher = _TwoTierMatcher()

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
            new = {value: replacement}
            for form in _encoded_forms(value):
                if form not in self._replacements:
                    new.setdefault(form, replacement)
            self._replacements.update(new)
            self._matcher.add(new)

    def secrets(self) -> list[str]:
        with self._lock:
            return list(self._replacements)

    def redact(self, text: str) -> str:
        if not text:
            return text
        # A C scan first: the regex's own scan is 40x slower on a large HAR. Only for ASCII text,
        # where it is exact (re's IGNORECASE also folds e.g. U+017F to "s").
        if not text.isascii() or "basic" in text.lower():
            text = _BASIC.sub(self._redact_basic, text)
        with self._lock:
            return self._matcher.sub(text)

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
        with self._lock:
            inner = self._matcher.sub(decoded)
        if inner == decoded:
            return m.group(0)
        return f"{m.group(1)}{m.group(2)}<b64:{inner}>"


# Lower-case ASCII only: the same length as the text, so positions found in it are positions in the
# text (str.lower() may change the length of non-ASCII text).
_ASCII_LOWER = str.maketrans({chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)})


def fold(text: str) -> str:
    """ASCII lower case: str.lower() is exactly that for ASCII text (the table is for the rest)."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


class _Automaton:
    """Case-insensitive matching of many literal secrets (Aho-Corasick, C speed).

    A regex of N alternatives costs O(N) per text position; a run registers thousands of secrets
    (every token, its secret half and their base64 forms). Matching ignores ASCII case: a secret with
    its case changed (a near-miss probe, a fuzz mutation, a template's upper()) is as secret as the
    original; the id of a case-changed token stays as it was sent."""

    def __init__(self, replacements: dict[str, str]) -> None:
        self.automaton = ahocorasick.Automaton()
        for secret, rep in replacements.items():
            self.automaton.add_word(fold(secret), (secret, rep))
        self.automaton.make_automaton()

    def matches(self, folded: str) -> list[tuple[int, int, str, str]]:
        """Every occurrence of every secret, overlapping ones too: (start, end, secret, replacement)."""
        return [(end - len(secret) + 1, end + 1, secret, rep) for end, (secret, rep) in self.automaton.iter(folded)]


def _substitute(text: str, found: list[tuple[int, int, str, str]]) -> str:
    """`text` with every character of every occurrence replaced. Where occurrences overlap (a secret
    inside a longer one, two that share characters, found by different automata), the one starting
    first and reaching furthest is shown as its replacement, and what another reaches beyond it as
    that one's marker: no character of either is left, whichever was registered first."""
    if not found:
        return text
    found.sort(key=lambda m: (m[0], -m[1]))
    out: list[str] = []
    last = 0   # text[:last] is written
    for start, end, secret, rep in found:
        if end <= last:
            continue                  # inside what is replaced already
        if start >= last:
            out.append(text[last:start])
            out.append(_replacement(secret, rep, text[start:end]))
        else:
            out.append(marker(secret))   # reaches past the previous one: its tail is secret too
        last = end
    out.append(text[last:])
    return "".join(out)


def _replacement(secret: str, rep: str, seen: str) -> str:
    key_id, dash, _ = secret.partition("-")
    if seen != secret and dash and rep.startswith(key_id + "-<"):
        return seen.partition("-")[0] + rep[len(key_id):]
    return rep


_ONE_LEVEL_ABOVE = 64 << 10   # characters


class _TwoTierMatcher:
    """Rebuilding one automaton after every new secret would cost O(N) per token minted. Secrets
    arrive in small batches and are matched from automata of doubling sizes (merged like an LSM
    tree): each secret is rebuilt into a larger automaton O(log N) times, and a batch is only built
    when a redaction needs it."""

    def __init__(self) -> None:
        self._levels: list[tuple[dict[str, str], _Automaton]] = []
        self._pending: dict[str, str] = {}

    def add(self, new: dict[str, str]) -> None:
        self._pending.update(new)

    def _settle(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, {}
        while self._levels and len(self._levels[-1][0]) <= 2 * len(batch):
            older, _ = self._levels.pop()
            batch = {**older, **batch}
        self._levels.append((batch, _Automaton(batch)))

    def sub(self, text: str) -> str:
        self._settle()
        if len(text) > _ONE_LEVEL_ABOVE and len(self._levels) > 1:
            # Each level scans the whole text (~40 ns a character): for a capture file, building one
            # automaton of every secret (a few ms) is cheaper than scanning it once per level.
            merged = {k: v for d, _ in self._levels for k, v in d.items()}
            self._levels = [(merged, _Automaton(merged))]
        # The occurrences of all levels are replaced together: level by level, a short secret of one
        # level replaced first could split a longer one of another (a fuzz mutation that moved the
        # separator contains the secret's tail, registered on its own), leaving the rest of it.
        folded = fold(text)
        return _substitute(text, [m for _, matcher in self._levels for m in matcher.matches(folded)])


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
