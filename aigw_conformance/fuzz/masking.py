"""Hide what a mutated token still reveals of the real secret.

By-value redaction (the run's `Redactor`) only catches the exact secret; a mutated token with one flipped
character would otherwise print 21 of its 22 characters. Any run of 4 or more characters that
matches the secret (ignoring case, which mutations change) becomes ``<secret[a:b]>``, so a shrunk
example still shows *where* it differs without showing what the secret is.
"""

from __future__ import annotations

_MIN_RUN = 4


def mask_near(text: str, secret: str) -> str:
    if len(secret) < _MIN_RUN:
        return text
    low_secret = secret.lower()
    out: list[str] = []
    i = 0
    while i < len(text):
        best_len, best_at = 0, -1
        low = text[i:i + len(secret)].lower()
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
