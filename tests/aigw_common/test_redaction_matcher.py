"""The redactor's literal matcher gives exactly what one longest-first regex alternation gave, and
stays fast with thousands of secrets, however they arrive (one by one between redactions)."""

from __future__ import annotations

import random
import re
import string
import time

from aigw_common.redaction import Redactor, _Automaton, _substitute, _TwoTierMatcher, fold


def reference_sub(repl: dict[str, str], text: str) -> str:
    pattern = re.compile("|".join(re.escape(a) for a in sorted(repl, key=len, reverse=True)), re.IGNORECASE)
    lower = {k.lower(): v for k, v in sorted(repl.items(), key=lambda kv: len(kv[0]))}
    return pattern.sub(lambda m: repl.get(m.group(0)) or lower[m.group(0).lower()], text)


def test_same_result_as_a_longest_first_alternation():
    rng = random.Random(15)
    alphabet = string.ascii_letters + string.digits + "-_+/="
    secrets = ["".join(rng.choice(alphabet) for _ in range(rng.randint(8, 40))) for _ in range(300)]
    secrets += [s + "tail" for s in secrets[:20]] + [s[:12] for s in secrets[20:40] if len(s) > 12]   # overlaps
    repl = {s: f"<r{i}>" for i, s in enumerate(secrets)}
    m = _Automaton(repl)
    for _ in range(200):
        parts = [rng.choice(secrets) if rng.random() < 0.4 else "".join(rng.choice(alphabet + " :{}\"")
                 for _ in range(rng.randint(0, 30))) for _ in range(rng.randint(1, 12))]
        text = "".join(parts)
        assert _substitute(text, m.matches(fold(text))) == reference_sub(repl, text)


def test_secrets_arriving_one_by_one_match_in_both_tiers():
    rng = random.Random(3)
    two = _TwoTierMatcher()
    seen: dict[str, str] = {}
    for i in range(1300):        # many merges of the levels
        secret = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(24))
        two.add({secret: f"<r{i}>"})
        seen[secret] = f"<r{i}>"
        if i % 97 == 0:
            probe = [s for s in rng.sample(list(seen), min(5, len(seen)))]
            text = " | ".join(probe)
            out = two.sub(text)
            assert all(s not in out for s in probe) and all(seen[s] in out for s in probe)


def test_case_changed_secrets_are_secrets_too():
    r = Redactor()
    tok = "AbCdEf1234-s3cretvalue0123456789zz"
    r.add_token(tok)
    flipped = "aBcDeF1234-S3CRETVALUE0123456789ZZ"
    out = r.redact(f"X-Api-Key: {flipped} and {tok.upper()}")
    assert "S3CRETVALUE" not in out.upper().replace("<REDACTED", "")
    assert "aBcDeF1234-<redacted:" in out            # the id as it was sent stays readable


def test_full_token_wins_over_its_secret_and_basic_credentials_decode():
    r = Redactor()
    tok = "AbCdEf1234-s3cretvalue0123456789zz"
    r.add_token(tok)
    out = r.redact(f"Bearer {tok} and the secret alone s3cretvalue0123456789zz")
    assert tok not in out and "s3cretvalue0123456789zz" not in out and "AbCdEf1234-<redacted:" in out
    import base64
    basic = "Basic " + base64.b64encode(f"coder:{tok}".encode()).decode()
    assert "<b64:coder:AbCdEf1234-<redacted:" in r.redact(basic)
    assert r.redact("Basic " + base64.b64encode(b"coder:nothing-secret").decode()).startswith("Basic Y29kZXI6")


def test_thousands_of_secrets_stay_fast():
    r = Redactor()
    rng = random.Random(1)
    al = string.ascii_letters + string.digits
    toks = ["".join(rng.choice(al) for _ in range(10)) + "-" + "".join(rng.choice(al) for _ in range(22))
            for _ in range(1500)]
    for t in toks:
        r.add_token(t)
    text = "x" * 2000 + " " + toks[7] + " " + "y" * 2000
    start = time.perf_counter()
    for t in toks[:20]:          # every new secret rebuilds the matcher: that must stay cheap too
        r.add_token(t + "Z")
        out = r.redact(text)
    assert toks[7] not in out
    assert time.perf_counter() - start < 5.0   # the regex alternation took minutes here


def test_a_secret_split_by_a_shorter_one_of_another_level_is_still_hidden_whole():
    """A fuzz mutation that moved a token's separator contains the secret's tail, which another
    mutation had registered on its own, earlier (in an older automaton level). Level by level, the
    tail was replaced first and the longer secret no longer matched: 12 characters of the real secret
    stayed in the capture (found by the ground-truth scan of tests/e2e/test_shared_reference.py)."""
    rng = random.Random(7)
    r = Redactor()
    token = "Bc7rar1pEv-E2667vxy9HwMuNVw78GBH3"
    r.add_token(token)
    for _ in range(40):   # an older level large enough not to be merged with the next batch
        r.add_token("".join(rng.choice(string.ascii_letters) for _ in range(10)) + "-"
                    + "".join(rng.choice(string.ascii_letters) for _ in range(22)))
    r.add_secret("uNVw78GBH3")
    r.redact("settle")
    moved = "Bc7rar1pEvE2667vxy9HwM-uNVw78GBH3"
    r.add_secret(moved)
    r.redact("settle")
    assert len(r._matcher._levels) == 2
    out = r.redact(f"X-Api-Key: {moved}, then {token}, then uNVw78GBH3")
    assert "E2667vxy9HwM" not in out and "uNVw78GBH3" not in out, out
    assert "Bc7rar1pEv-<redacted:" in out        # the real token keeps its id


def test_overlapping_secrets_leave_no_character_of_either():
    r = Redactor()
    r.add_secret("abcdefghij")
    r.add_secret("ghijklmnop")
    out = r.redact("..abcdefghijklmnop..")
    assert out.startswith("..<redacted:") and out.endswith(">..")
    assert not any(part in out for part in ("abcdef", "ghij", "klmnop")), out
