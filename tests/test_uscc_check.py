"""The credit-code check character against GB 32100-2015's own weight table (not the code's)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tidu.engine.uscc import check_character, problem, problems

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


def _standard_problem(code: str) -> str | None:
    if len(code) != 18:
        return "length"
    if not set(code) <= set(GB_CHARS):
        return "charset"
    return None if code[17] == by_the_standard(code[:17]) else "checksum"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.text(alphabet=GB_CHARS, min_size=17, max_size=17).map(lambda c: c + by_the_standard(c)),  # valid
    st.text(alphabet=GB_CHARS, min_size=18, max_size=18),  # mostly a wrong check character
    st.text(alphabet=GB_CHARS + "IOSVZa- 甲", min_size=18, max_size=18),  # characters outside the set
    st.text(alphabet=GB_CHARS + "I", max_size=25),  # any length
), max_size=60))
def test_a_files_codes_judged_together_as_each_alone(codes):
    # problems() checks a file's codes all at once; every code must come out as the standard says
    assert problems(codes) == {code: why for code in set(codes) if (why := _standard_problem(code))}
