"""A filled centre workbook recalculated by LibreOffice shows the counts the formulas promise."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from tidu.schemas import contract as c
from tidu.workbook.builder import build_workbook

from .conftest import KUNMING
from .libreoffice import recalculate

pytestmark = pytest.mark.libreoffice

A, B, C, D = (f"9153010{i}MA6K00000{i}" for i in range(1, 5))  # formula checks need no valid check digit
ROWS = {
    "roster": [
        [A, "甲公司", "规上工业企业"],
        [B, "乙公司", "规上工业企业"],
        [C, "丙公司", "小微企业"],
        [D, "丁公司", "国家级小巨人"],
    ],
    "activity": [
        # id, date, category, tier, content, name, form, enterprises, attendees
        ["H1", dt.date(2021, 3, 1), "政策信息服务", "规上工业企业", "政策宣讲", "政策宣讲会", "政策宣讲会", 2, 10],
        ["H2", dt.date(2021, 6, 1), "法律服务", "规上工业企业", None, "法律讲座", None, 1, 4],
        ["H3", dt.date(2021, 9, 9), "创业服务", "小微企业", None, "创业辅导", None, 1, 2],
        ["H4", dt.date(2020, 12, 31), "法律服务", "小微企业", None, "去年的活动", None, 5, 5],  # outside year
        ["H5", dt.date(2021, 10, 1), "法律服务", "小微企业", None, None, None, 7, 7],  # no 活动名称
        ["H6", dt.date(2021, 11, 1), "投融资服务", "国家级小巨人", None, "融资对接", None, 1, 3],
    ],
    "signin": [["H1", A], ["H1", B], ["H2", A], ["H3", C], ["H4", C]],
}

# tier: (enterprises served, sessions, visits)
EXPECTED = {
    "国家级小巨人": (0, 1, 1),  # D is on the roster but never signed in
    "省级小巨人": (0, 0, 0),
    "规上工业企业": (2, 2, 3),  # A twice, B once → 2 distinct; H1 + H2
    "成长型中小企业": (0, 0, 0),
    "小微企业": (1, 1, 1),  # H4 (2020) and H5 (no name) are not counted
}


def test_recalculated_progress_matches_expected_counts(tmp_path, plan_report):
    path = build_workbook(tmp_path / "filled.xlsx", KUNMING, plan_report, rows=ROWS)
    result = recalculate(path, tmp_path)
    ws = openpyxl.load_workbook(result, data_only=True)[c.PROGRESS]
    header = [cell.value for cell in ws[5]]
    col = {key: header.index(h) for key, h in c.PROGRESS_COLUMNS}
    rows = {r[0]: r for r in ws.iter_rows(min_row=6, max_row=11, values_only=True)}
    # today is after the plan year, so the as-of date clamps to 31 December
    assert ws["B3"].value == dt.datetime(2021, 12, 31)
    for tier, (enterprises, sessions, visits) in EXPECTED.items():
        row = rows[tier]
        assert (row[col["enterprises"]], row[col["sessions"]], row[col["visits"]]) == (enterprises, sessions, visits)
    kunming = {t.tier: t for t in plan_report.plan.targets("昆明市中小中心及窗口平台")}
    above = rows["规上工业企业"]
    assert above[col["sessions_target"]] == kunming["规上工业企业"].sessions == 2
    assert above[col["sessions_rate"]] == pytest.approx(1.0)
    assert above[col["sessions_gap"]] == 0
    assert above[col["enterprises_gap"]] == 140 - 2
    assert above[col["enterprises_rate"]] == pytest.approx(2 / 140)
    assert above[col["pace"]] == "正常"
    assert rows["小微企业"][col["pace"]] == "落后"  # 1 of 4 sessions by year end
    assert rows["小微企业"][col["sessions_expected"]] == pytest.approx(4.0)
    total = rows["合计"]
    assert total[col["sessions"]] == 4 and total[col["enterprises"]] == 3


def test_no_target_gives_no_completion_figure(tmp_path, plan_report):
    # 昭通: national tier has 0 target enterprises and "/" sessions
    path = build_workbook(tmp_path / "zt.xlsx", "昭通市中小企业服务中心", plan_report,
                          rows={"activity": [["H1", dt.date(2021, 3, 1), "政策信息服务", "国家级小巨人", None, "x"]]})
    ws = openpyxl.load_workbook(recalculate(path, tmp_path), data_only=True)[c.PROGRESS]
    row = next(r for r in ws.iter_rows(min_row=6, max_row=10, values_only=True) if r[0] == "国家级小巨人")
    # target 0 / "/" → no rate (—), sessions still counted
    assert row[1:9] == (0, 0, "—", 0, "/", 1, "—", "—")
