"""Coder API token format (AUTH-TOKEN-001..003): `<10 id>-<22 secret>`, SHA-256 of the secret stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase  # cryptorand.Default


def random_string(n: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def generate() -> tuple[str, str, str]:
    """Returns (token, id, secret)."""
    key_id, secret = random_string(10), random_string(22)
    return f"{key_id}-{secret}", key_id, secret


def split(token: str) -> tuple[str, str] | None:
    """SplitAPIToken: exactly two parts, 10 and 22 long; no charset check, no trim.

    Tokens arrive latin-1 decoded, so len() is Go's byte length."""
    parts = token.split("-")
    if len(parts) != 2 or len(parts[0]) != 10 or len(parts[1]) != 22:
        return None
    return parts[0], parts[1]


def _bytes(s: str) -> bytes:
    return s.encode("latin-1", "surrogateescape") if all(ord(c) < 256 for c in s) else s.encode("utf-8")


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(_bytes(secret)).digest()


def validate_hash(hashed: bytes, secret: str) -> bool:
    return hmac.compare_digest(bytes(hashed), hash_secret(secret))  # subtle.ConstantTimeCompare
