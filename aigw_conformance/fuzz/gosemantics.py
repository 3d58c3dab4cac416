"""Go's whitespace rules, written for the fuzz oracle on its own (no code shared with the reference
gateway it judges, so a trimming bug there cannot hide here).

From the Go documentation (pkg.go.dev/unicode#IsSpace, /strings#TrimSpace, /strings#Fields):
- ``unicode.IsSpace``: "a space character as defined by Unicode's White Space property; in the
  Latin-1 space this is '\\t', '\\n', '\\v', '\\f', '\\r', ' ', U+0085 (NEL), U+00A0 (NBSP)".
- ``strings.TrimSpace`` removes leading and trailing white space "as defined by Unicode".
- ``strings.Fields`` splits "around each instance of one or more consecutive white space
  characters, as defined by unicode.IsSpace".
Go strings are bytes; these functions read them as UTF-8 runes, and a byte that does not start a
valid UTF-8 sequence is the rune U+FFFD (utf8.RuneError, width 1), which is not a space. HTTP header
values are bytes on the wire, so the oracle works on the bytes the fuzzer sends.
"""

from __future__ import annotations

_LATIN1_SPACE = frozenset({0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0})
# Unicode White_Space above Latin-1 (PropList.txt): OGHAM SPACE MARK, EN QUAD..HAIR SPACE,
# LINE SEPARATOR, PARAGRAPH SEPARATOR, NARROW NBSP, MEDIUM MATHEMATICAL SPACE, IDEOGRAPHIC SPACE.
_WIDE_SPACE_RANGES = ((0x1680, 0x1680), (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F),
                      (0x205F, 0x205F), (0x3000, 0x3000))
RUNE_ERROR = 0xFFFD


def is_space(rune: int) -> bool:
    if rune <= 0xFF:
        return rune in _LATIN1_SPACE
    return any(lo <= rune <= hi for lo, hi in _WIDE_SPACE_RANGES)


def decode_rune(data: bytes, i: int) -> tuple[int, int]:
    """(rune, width) at data[i], like utf8.DecodeRune: invalid or short sequences are (U+FFFD, 1)."""
    b0 = data[i]
    if b0 < 0x80:
        return b0, 1
    for width, lead_mask, lead_bits, minimum in ((2, 0xE0, 0xC0, 0x80), (3, 0xF0, 0xE0, 0x800),
                                                  (4, 0xF8, 0xF0, 0x10000)):
        if b0 & lead_mask == lead_bits:
            if i + width > len(data):
                return RUNE_ERROR, 1
            rune = b0 & (0x7F >> width)
            for b in data[i + 1:i + width]:
                if b & 0xC0 != 0x80:
                    return RUNE_ERROR, 1
                rune = (rune << 6) | (b & 0x3F)
            if rune < minimum or rune > 0x10FFFF or 0xD800 <= rune <= 0xDFFF:
                return RUNE_ERROR, 1   # overlong, out of range or a surrogate
            return rune, width
    return RUNE_ERROR, 1


def _runes(data: bytes) -> list[tuple[int, int, int]]:
    """(start, end, rune) for every rune of data."""
    out, i = [], 0
    while i < len(data):
        rune, width = decode_rune(data, i)
        out.append((i, i + width, rune))
        i += width
    return out


def trim_space(data: bytes) -> bytes:
    runes = _runes(data)
    start, end = 0, len(runes)
    while start < end and is_space(runes[start][2]):
        start += 1
    while end > start and is_space(runes[end - 1][2]):
        end -= 1
    return data[runes[start][0]:runes[end - 1][1]] if start < end else b""


def fields(data: bytes) -> list[bytes]:
    out, begin = [], None
    for start, end, rune in _runes(data):
        if is_space(rune):
            if begin is not None:
                out.append(data[begin:start])
                begin = None
        elif begin is None:
            begin = start
    if begin is not None:
        out.append(data[begin:])
    return out


def _wire(value: str) -> bytes:
    # The fuzzer sends header values as UTF-8 bytes (fuzz/send.py); that is what Go reads.
    return value.encode("utf-8", "surrogatepass")


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogatepass")


def go_trim(value: str) -> str:
    """strings.TrimSpace of the header value as it goes on the wire."""
    return _text(trim_space(_wire(value)))


def go_fields(value: str) -> list[str]:
    """strings.Fields of the header value as it goes on the wire."""
    return [_text(f) for f in fields(_wire(value))]


__all__ = ["is_space", "decode_rune", "trim_space", "fields", "go_trim", "go_fields"]
