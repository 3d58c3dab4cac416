"""Hide what a mutated token still reveals of the real secret.

By-value redaction (the run's `Redactor`) only catches the exact secret; a mutated token with one flipped
character would otherwise print 21 of its 22 characters. Any run of 4 or more characters that
matches the secret (ignoring case, which mutations change) becomes ``<secret[a:b]>``, so a shrunk
example still shows *where* it differs without showing what the secret is.

`register_near_copies` is for what the engine *sends*: the capture records every request, and
mitmproxy's own log quotes header lines it could not parse, before any engine code sees them again.
A mutated value is one character away from a live secret (21 of its 22 characters), so it is a
secret too: it is registered with the run's redactor before the request goes out, whole and in the
pieces a parser may cut it into (at whitespace and control characters).
"""

from __future__ import annotations

import re
from typing import Iterable, Protocol

_MIN_RUN = 4
# where a header parser may cut a value: whitespace, controls, and the Unicode spaces mutations insert
_CUTS = re.compile(r"[\s\x00-\x1f\x7f\x85\xa0\u2000-\u200b\u2028\u2029\u3000\ufeff]+")


class SecretSink(Protocol):
    def add_secret(self, value: str) -> None: ...


def mask_near(text: str, secret: str) -> str:
    if len(secret) < _MIN_RUN:
        return text
    low_secret = secret.lower()
    # a run of _MIN_RUN or more starts with one of the secret's _MIN_RUN-grams: elsewhere, one lookup
    grams = {low_secret[k:k + _MIN_RUN] for k in range(len(secret) - _MIN_RUN + 1)}
    low_text = text.lower()
    if len(low_text) != len(text):   # a character whose lower case is longer ('İ'): keep positions
        low_text = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    out: list[str] = []
    i = 0
    while i < len(text):
        if low_text[i:i + _MIN_RUN] not in grams:
            out.append(text[i])
            i += 1
            continue
        best_len, best_at = 0, -1
        low = low_text[i:i + len(secret)]
        for start in range(len(secret)):
            n = 0
            while n < len(low) and start + n < len(secret) and low[n] == low_secret[start + n]:
                n += 1
            if n > best_len:
                best_len, best_at = n, start
        if best_len >= _MIN_RUN:
            out.append(f"<secret[{best_at}:{best_at + best_len}]>")
            i += best_len
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def mask_token(text: str, token: str) -> str:
    """Mask near-copies of the secret half of an ``id-secret`` token (the id is not secret)."""
    secret = token.split("-", 1)[1] if "-" in token else token
    return mask_near(text, secret)


def _shares_run(text: str, secret: str) -> bool:
    low, sec = text.lower(), secret.lower()
    return any(sec[i:i + _MIN_RUN] in low for i in range(len(sec) - _MIN_RUN + 1))


def near_copies(values: Iterable[str], token: str) -> list[str]:
    """The pieces of sent header values that show part of the token's secret without being it."""
    secret = token.split("-", 1)[1] if "-" in token else token
    out: list[str] = []
    for value in values:
        for piece in [value, *_CUTS.split(value)]:
            piece = piece.strip()
            # the exact secret (any case) is registered already; a long extension of it is masked by it
            if piece and secret.lower() not in piece.lower() and _shares_run(piece, secret) and piece not in out:
                out.append(piece)
    return out


def register_near_copies(redactor: SecretSink, headers: Iterable[tuple[str, str]], token: str) -> None:
    # whole, as an opaque secret: what precedes a dash here is not a key id (a moved separator puts
    # half the secret in front of it)
    for piece in near_copies((v for _, v in headers), token):
        redactor.add_secret(piece)
