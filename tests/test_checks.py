"""Each check of the catalogue: a built workbook with one bad entry → exactly the expected findings.

The clean sample gives no finding at all, so every check also has a case where it does not fire;
the "accepted" cases below are near misses that must stay silent.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tidu.engine.check import check_file
from tidu.engine.checks import Context, checked
from tidu.engine.cli.main import main
from tidu.engine.reader import read_submission
from tidu.engine.rollup import invalid_rows
from tidu.schemas import contract as c
from tidu.workbook.builder import build_workbook

from .sample import CENTRE, E1, E3, E9, code, rows, signin
from .xledit import edit_workbook

YEAR_END = dt.date(2021, 12, 31)
R, A, S = c.ROSTER.name, c.ACTIVITY.name, c.SIGNIN.name


def _build(tmp_path: Path, plan_report, data, edit: Callable | None = None) -> Path:
    path = build_workbook(tmp_path / "centre.xlsx", CENTRE, plan_report, rows=data)
    if edit:
        edit_workbook(path, edit)
    return path


def _found(report) -> set[tuple]:
    return {(f.code, f.sheet, f.row, f.column) for f in report.findings}


def _rename_header(sheet: str, header: str, new: str):
    def edit(book):
        ws = book[sheet]
        for cell in ws[1]:
            if cell.value == header:
                cell.value = new
    return edit


def _set_cell(sheet: str, ref: str, value):
    def edit(book):
        book[sheet][ref] = value
    return edit


def _set_meta(key: str, value):
    def edit(book):
        for row in book[c.META].iter_rows(min_row=2):
            if row[0].value == key:
                row[1].value = value
    return edit


def _delete_sheet(name: str):
    def edit(book):
        del book[name]
    return edit


CASES = [
    # id, changes, add, drop, edit, as_of, expected {(code, sheet, row, column)}
    ("clean", {}, None, None, None, None, set()),
    # required cells
    ("required-roster", {"roster:0:name": None}, None, None, None, None, {("required-missing", R, 2, "企业名称")}),
    ("required-activity", {"activity:1:name": None}, None, None, None, None, {("required-missing", A, 3, "活动名称")}),
    ("required-signin", {"signin:2:uscc": None}, None, None, None, None,
     {("required-missing", S, 4, "统一社会信用代码"), ("participants-mismatch", A, 3, "服务企业数")}),
    # credit codes
    ("uscc-checksum", {"signin:3:uscc": E3[:-1] + ("0" if E3[-1] != "0" else "1")}, None, None, None, None,
     {("uscc-invalid", S, 5, "统一社会信用代码")}),
    ("uscc-length", {"roster:1:uscc": "9153010212345"}, None, None, None, None,
     {("uscc-invalid", R, 3, "统一社会信用代码"), ("signin-not-on-roster", S, 4, "统一社会信用代码")}),
    ("uscc-charset", {"signin:3:uscc": "91530102MA000000OI"}, None, None, None, None,
     {("uscc-invalid", S, 5, "统一社会信用代码")}),
    ("uscc-lowercase-accepted", {"roster:0:uscc": E1.lower(), "signin:0:uscc": f" {E1} "}, None, None, None, None,
     set()),
    ("uscc-outside-yunnan", {"roster:0:uscc": code(1, "110101"), "signin:0:uscc": code(1, "110101")},
     None, None, None, None, {("uscc-region", R, 2, "统一社会信用代码")}),
    ("uscc-other-prefecture", {"roster:0:uscc": code(1, "530302"), "signin:0:uscc": code(1, "530302")},
     None, None, None, None, {("uscc-region", R, 2, "统一社会信用代码")}),
    # duplicates
    ("enterprise-duplicate", {}, {"roster": [[E1, "重复企业", "小微企业"]]}, None, None, None,
     {("enterprise-duplicate", R, 5, "统一社会信用代码")}),
    ("activity-duplicate", {}, {"activity": [["H1", dt.date(2021, 7, 1), "法律服务", "小微企业", None, "重复",
                                               None, None, None, None, None, "x"]]}, None, None, None,
     {("activity-duplicate", A, 5, "活动编号")}),
    ("signin-duplicate", {}, {"signin": [signin(activity_id="H1", uscc=E1)]}, None, None, None,
     {("signin-duplicate", S, 6, "统一社会信用代码")}),
    # tiers, categories, content
    ("tier-unknown-roster", {"roster:1:tier": "小微"}, None, None, None, None, {("tier-unknown", R, 3, "培育梯度")}),
    ("tier-unknown-activity", {"activity:1:tier": "微型企业"}, None, None, None, None,
     {("tier-unknown", A, 3, "服务梯度")}),
    ("category-unknown", {"activity:1:category": "培训服务"}, None, None, None, None,
     {("category-unknown", A, 3, "服务类别")}),
    ("category-alias-accepted", {"activity:2:category": "技术创新服务", "activity:2:content": "专利导航"},
     None, None, None, None, set()),
    ("category-not-offered", {"activity:2:category": "创业服务", "activity:2:content": None}, None, None, None, None,
     {("category-not-offered", A, 4, "服务类别")}),
    ("content-unknown", {"activity:0:content": "政策推送"}, None, None, None, None,
     {("content-unknown", A, 2, "服务内容")}),
    ("content-several-items-accepted", {"activity:0:content": "政策宣讲、政策解读"}, None, None, None, None, set()),
    ("content-full-text-accepted",
     {"activity:0:content": "组织政策宣讲、政策解读、项目申报培训；与企业进行座谈交流"}, None, None, None, None, set()),
    # dates
    ("date-invalid", {"activity:0:date": "2021-13-45"}, None, None, None, None, {("date-invalid", A, 2, "活动日期")}),
    ("date-text-accepted", {"activity:0:date": "2021年3月1日", "activity:1:date": "2021/5/10"}, None, None, None,
     None, set()),
    ("date-outside-year", {"activity:0:date": dt.date(2020, 12, 31)}, None, None, None, None,
     {("date-outside-year", A, 2, "活动日期")}),
    ("date-last-day-accepted", {"activity:0:date": dt.date(2021, 12, 31)}, None, None, None, None, set()),
    ("date-after-asof", {}, None, None, None, dt.date(2021, 5, 31), {("date-after-asof", A, 4, "活动日期")}),
    # counts and numbers
    ("count-negative", {"activity:0:attendees": -1}, None, None, None, None, {("count-negative", A, 2, "参与人次")}),
    ("count-not-integer", {"activity:0:attendees": 2.5}, None, None, None, None,
     {("count-not-integer", A, 2, "参与人次")}),
    ("count-text", {"activity:0:enterprises": "两家"}, None, None, None, None,
     {("number-invalid", A, 2, "服务企业数")}),
    ("count-as-text-accepted", {"activity:0:enterprises": "２", "activity:0:attendees": "10 "}, None, None, None, None,
     set()),
    ("roster-number-invalid", {"roster:0:revenue": "很多"}, None, None, None, None,
     {("number-invalid", R, 2, "上年营业收入(万元)")}),
    ("roster-thousands-accepted", {"roster:0:main_revenue": "2,000"}, None, None, None, None, set()),
    # sign-ins and participants
    ("signin-unknown-activity", {"signin:2:activity_id": "H9"}, None, None, None, None,
     {("signin-unknown-activity", S, 4, "活动编号"), ("participants-mismatch", A, 3, "服务企业数")}),
    ("signin-not-on-roster", {"signin:2:uscc": E9}, None, None, None, None,
     {("signin-not-on-roster", S, 4, "统一社会信用代码")}),
    ("participants-mismatch", {"activity:0:enterprises": 3}, None, None, None, None,
     {("participants-mismatch", A, 2, "服务企业数")}),
    # tier criteria (rule set tiers-2018)
    ("criteria-main-revenue", {"roster:0:main_revenue": 1500}, None, None, None, None,
     {("tier-criteria", R, 2, "上年主营业务收入(万元)")}),
    ("criteria-boundary-accepted", {"roster:0:main_revenue": 2000}, None, None, None, None, set()),
    ("criteria-rd-ratio", {"roster:2:rd_expense": 200}, None, None, None, None,
     {("tier-criteria", R, 4, "研发费用(万元)")}),
    # quotas shown in the workbook
    ("quota-mismatch", {}, None, None, _set_cell(c.PROGRESS, "B8", 20), None,
     {("quota-mismatch", c.PROGRESS, 8, "目标企业家数")}),
    ("quota-mismatch-annex3", {}, None, None, _set_cell(c.ANNEX3, "K8", 99), None,
     {("quota-mismatch", c.ANNEX3, 8, "服务场次")}),
    # evidence, empty sheets
    ("evidence-missing", {"activity:0:evidence": None}, None, None, None, None,
     {("evidence-missing", A, 2, "佐证材料")}),
    ("sheet-empty", {}, None, {"activity": [0, 1, 2], "signin": [0, 1, 2, 3]}, None, None,
     {("sheet-empty", A, None, None)}),
    # structure
    ("column-missing-required", {}, None, None, _rename_header(A, "活动名称", "名称"), None,
     {("column-missing", A, 1, "活动名称")}),
    ("column-missing-optional", {}, None, None, _rename_header(A, "备注", "说明"), None,
     {("column-missing-optional", A, 1, "备注")}),
    ("header-full-width-accepted", {}, None, None,
     _rename_header(R, "上年营业收入(万元)", "上年营业收入（万元）"), None, set()),
    ("sheet-missing", {}, None, None, _delete_sheet(S), None, {("sheet-missing", S, None, None)}),
    ("meta-missing", {}, None, None, _delete_sheet(c.META), None, {("meta-missing", c.META, None, None)}),
    ("meta-centre-unknown", {}, None, None, _set_meta("centre", "某某中心"), None,
     {("meta-centre-unknown", c.META, None, None)}),
    ("meta-unit-mismatch", {}, None, None, _set_meta("unit", "曲靖市中小中心及窗口平台"), None,
     {("meta-mismatch", c.META, None, None)}),
]


@pytest.mark.parametrize(("case", "changes", "add", "drop", "edit", "as_of", "expected"), CASES,
                         ids=[case[0] for case in CASES])
def test_check(tmp_path, plan_report, case, changes, add, drop, edit, as_of, expected):
    path = _build(tmp_path, plan_report, rows(changes, add, drop), edit)
    report = check_file(path, plan_report, as_of or YEAR_END)
    assert _found(report) == expected
    assert report.valid == (not any(f.severity == "error" for f in report.findings))
    # the rows the tally leaves out are those of every error, the reader's and the checks'
    submission, read = read_submission(path)
    if submission is not None:
        found, voided = checked(Context(submission, plan_report.plan, plan_report.rules, as_of or YEAR_END, read))
        assert voided == invalid_rows(read + found)
        assert voided == {(f.sheet, f.row) for f in report.findings if f.severity == "error" and f.row and f.row > 1}


def test_unreadable_file(tmp_path, plan_report):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"this is not a workbook")
    report = check_file(path, plan_report)
    assert _found(report) == {("file-format", None, None, None)}  # text, not a workbook
    assert not report.valid and report.progress == []


def test_missing_file(tmp_path, plan_report):
    report = check_file(tmp_path / "none.xlsx", plan_report)
    assert [f.code for f in report.findings] == ["file-unreadable"]


def test_cli_check_json_and_exit_codes(tmp_path, plan_report, capsys):
    good = _build(tmp_path / "good", plan_report, rows())
    bad = _build(tmp_path / "bad", plan_report, rows({"activity:0:date": dt.date(2020, 1, 1)}))
    assert main(["check", str(good), "--as-of", "2021-12-31", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    sub = data["submissions"][0]
    assert (sub["centre"], sub["unit"], sub["plan"], sub["as_of"], sub["valid"]) == (
        CENTRE, "昆明市中小中心及窗口平台", "yunnan-2021", "2021-12-31", True)
    assert [p["tier"] for p in sub["progress"]] == plan_report.plan.tier_labels
    assert set(sub["progress"][0]) >= {"tier", "sessions", "sessions_target", "enterprises", "enterprises_target",
                                       "visits", "sessions_expected", "behind_pace"}
    assert main(["check", str(good), str(bad), "--as-of", "2021-12-31", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [s["valid"] for s in data["submissions"]] == [True, False]
    assert [(f["code"], f["sheet"], f["row"], f["column"]) for f in data["submissions"][1]["findings"]] == [
        ("date-outside-year", A, 2, "活动日期")]


def test_cli_check_text(tmp_path, plan_report, capsys):
    bad = _build(tmp_path, plan_report, rows({"activity:0:date": dt.date(2020, 1, 1)}))
    assert main(["check", str(bad), "--as-of", "2021-12-31"]) == 1
    out = capsys.readouterr().out
    assert "date-outside-year" in out and "第2行" in out and "规上工业企业" in out


@pytest.mark.parametrize("bad", ["2021-13-01", "31/12/2021", "昨天"])
def test_cli_bad_as_of_is_usage_error(tmp_path, bad, capsys):
    assert main(["check", str(tmp_path / "x.xlsx"), "--as-of", bad]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_cli_check_missing_file_is_a_finding(tmp_path, capsys):
    assert main(["check", str(tmp_path / "none.xlsx"), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["submissions"][0]["findings"][0]["code"] == "file-unreadable"
