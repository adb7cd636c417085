"""The 评估 button through xlwings' remote engine: the 梯度评估 sheet and the marks on missing figures."""

from __future__ import annotations

import copy

import pytest
from tidu.engine.screen.layout import ASSESSMENT_HEADERS
from tidu.schemas import contract as c
from tidu.workbook.builder import build_workbook
from tidu.xlmacros import ribbon

from .sample import CENTRE, E1, E2, E3, rows
from .xlpayload import open_payload, payload


@pytest.fixture(scope="module")
def book_data(tmp_path_factory, plan_report):
    path = build_workbook(tmp_path_factory.mktemp("screen") / "s.xlsx", CENTRE, plan_report, rows=rows())
    return payload(path)


def test_screen_writes_one_row_per_roster_enterprise(book_data):
    book = open_payload(copy.deepcopy(book_data))
    done = ribbon.screen(book)
    actions = book.json()["actions"]
    assert any(a["func"] == "addSheet" for a in actions)  # the sheet is made when missing
    writes = [a for a in actions if a["func"] == "setValues" and a["start_row"] == 0 and a["start_column"] == 0]
    table = writes[-1]["values"]
    assert table[0] == list(ASSESSMENT_HEADERS)
    assert sorted(r[0] for r in table[1:]) == sorted([E1, E2, E3])
    assert {e.uscc for e in done.screening.enterprises} == {E1, E2, E3}


def test_screen_marks_the_cells_of_missing_figures(book_data):
    book = open_payload(copy.deepcopy(book_data))
    done = ribbon.screen(book)
    assert done.missing  # the sample roster leaves figures out
    sheets = [s["name"] for s in book_data["sheets"]] + ["梯度评估"]  # the sheet the button adds
    fills = [a for a in book.json()["actions"] if a["func"] == "setRangeColor"
             and sheets[a["sheet_position"]] in (c.ROSTER.name, c.INDICATORS.name)]
    assert {(sheets[a["sheet_position"]], a["start_row"] + 1) for a in fills} == {
        (m.sheet, m.row) for m in done.missing}
