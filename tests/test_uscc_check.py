"""The credit-code check character against GB 32100-2015's own weight table (not the code's)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tidu.engine.uscc import check_character, problem

# GB 32100-2015, 表 3: the weights of positions 1–17, and the code characters with their values.
GB_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
GB_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def by_the_standard(first17: str) -> str:
    total = sum(GB_CHARS.index(ch) * w for ch, w in zip(first17, GB_WEIGHTS, strict=True))
    return GB_CHARS[(31 - total % 31) % 31]


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=GB_CHARS, min_size=17, max_size=17))
def test_check_character_follows_the_standard(first17):
    assert check_character(first17) == by_the_standard(first17)
    assert problem(first17 + by_the_standard(first17)) is None


@given(st.text(alphabet=GB_CHARS, min_size=17, max_size=17), st.sampled_from(GB_CHARS))
def test_a_wrong_check_character_is_found(first17, last):
    expected = None if last == by_the_standard(first17) else "checksum"
    assert problem(first17 + last) == expected


def test_letters_outside_the_set_are_not_codes():
    assert problem("91530100MA6K0000I0") == "charset"
    assert problem("91530100MA6K00000") == "length"
