"""Strategies and masking, without any network."""

from hypothesis import given, settings
from hypothesis import strategies as st

from aigw_conformance.fuzz.masking import mask_token
from aigw_conformance.fuzz.mutations import CARRIERS, Presentation, mutated_values, presentations

TOK = "AbCdEfGhIj-0123456789zyxwvuZYXWVU"
SECRET = TOK.split("-")[1]


@settings(max_examples=300, database=None)
@given(st.data())
def test_every_family_yields_a_labelled_change(data):
    value, how = data.draw(mutated_values(TOK))
    assert isinstance(value, str) and how
    p = data.draw(presentations(TOK))
    assert isinstance(p, Presentation) and p.headers and p.how


@settings(max_examples=200, database=None)
@given(st.sampled_from(CARRIERS), st.data())
def test_carriers_build_headers(carrier, data):
    p = data.draw(presentations(TOK, [carrier]))
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in p.headers)


def test_mask_hides_near_copies_of_the_secret():
    flipped = TOK[:15] + "x" + TOK[16:]
    text = mask_token(f"Authorization: Bearer {flipped}", TOK)
    assert SECRET[:4] not in text and SECRET[-4:] not in text
    assert "AbCdEfGhIj-" in text  # the id is not secret and keeps the example readable
    assert "<secret[0:4]>x<secret[5:22]>" in text
    assert SECRET.swapcase()[:10] not in mask_token(SECRET.swapcase(), TOK)
