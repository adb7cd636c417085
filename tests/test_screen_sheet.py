"""The 企业指标 sheet (DESIGN §4): headers, entry aids, reading; and the 梯度评估 rows and cell check."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from tidu.engine.quick import QuickError, criteria_failures
from tidu.engine.reader import read_rows
from tidu.engine.screen import screen_submission
from tidu.engine.screen.layout import (
    ASSESSMENT_HEADERS,
    assessment_rows,
    missing_cells,
    reserve_rows,
    warning_rows,
)
from tidu.engine.screen.series import build_series
from tidu.schemas import contract as c
from tidu.schemas.entries import Enterprise, IndicatorRow

HEADERS = ["统一社会信用代码", "年度", "营业收入(万元)", "主营业务收入(万元)", "净利润(万元)", "利税总额(万元)",
           "资产总额(万元)", "负债总额(万元)", "研发费用(万元)", "从业人员(人)", "研发人员(人)", "Ⅰ类知识产权(件)",
           "Ⅱ类知识产权(件)", "主导产品细分市场占有率(%)", "主导产品省内排名", "从事细分市场年限(年)", "研发机构级别",
           "数字化水平等级", "是否纳入规上统计", "备注"]


@pytest.fixture(scope="module")
def sheet(kunming_book):
    return openpyxl.load_workbook(kunming_book)[c.INDICATORS.name]


def test_headers_exactly_as_designed(sheet):
    assert [cell.value for cell in sheet[1]] == HEADERS == c.INDICATORS.headers
    assert c.INDICATORS not in c.ENTRY_SHEETS and c.INDICATORS in c.OPTIONAL_SHEETS
    assert c.SHEET_ORDER.index(c.INDICATORS.name) == c.SHEET_ORDER.index(c.SIGNIN.name) + 1


def _rules(sheet) -> dict[str, object]:
    return {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv for dv in sheet.data_validations.dataValidation}


def test_entry_aids(sheet, plan):
    rules = _rules(sheet)
    uscc, year = rules["A"], rules["B"]
    assert "LEN(A2)=18" in uscc.formula1 and "COUNTIF(tidu_roster_uscc,A2)>0" in uscc.formula1  # on the roster
    assert f"B2>={plan.year - 3}" in year.formula1 and f"B2<={plan.year}" in year.formula1
    assert "COUNTIFS(" in year.formula1  # one row per enterprise and year
    lists = {col.key: rules[chr(ord("A") + i)] for i, col in enumerate(c.INDICATORS.columns)
             if col.key in {"rd_institution", "digital_level", "above_scale"}}
    assert lists["above_scale"].type == "list" and lists["above_scale"].formula1 == '"是,否"'
    assert lists["rd_institution"].formula1 == '"' + ",".join(c.RD_INSTITUTION_LEVELS) + '"'
    net_profit = rules[chr(ord("A") + [col.key for col in c.INDICATORS.columns].index("net_profit"))]
    assert float(net_profit.formula1) < 0  # a loss can be typed


def _rows(indicators):
    sheets = {c.META: [["键", "值"], ["centre", "昆明市中小企业服务中心"], ["plan_id", "yunnan-2021"]],
              c.ROSTER.name: [c.ROSTER.headers, ["91530100MA6K000000", "测试企业", "规上工业企业", None, None, None,
                                                 2600, 2500]],
              c.ACTIVITY.name: [c.ACTIVITY.headers], c.SIGNIN.name: [c.SIGNIN.headers]}
    if indicators is not None:
        sheets[c.INDICATORS.name] = [c.INDICATORS.headers, *indicators]
    return sheets


def test_reader_reads_the_sheet_and_reports_bad_cells():
    submission, findings = read_rows(_rows([["91530100MA6K000000", 2020, 1900, 1800, -12.5],
                                            ["91530100MA6K000000", "二〇二〇", "很多"]]), "t.xlsx")
    first, second = submission.indicators
    assert (first.row, first.uscc, first.year, first.figures) == (
        2, "91530100MA6K000000", 2020, {"revenue": 1900, "main_revenue": 1800, "net_profit": -12.5})
    assert second.year is None
    assert {(f.sheet, f.row, f.column) for f in findings} >= {
        (c.INDICATORS.name, 3, "年度"), (c.INDICATORS.name, 3, "营业收入(万元)")}


def test_workbook_without_the_sheet_is_read():
    submission, findings = read_rows(_rows(None), "v1.xlsx")
    assert submission.indicators == () and not any(f.sheet == c.INDICATORS.name for f in findings)


def test_series_roster_stands_for_last_year_only_where_missing():
    roster = Enterprise(row=2, uscc="X", name="x", tier="规上工业企业", figures={"revenue": 2600, "main_revenue": 2500,
                                                                                  "employees": 40})
    rows = [IndicatorRow(2, "X", 2020, {"main_revenue": 1800}), IndicatorRow(3, "X", 2016, {"revenue": 1}),
            IndicatorRow(4, "X", 2020, {"main_revenue": 9999})]  # a second 2020 row: the first wins
    series = build_series(2021, roster, rows)
    assert series.value("main_revenue", 2020) == 1800 and series.value("revenue", 2020) == 2600
    assert series.value("employees", 2020) == 40 and 2016 not in series.years


def test_screen_submission_for_the_button(plan_report):
    submission, findings = read_rows(_rows([["91530100MA6K000000", 2020, 1900, 1800]]), "t.xlsx")
    screening = screen_submission(submission, findings, plan_report, dt.date(2021, 5, 31))
    (entry,) = screening.enterprises
    own = entry.assessment("规上工业企业")
    assert [(f.criterion, f.value, f.threshold) for f in own.failed] == [("s-main-revenue", 1800, 2000)]
    (row,) = assessment_rows(screening)
    values = dict(zip(ASSESSMENT_HEADERS, row.values, strict=True))
    assert values["本梯度评估"] == "不符合" and row.colour == "red"
    assert row.colour_of(ASSESSMENT_HEADERS.index("本梯度评估")) == "red"
    assert row.colour_of(ASSESSMENT_HEADERS.index("上一梯度评估")) == "amber"  # 省级小巨人: to be checked
    assert "1800万元/2000万元" in values["未达条件（实际值/要求）"]
    assert reserve_rows(screening) == []  # 省级小巨人: no figure of it decided, so no candidate
    assert warning_rows(screening) == []  # as of 31 May the 180 days reach into last year: not judged


@pytest.mark.parametrize(("tier", "figures", "expected"), [
    ("规上工业企业", {"main_revenue": 2500}, []),
    ("规上工业企业", {"main_revenue": 1500}, ["年主营业务收入在2000万元以上（实际 1500万元）"]),
    ("成长型中小企业", {"main_revenue": 499}, ["上年度主营业务收入在500万元以上（实际 499万元）"]),
    ("国家级小巨人", {"revenue": 9000}, ["企业上年度营业收入在1亿元以上（实际 9000万元）"]),
    ("小微企业", {}, []),
])
def test_cell_check_follows_the_rule_set(tier, figures, expected):
    assert criteria_failures(tier, figures) == expected


def test_cell_check_unknown_tier():
    with pytest.raises(QuickError):
        criteria_failures("某梯度", {})


@pytest.mark.parametrize(("indicators", "expected"), [
    ([], (c.ROSTER.name, 2, "上年主营业务收入(万元)")),
    ([["91530100MA6K000000", 2019, 100], ["91530100MA6K000000", 2020, 2500]],  # 营业收入 alone cannot decide
     (c.INDICATORS.name, 3, "主营业务收入(万元)")),
])
def test_missing_cells_point_at_the_figure(plan_report, indicators, expected):
    sheets = _rows(indicators)
    sheets[c.ROSTER.name][1] = ["91530100MA6K000000", "测试企业", "规上工业企业"]
    submission, findings = read_rows(sheets, "t.xlsx")
    screening = screen_submission(submission, findings, plan_report, dt.date(2021, 5, 31))
    cells = missing_cells(screening, submission)
    assert [(m.sheet, m.row, m.column) for m in cells] == [expected]
