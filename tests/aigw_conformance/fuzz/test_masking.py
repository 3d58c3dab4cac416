"""A mutated token is one character away from a live secret: the engine registers what it sends.

Found by the ground-truth scan of a full run (tests/e2e/test_external_target.py): a tab inserted
into the secret reached traffic.har in clear, and a newline inserted into it made mitmproxy log the
second half of the secret ("invalid header line: b'…'") in capture.log.
"""

from __future__ import annotations

import pytest

from aigw_common.redaction import Redactor
from aigw_conformance.fuzz.masking import near_copies, register_near_copies

TOKEN = "TZDQWLU8ai-EpFU5ync16fRwqOSUjrz3W"
SECRET = TOKEN.split("-")[1]


@pytest.mark.parametrize("sent", [
    "TZDQWLU8ai-EpFU5ync16fRwqOSUjrz3\tW",     # insert a tab
    "TZDQWLU8ai-EpFU5y\nnc16fRwqOSUjrz3W",      # insert a newline: a parser cuts the line
    "TZDQWLU8ai-EpFU5ync16fRwqOSUjrz3X",       # one character replaced
    "TZDQWLU8ai-EpFU5ync16fRwqOSUjrz3",        # truncated by one
    "TZDQWLU8ai-EpFU5ync16fRwqOЅUjrz3W",       # a look-alike (Cyrillic S)
    "TZDQWLU8ai_EpFU5ync16fRwqOSUjrz3W",       # separator replaced (the secret is still whole)
    "TZDQWLU8aiEpFU5ync16f-RwqOSUjrz3W",       # separator moved: half the secret before the dash
    "Bearer TZDQWLU8ai-EpFU5ync16fRwq\u200bOSUjrz3W",
])
def test_nothing_of_the_secret_survives_redaction(sent: str) -> None:
    r = Redactor()
    r.add_token(TOKEN)
    register_near_copies(r, [("Authorization", f"Bearer {sent}")], TOKEN)
    shown = r.redact(f"Authorization: Bearer {sent}")
    for i in range(len(SECRET) - 6):
        assert SECRET[i:i + 7].lower() not in shown.lower(), shown


def test_only_pieces_that_show_part_of_the_secret_are_registered() -> None:
    pieces = near_copies(["Bearer TZDQWLU8ai", "TZDQWLU8ai-EpFU5ync16fRwqOSUjrz3W" + "A" * 4096,
                          "Bearer x TZDQWLU8ai-EpFU5ync"], TOKEN)
    # the id is not secret, the exact secret (and its extensions) is registered already
    assert pieces == ["Bearer x TZDQWLU8ai-EpFU5ync", "TZDQWLU8ai-EpFU5ync"]
