"""The reader cleans whole columns at once; each column must read exactly as its cells one by one."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tidu.engine.normalize import CLEANERS, BadValue, clean_column


def one_by_one(kind: str, values: list) -> tuple[list, dict[int, str]]:
    out, bad = [], {}
    for i, cell in enumerate(values):
        if cell is None or cell == "":
            out.append(None)
            continue
        try:
            out.append(CLEANERS[kind](cell))
        except BadValue as exc:
            out.append(None)
            bad[i] = exc.code
    return out, bad


def same(kind: str, values: list) -> None:
    got, bad = clean_column(kind, values)
    want, want_bad = one_by_one(kind, values)
    assert bad == want_bad
    assert [type(v) for v in got] == [type(v) for v in want]
    assert got == want or all((a == b) or (a != a and b != b) for a, b in zip(got, want, strict=True))


# Cells as real files give them: text with the awkward characters clean_text handles, numbers,
# dates, blanks ("" from calamine, None from xlwings).
awkward = st.sampled_from([" ", "  ", "\u3000", "\t", "\u200b", "\u202e", "Ａ", "１", "ﬁ", "é", "e\u0301", "\x00",
                           "\n", "a", "Z", "9", "-", ",", "%", "年", "企业", "|"])
texts = st.lists(awkward, max_size=6).map("".join)
cells = st.one_of(texts, st.just(""), st.none(),
                  st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 10**6).map(float),
                  st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
                  st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2030, 12, 31)), st.booleans(),
                  st.sampled_from(["2021-03-05", "3/5/2021", "2,000", "１２", " 15 %", "ABC123", "abc",
                                   "91530100MA6K00000X"]))


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(sorted(CLEANERS)), values=st.lists(cells, max_size=12))
def test_any_column_reads_as_its_cells(kind, values):
    same(kind, values)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(sorted(CLEANERS)), values=st.lists(st.one_of(texts, st.just("")), max_size=12))
def test_text_columns_read_as_their_cells(kind, values):
    same(kind, values)


@pytest.mark.parametrize(("kind", "values", "expected", "bad"), [
    ("text", ["企业 A", "", "B"], ["企业 A", None, "B"], {}),
    ("text", ["a  b", " x", "y "], ["a b", "x", "y"], {}),  # spaces collapse and trim
    ("text", ["ＡＢ", "é"], ["AB", "é"], {}),  # NFKC: full-width to ASCII
    ("code", ["9153abc", "", "x1"], ["9153ABC", None, "X1"], {}),
    ("code", ["91 53", 1.0], ["9153", "1"], {}),  # spaces go; an id typed as 1 reads as "1"
    ("count", [3.0, "", 0.0], [3, None, 0], {}),
    ("count", [3.0, -1.0, 2.5], [3, None, None], {1: "count-negative", 2: "count-not-integer"}),
    ("amount", [1.5, "", float("nan")], [1.5, None, None], {2: "number-invalid"}),
    ("amount", [1.5, "2,000"], [1.5, 2000.0], {}),
    ("date", [dt.date(2021, 3, 5), "", dt.datetime(2021, 3, 6, 10, 0)],
     [dt.date(2021, 3, 5), None, dt.date(2021, 3, 6)], {}),
    ("date", [dt.date(2021, 3, 5), "3/5/2021"], [dt.date(2021, 3, 5), None], {1: "date-ambiguous"}),
])
def test_columns_by_hand(kind, values, expected, bad):
    got, problems = clean_column(kind, values)
    assert got == expected
    assert problems == bad
    assert not any(isinstance(v, float) and math.isnan(v) for v in got)
