"""Go's strings.TrimSpace and strings.Fields, for header values held as latin-1 text.

Go decodes the header bytes as UTF-8 and asks unicode.IsSpace of each rune; Python's str.strip() and
str.split() on latin-1 text would also treat the bytes 0x1c-0x1f, a lone 0x85 and a lone 0xa0 as
spaces, which let a token with a trailing \\x1f or a UTF-8 look-alike authenticate (found by the fuzz
profile). So: latin-1 text -> bytes -> UTF-8 (invalid bytes kept as surrogates, never spaces).
"""

from __future__ import annotations

# unicode.IsSpace: Latin-1 spaces plus the White_Space property above U+00FF.
GO_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)


def go_trim(value: str) -> str:
    start, end = 0, len(value)
    while start < end and value[start] in GO_SPACE:
        start += 1
    while end > start and value[end - 1] in GO_SPACE:
        end -= 1
    return value[start:end]


def go_fields(value: str) -> list[str]:
    fields: list[str] = []
    current: list[str] = []
    for ch in value:
        if ch in GO_SPACE:
            if current:
                fields.append("".join(current))
                current = []
        else:
            current.append(ch)
    if current:
        fields.append("".join(current))
    return fields


def _to_runes(latin1: str) -> str:
    return latin1.encode("latin-1").decode("utf-8", "surrogateescape")


def _to_latin1(runes: str) -> str:
    return runes.encode("utf-8", "surrogateescape").decode("latin-1")


def trim_header(latin1: str) -> str:
    return _to_latin1(go_trim(_to_runes(latin1)))


def fields_header(latin1: str) -> list[str]:
    return [_to_latin1(f) for f in go_fields(_to_runes(latin1))]


def go_quote(text: str) -> str:
    """strconv.Quote (fmt %q) for the printable text a URL path holds: quotes and backslashes escaped,
    control characters as \\n, \\t, \\xNN, other non-printable runes as \\uNNNN."""
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\n\t\r":
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7f:
            out.append(f"\\x{ord(ch):02x}")
        elif not ch.isprintable() or 0xD800 <= ord(ch) <= 0xDFFF:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)
