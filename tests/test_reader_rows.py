"""Which rows of an entry sheet the reader keeps: blank rows are dropped wherever they lie, a row
with anything in it is kept (even an entry that cannot be read), and row numbers stay Excel's."""

from __future__ import annotations

import pytest
from tidu.engine.reader import read_rows
from tidu.schemas import contract as c

from .sample import CENTRE, code

HEADERS = [col.header for col in c.ROSTER.columns]
WIDTH = len(HEADERS)


def _row(blank, **cells) -> list:
    keys = [col.key for col in c.ROSTER.columns]
    return [cells.get(key, blank) for key in keys]


def _read(body: list[list]):
    sheets = {c.META: [["key", "value"], ["centre", CENTRE]],
              c.ROSTER.name: [HEADERS, *body],
              c.ACTIVITY.name: [[col.header for col in c.ACTIVITY.columns]],
              c.SIGNIN.name: [[col.header for col in c.SIGNIN.columns]]}
    submission, findings = read_rows(sheets, "t.xlsx")
    return ([e.row for e in submission.enterprises],
            sorted((f.code, f.row, f.column) for f in findings if f.sheet == c.ROSTER.name))


def _full(blank, serial):
    return _row(blank, uscc=code(serial), name=f"企业{serial}", tier="成长型中小企业")


# (case, body rows as (kind, serial) built with the blank of the reader: "" calamine, None xlwings,
#  kept rows, roster findings)
CASES = [
    ("no blank row", ["full", "full", "full"], [2, 3, 4], []),
    ("blank rows between and after", ["full", "blank", "full", "blank", "blank"], [2, 4], []),
    ("blank rows first", ["blank", "blank", "full"], [4], []),
    ("only a name: kept, its required cells missing", ["full", "name only", "full"], [2, 3, 4],
     [("required-missing", 3, "培育梯度"), ("required-missing", 3, "统一社会信用代码")]),
    ("only an unreadable figure: kept and reported", ["full", "bad figure only", "blank", "full"], [2, 3, 5],
     [("number-invalid", 3, "从业人员(人)"), ("required-missing", 3, "企业名称"), ("required-missing", 3, "培育梯度"),
      ("required-missing", 3, "统一社会信用代码")]),
    ("every row blank", ["blank", "blank"], [], []),
]


@pytest.mark.parametrize("blank", ["", None], ids=["calamine", "xlwings"])
@pytest.mark.parametrize(("case", "kinds", "kept", "found"), CASES, ids=[case[0] for case in CASES])
def test_rows_kept(blank, case, kinds, kept, found):
    makers = {"full": lambda i: _full(blank, i), "blank": lambda i: [blank] * WIDTH,
              "name only": lambda i: _row(blank, name=f"企业{i}"),
              "bad figure only": lambda i: _row(blank, employees="很多")}
    body = [makers[kind](i) for i, kind in enumerate(kinds, start=1)]
    assert _read(body) == (kept, sorted(found))
