"""The AUTH-HTTP-001 oracle, checked against the protocol's own examples."""

from aigw_conformance.fuzz.extract import extract_token, go_fields, go_trim, may_authenticate

TOK = "AbCdEfGhIj-0123456789abcdefABCDEF"


def test_protocol_examples():
    assert may_authenticate([("Authorization", f"bearer {TOK}")], TOK)
    assert may_authenticate([("Authorization", f"Bearer  {TOK}")], TOK)
    assert may_authenticate([("Authorization", f" Bearer\t{TOK} ")], TOK)
    # 3 fields: ignored, falls through to X-Api-Key
    assert extract_token([("Authorization", f"Bearer {TOK} extra")]) == ""
    assert extract_token([("Authorization", f"Bearer {TOK} extra"), ("X-Api-Key", "k" * 12)]) == "k" * 12
    assert extract_token([("Authorization", "Basic abc")]) == ""
    # governance first, no fallback
    assert extract_token([("X-Coder-AI-Governance-Token", "bad"), ("Authorization", f"Bearer {TOK}")]) == "bad"
    # a blank governance header is no governance header
    assert extract_token([("X-Coder-AI-Governance-Token", "  "), ("X-Api-Key", TOK)]) == TOK
    # first value only
    assert extract_token([("X-Api-Key", "first"), ("X-Api-Key", TOK)]) == "first"
    # never read
    assert extract_token([("Coder-Session-Token", TOK)]) == ""


def test_go_whitespace_not_python_whitespace():
    # Go's unicode.IsSpace has no \x1c-\x1f (Python's str.isspace has); it has NBSP and U+3000.
    assert go_fields("a\x1fb") == ["a\x1fb"]
    assert go_fields("a\u00a0b\u3000c") == ["a", "b", "c"]
    assert go_trim("\u2028x\x85") == "x"
    assert not may_authenticate([("Authorization", f"Bearer {TOK}\x1f")], TOK)
    assert may_authenticate([("Authorization", f"Bearer\u00a0{TOK}")], TOK)
