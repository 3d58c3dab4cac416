"""Hypothesis strategies that turn one valid token into near-miss credentials.

An example is a `Presentation`: the header list a client sends (order and duplicates kept) plus a
short label of how it was made, so a shrunk failure reads like "flip at 17 via bearer".
The oracle (`extract.may_authenticate`) decides afterwards whether the result is still the minted
token under AUTH-HTTP-001; strategies never need to avoid generating equivalents.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from hypothesis import strategies as st

ALNUM = string.ascii_letters + string.digits
# Characters a careless parser might treat as a separator or ignore.
SEPARATORS = ["", "_", ".", ":", "--", "—", "‐", "−", "‑", "\u00ad", " ", "+", "/", "="]
LOOKALIKES = {
    "0": "OоΟ０", "O": "0ОΟ０", "o": "оο０", "1": "lIі１", "l": "1Iі", "I": "l1І",
    "a": "аɑ", "e": "еє", "p": "р", "c": "с", "x": "х", "y": "у", "A": "АΑ", "B": "ВΒ",
    "E": "ЕΕ", "H": "НΗ", "K": "КΚK", "M": "МΜ", "P": "РΡ", "T": "ТΤ", "X": "ХΧ", "s": "ѕſ",
    "S": "Ѕ", "k": "K", "i": "іı", "j": "ј",
}
WHITESPACE_AND_CONTROL = [" ", "\t", "\x0b", "\x0c", "\x00", "\x01", "\x1f", "\x7f", "\x85", "\xa0",
                          "\u2000", "\u200b", "\u2028", "\u3000", "\ufeff", "\r", "\n"]
SCHEMES = ["Bearer", "bearer", "BEARER", "BeArEr", "Bearer ", "Bearer\t", "Bearer:", "Bearer=",
           "Token", "Basic", "Bearer\u00a0", "", "Bearer-", "Bearerx", "Beare"]
CARRIERS = ["bearer", "x-api-key", "governance", "bearer-extra", "dup-first", "dup-last",
            "governance-over-bearer", "api-key-after-bad-bearer", "session-token-header"]


@dataclass(frozen=True)
class Presentation:
    headers: tuple[tuple[str, str], ...]
    how: str

    def describe(self) -> str:
        shown = ", ".join(f"{k}: {v!r}" for k, v in self.headers)
        return f"{self.how} -> [{shown}]"


def _flip(token: str):
    return st.tuples(st.integers(0, len(token) - 1), st.sampled_from(ALNUM + "-!~%")).map(
        lambda p: (token[:p[0]] + p[1] + token[p[0] + 1:], f"flip {p[0]}->{p[1]!r}"))


def _truncate(token: str):
    return st.integers(0, len(token) - 1).map(lambda n: (token[:n], f"truncate to {n}"))


def _extend(token: str):
    return st.text(alphabet=ALNUM + "-=._", min_size=1, max_size=8).map(
        lambda s: (token + s, f"extend {s!r}"))


def _long_extend(token: str):
    # Oversized credentials (buffers, length limits): up to 8 KiB, still inside common header limits.
    return st.tuples(st.sampled_from(ALNUM + "-"), st.integers(64, 8192)).map(
        lambda p: (token + p[0] * p[1], f"extend {p[0]!r} x {p[1]}"))


def _prefix_extend(token: str):
    return st.text(alphabet=ALNUM + "-", min_size=1, max_size=4).map(
        lambda s: (s + token, f"prepend {s!r}"))


def _case(token: str):
    positions = [i for i, ch in enumerate(token) if ch.isalpha()]
    return st.lists(st.sampled_from(positions), min_size=1, max_size=6, unique=True).map(
        lambda ps: ("".join(ch.swapcase() if i in ps else ch for i, ch in enumerate(token)),
                    f"swapcase at {sorted(ps)}"))


def _whole_case(token: str):
    return st.sampled_from(["upper", "lower", "swapcase"]).map(
        lambda m: (getattr(token, m)(), f"{m}()"))


def _separator(token: str):
    idx = token.find("-")
    if idx < 0:
        return st.nothing()
    moved = st.integers(1, len(token) - 2).map(
        lambda i: (lambda bare: (bare[:i] + "-" + bare[i:], f"separator moved to {i}"))(
            token.replace("-", "", 1)))
    replaced = st.sampled_from(SEPARATORS).map(
        lambda s: (token[:idx] + s + token[idx + 1:], f"separator -> {s!r}"))
    return st.one_of(replaced, moved)


def _lookalike(token: str):
    positions = [i for i, ch in enumerate(token) if ch in LOOKALIKES]
    if not positions:
        return st.nothing()
    return st.sampled_from(positions).flatmap(lambda i: st.sampled_from(LOOKALIKES[token[i]]).map(
        lambda c: (token[:i] + c + token[i + 1:], f"look-alike at {i}: {token[i]!r}->{c!r}")))


def _insert_char(token: str):
    return st.tuples(st.integers(0, len(token)), st.sampled_from(WHITESPACE_AND_CONTROL)).map(
        lambda p: (token[:p[0]] + p[1] + token[p[0]:], f"insert {p[1]!r} at {p[0]}"))


def _surround(token: str):
    pad = st.text(alphabet="".join(WHITESPACE_AND_CONTROL), max_size=3)
    return st.tuples(pad, pad).map(lambda p: (p[0] + token + p[1], f"surround {p[0]!r}..{p[1]!r}"))


def mutated_values(token: str):
    """A mutated token string and its label; families ordered simplest first for shrinking."""
    return st.one_of(_truncate(token), _flip(token), _extend(token), _prefix_extend(token),
                     _long_extend(token),
                     _case(token), _whole_case(token), _separator(token), _lookalike(token),
                     _insert_char(token), _surround(token))


def _place(carrier: str, scheme: str, value: str, token: str) -> tuple[tuple[str, str], ...]:
    bearer = f"{scheme} {value}" if scheme else value
    if carrier == "bearer":
        return (("Authorization", bearer),)
    if carrier == "x-api-key":
        return (("X-Api-Key", value),)
    if carrier == "governance":
        return (("X-Coder-AI-Governance-Token", value),)
    if carrier == "bearer-extra":   # 3 fields: must be ignored, not read as the middle one
        return (("Authorization", f"Bearer {token} {value}"),)
    if carrier == "dup-first":      # the first value counts; a gateway reading the last is wrong
        return (("Authorization", bearer), ("Authorization", f"Bearer {token}"))
    if carrier == "dup-last":
        return (("X-Api-Key", value), ("X-Api-Key", token))
    if carrier == "governance-over-bearer":  # no fallback from a bad governance token
        return (("X-Coder-AI-Governance-Token", value), ("Authorization", f"Bearer {token}"))
    if carrier == "api-key-after-bad-bearer":  # a bad Bearer token is read, not skipped
        return (("Authorization", bearer), ("X-Api-Key", token))
    if carrier == "session-token-header":  # AUTH-HTTP-002: never read by the data plane
        return (("Coder-Session-Token", value), ("Coder-Session-Token", token))
    raise ValueError(f"unknown carrier {carrier!r}")


def presentations(token: str, carriers: list[str] | None = None):
    """Strategy of `Presentation`s derived from the minted ``token``."""
    chosen = [c for c in CARRIERS if carriers is None or c in carriers]
    scheme_mutation = st.sampled_from(SCHEMES).map(
        lambda s: Presentation((("Authorization", f"{s} {token}" if s else token),), f"scheme {s!r}"))
    # Headers the protocol never reads, carrying the exact valid token (AUTH-HTTP-002).
    unread = st.sampled_from(["Coder-Session-Token", "Proxy-Authorization", "Cookie",
                              "X-Api-Token"]).map(
        lambda h: Presentation(((h, f"coder_session_token={token}" if h == "Cookie" else
                                 (f"Bearer {token}" if h == "Proxy-Authorization" else token)),),
                               f"valid token in unread header {h}"))
    value_mutation = st.tuples(mutated_values(token), st.sampled_from(chosen),
                               st.sampled_from(SCHEMES[:4])).map(
        lambda t: Presentation(_place(t[1], t[2], t[0][0], token), f"{t[0][1]} via {t[1]}"))
    return st.one_of(value_mutation, scheme_mutation, unread)
