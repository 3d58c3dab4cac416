"""Near-miss tokens: a real, valid token with one character changed (issue 15, section 2).

Each kind names what changes and where: the case of one letter (in the id or in the secret), one
character replaced (id or secret; first, middle or last position), or one character added or removed
at either end of the whole token. A faithful gateway refuses every one of them with 403; a gateway
that looks ids up case-insensitively, compares only part of the secret, trims or pads, is caught.

Values are derived from a secret, so they are as secret as it is: `derive` returns the value and the
caller registers it with the redactor before anything can record it.
"""

from __future__ import annotations

from aigw_conformance.tokens.token import ALPHABET

POSITIONS = ("first", "middle", "last")
NEAR_MISS: dict[str, str] = {
    **{f"id-case-{p}": f"the {p} letter of the id with its case flipped" for p in POSITIONS},
    **{f"secret-case-{p}": f"the {p} letter of the secret with its case flipped" for p in POSITIONS},
    **{f"id-replace-{p}": f"the {p} character of the id replaced by another" for p in POSITIONS},
    **{f"secret-replace-{p}": f"the {p} character of the secret replaced by another" for p in POSITIONS},
    "add-start": "one character added before the token",
    "add-end": "one character added after the token",
    "remove-start": "the first character of the token removed",
    "remove-end": "the last character of the token removed",
}
PREFIX = "near-miss:"


class NotDerivable(ValueError):
    """The token has no character of the needed kind (e.g. an id of ten digits has no letter to flip)."""


def _index(length: int, position: str) -> int:
    return {"first": 0, "middle": length // 2, "last": length - 1}[position]


def _letter_index(part: str, position: str) -> int:
    """The letter nearest to the position class's index (case flips need a letter)."""
    letters = [i for i, c in enumerate(part) if c.isalpha()]
    if not letters:
        raise NotDerivable(f"no letter to flip in a {len(part)}-character part")
    want = _index(len(part), position)
    return min(letters, key=lambda i: (abs(i - want), i))


def _other(c: str) -> str:
    return ALPHABET[(ALPHABET.index(c) + 1) % len(ALPHABET)] if c in ALPHABET else "A"


def derive(value: str, name: str) -> str:
    """The near-miss of `value` (an `<id>-<secret>` token) named `name`."""
    if name not in NEAR_MISS:
        raise KeyError(f"unknown near-miss kind {name!r}; known: {', '.join(NEAR_MISS)}")
    if name == "add-start":
        return _other(value[0]) + value
    if name == "add-end":
        return value + _other(value[-1])
    if name == "remove-start":
        return value[1:]
    if name == "remove-end":
        return value[:-1]
    key_id, _, secret = value.partition("-")
    what, change, position = name.split("-")
    part = key_id if what == "id" else secret
    if change == "case":
        i = _letter_index(part, position)
        part = part[:i] + part[i].swapcase() + part[i + 1:]
    else:
        i = _index(len(part), position)
        part = part[:i] + _other(part[i]) + part[i + 1:]
    return f"{part}-{secret}" if what == "id" else f"{key_id}-{part}"


__all__ = ["NEAR_MISS", "PREFIX", "POSITIONS", "derive", "NotDerivable"]
