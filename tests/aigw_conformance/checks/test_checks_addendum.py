"""Check extensions for Addendum A: headers not_match, body exact as a list of allowed bodies."""

from __future__ import annotations

from aigw_conformance.checks.body import check_text
from aigw_conformance.checks.headers import check_headers
from aigw_conformance.scenario.expectations import BodyExpect, HeaderExpect

CSRF = ("Set-Cookie", "csrf_token=abc; Path=/")
OTHER = ("Set-Cookie", "session=leak; Path=/")


def test_not_match_passes_when_absent_or_only_allowed_values():
    exp = {"not_match": {"Set-Cookie": "(?!csrf_token=).*"}}
    assert check_headers((), exp) == []
    assert check_headers((CSRF,), exp) == []
    bad = check_headers((CSRF, OTHER), exp)
    assert len(bad) == 1 and "session=leak" in bad[0].observed


def test_not_match_regex_is_checked_at_load():
    import pytest
    with pytest.raises(ValueError):
        HeaderExpect(not_match={"X": "("})


def test_exact_list_accepts_any_of_the_documented_bodies():
    exp = BodyExpect(exact=["internal server error\n", "internal server error checking user AI budget\n"])
    plain = exp.model_dump(by_alias=True, exclude_unset=True)
    assert check_text("internal server error\n", plain) == []
    assert check_text("internal server error checking user AI budget\n", plain) == []
    bad = check_text("unauthorized\n", plain)
    assert len(bad) == 1 and " or " in bad[0].expected
