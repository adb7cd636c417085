"""The standard centre workbook: sheets, headers, guidance, protection, _meta, and the CLI."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from tidu.engine.cli.main import main
from tidu.schemas import contract as c
from tidu.workbook.builder import build_workbook, workbook_filename

from .conftest import KUNMING


@pytest.fixture(scope="module")
def book(kunming_book):
    return openpyxl.load_workbook(kunming_book)


def _validations(ws):
    """{column letter: data validation} of an entry sheet."""
    return {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv for dv in ws.data_validations.dataValidation}


def test_sheet_names_and_order(book):
    assert book.sheetnames == list(c.SHEET_ORDER)
    assert [book[n].sheet_state for n in (c.META, c.LISTS, c.CALC)] == ["hidden"] * 3
    assert book.active.title == c.COVER


@pytest.mark.parametrize("sheet", c.ENTRY_SHEETS, ids=lambda s: s.key)
def test_entry_headers_exactly_as_contract(book, sheet):
    ws = book[sheet.name]
    assert [cell.value for cell in ws[1]] == sheet.headers
    assert ws.freeze_panes == "A2"


def test_contract_headers_use_ascii_parentheses():
    headers = [h for s in c.ENTRY_SHEETS for h in s.headers]
    assert "上年营业收入(万元)" in headers
    assert not any("（" in h or "）" in h for h in headers)


@pytest.mark.parametrize(
    ("sheet", "column", "kind", "formula1", "style"),
    [
        ("培育企业", "C", "list", c.NAME_TIERS, None),
        ("培育企业", "D", "list", c.NAME_PREFECTURES, "warning"),
        ("培育企业", "A", "custom", "AND(LEN(A2)=18,COUNTIF(tidu_roster_uscc,A2)=1)", None),
        ("培育企业", "G", "decimal", "0", None),
        ("培育企业", "K", "custom",
         'AND(ISNUMBER(--SUBSTITUTE(SUBSTITUTE(TRIM(K2),"％",""),"%","")),'
         '--SUBSTITUTE(SUBSTITUTE(TRIM(K2),"％",""),"%","")>=0,--SUBSTITUTE(SUBSTITUTE(TRIM(K2),"％",""),"%","")<=100)',
         None),
        ("培育企业", "E", "list", 'INDIRECT("tidu_county_"&MATCH($D2,tidu_prefectures,0))', "warning"),
        ("培育企业", "F", "list", c.NAME_INDUSTRIES, "warning"),
        ("培育企业", "L", "whole", "0", None),
        ("服务活动", "A", "custom", "COUNTIF(tidu_activity_id,A2)=1", None),
        ("服务活动", "C", "list", c.NAME_CATEGORIES, "warning"),
        ("服务活动", "D", "list", c.NAME_TIERS, None),
        ("服务活动", "G", "list", c.NAME_FORMS, "warning"),
        ("服务活动", "H", "whole", "0", None),
        ("服务活动", "I", "whole", "0", None),
        ("服务对象", "A", "list", "tidu_activity_id", "warning"),
        ("服务对象", "B", "custom", "AND(LEN(B2)=18)", None),
    ],
)
def test_validations(book, sheet, column, kind, formula1, style):
    dv = _validations(book[sheet])[column]
    assert (dv.type, dv.formula1, dv.errorStyle) == (kind, formula1, style)
    capacity = next(s.capacity for s in c.ENTRY_SHEETS if s.name == sheet)
    assert str(dv.sqref) == f"{column}2:{column}{capacity + 1}"


def test_date_validation_is_the_plan_year(book, plan):
    dv = _validations(book["服务活动"])["B"]
    base = dt.date(1899, 12, 30)
    assert dv.type == "date"
    assert base + dt.timedelta(days=int(dv.formula1)) == dt.date(plan.year, 1, 1)
    assert base + dt.timedelta(days=int(dv.formula2)) == dt.date(plan.year, 12, 31)


def test_content_dropdown_follows_category_and_tier(book, plan):
    dv = _validations(book["服务活动"])["E"]
    assert dv.formula1.startswith("INDIRECT(") and "tidu_content_" in dv.formula1
    # 创业服务 × 小微企业 → the 3rd category and 5th tier
    name = c.content_list_name(plan.category_labels.index("创业服务") + 1, plan.tier_labels.index("小微企业") + 1)
    sheet, ref = next(iter(book.defined_names[name].destinations))
    values = [row[0].value for row in book[sheet][ref.replace("$", "")]]
    assert values == list(plan.content_items("创业服务", "小微企业"))


def test_every_entry_column_has_a_defined_name(book):
    for sheet in c.ENTRY_SHEETS:
        for i, column in enumerate(sheet.columns):
            dest = list(book.defined_names[sheet.range_name(column.key)].destinations)
            letter = openpyxl.utils.get_column_letter(i + 1)
            assert dest == [(sheet.name, f"${letter}$2:${letter}${sheet.capacity + 1}")]


def test_input_prompts_are_chinese(book):
    dv = _validations(book["服务活动"])["B"]
    assert dv.promptTitle == "活动日期" and "2021" in dv.prompt


@pytest.mark.parametrize("sheet", [c.ANNEX1, c.ANNEX2, c.ANNEX3])
def test_annex_sheets_are_protected(book, sheet):
    assert book[sheet].protection.sheet is True


@pytest.mark.parametrize("sheet", [c.ROSTER.name, c.ACTIVITY.name, c.SIGNIN.name])
def test_entry_sheets_are_not_protected(book, sheet):
    assert not book[sheet].protection.sheet


def test_annex3_highlights_the_centres_row(book):
    ws = book[c.ANNEX3]
    fills = {row[0].value: row[0].fill.fgColor.rgb for row in ws.iter_rows(min_row=4, max_row=33)}
    highlighted = [name for name, rgb in fills.items() if rgb and rgb.endswith("FFF2CC")]
    assert highlighted == ["昆明市中小中心及窗口平台"]


def test_prefecture_platform_highlights_its_prefectures_row(built_dir, plan_report):
    path = build_workbook(built_dir / "dali-platform.xlsx", "大理州中小企业公共服务窗口平台",
                          plan_report)
    ws = openpyxl.load_workbook(path)[c.ANNEX3]
    highlighted = [r[0].value for r in ws.iter_rows(min_row=4, max_row=33)
                   if (r[0].fill.fgColor.rgb or "").endswith("FFF2CC")]
    assert highlighted == ["大理州中小中心及窗口平台"]


def test_meta(book, plan):
    ws = book[c.META]
    meta = {row[0].value: row[1].value for row in ws.iter_rows(min_row=2)}
    assert list(meta) == list(c.META_KEYS)
    assert meta["plan_id"] == plan.id and meta["plan_year"] == plan.year
    assert meta["centre"] == KUNMING and meta["unit"] == "昆明市中小中心及窗口平台"
    assert meta["template_version"] == c.TEMPLATE_VERSION
    assert isinstance(meta["created_at"], dt.datetime)  # a real date-time cell, not ISO text
    assert meta["exported_at"] is None


def test_progress_sheet_targets_and_names(book):
    ws = book[c.PROGRESS]
    _, ref = next(iter(book.defined_names[c.NAME_PROGRESS_FORMULAS].destinations))
    rows = list(ws[ref.replace("$", "")])
    assert [cell.value for cell in rows[0]] == [h for _, h in c.PROGRESS_COLUMNS]
    body = {r[0].value: (r[1].value, r[5].value) for r in rows[1:6]}
    assert body == {"国家级小巨人": (18, 16), "省级小巨人": (44, 4), "规上工业企业": (140, 2),
                    "成长型中小企业": (70, 2), "小微企业": (252, 4)}
    assert str(rows[1][6].value).startswith("=COUNTIF(tidu_calc_activity_tier")
    assert rows[-1][0].value == "合计"
    assert book[c.PROGRESS].conditional_formatting  # traffic lights


def test_provincial_centre_workbook(built_dir, plan_report):
    plan = plan_report.plan
    path = build_workbook(built_dir / "prov.xlsx", plan.provincial_centre.name, plan_report)
    book = openpyxl.load_workbook(path)
    meta = {row[0].value: row[1].value for row in book[c.META].iter_rows(min_row=2)}
    assert meta["unit"] is None  # no 附表3 row
    ws = book[c.PROGRESS]
    assert [ws.cell(r, 2).value for r in range(8, 13)] == [35, 100, "/", "/", "/"]


def test_opens_with_calamine(kunming_book):
    wb = CalamineWorkbook.from_path(str(kunming_book))
    assert wb.sheet_names == list(c.SHEET_ORDER)
    rows = wb.get_sheet_by_name(c.ACTIVITY.name).to_python()
    assert rows[0] == c.ACTIVITY.headers
    annex3 = wb.get_sheet_by_name(c.ANNEX3).to_python()
    assert annex3[3][:3] == ["昆明市中小中心及窗口平台", 18.0, 16.0]


def test_text_that_looks_like_a_formula_stays_text(built_dir, plan_report):
    rows = {"roster": [["=HYPERLINK(\"http://x\")", "=1+1", "小微企业"]]}
    path = build_workbook(built_dir / "f.xlsx", KUNMING, plan_report, rows=rows)
    ws = openpyxl.load_workbook(path)[c.ROSTER.name]
    assert ws["A2"].data_type == "s" and ws["B2"].data_type == "s"


def test_unknown_centre(tmp_path, capsys):
    assert main(["template", "--centre", "昆明中心", "-o", str(tmp_path)]) == 2
    assert "不在" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_cli_template_all(tmp_path, plan):
    assert main(["template", "--all", "-o", str(tmp_path)]) == 0
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == sorted(workbook_filename(plan, n) for n in plan.centre_names())
    assert len(files) == 47


def test_cli_template_one(tmp_path, capsys):
    assert main(["template", "--centre", KUNMING, "-o", str(tmp_path)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == [f"{KUNMING}_2021年企业梯度培育台账.xlsx"]


def test_template_two_guidance(book, plan):
    """What template 2.0 adds for the clerk (issue 10): prompts, lists, cover fields, protection."""
    activity = _validations(book[c.ACTIVITY.name])
    assert activity["G"].prompt  # 服务形式 has an input prompt
    names = book.defined_names
    assert c.county_list_name(1) in names and c.NAME_INDUSTRIES in names
    counties = {label: i for i, label in enumerate(plan.prefectures, start=1)}
    _, ref = next(iter(names[c.county_list_name(counties["昆明市"])].destinations))
    ws = book[c.LISTS]
    kunming = [cell.value for row in ws[ref.replace("$", "")] for cell in row]
    assert len(kunming) == 14 and "五华区" in kunming and "安宁市" in kunming
    # 创业服务 is not offered to 国家级 (附表1 "/"): no content list to choose "/" from
    startup = plan.category_labels.index("创业服务") + 1
    assert c.content_list_name(startup, 1) not in names
    assert c.content_list_name(startup, plan.tier_labels.index("小微企业") + 1) in names
    cover = [row[0].value for row in book[c.COVER].iter_rows()]
    assert {"填报人", "审核人", "联系电话", "填报日期"} <= set(cover)
    assert book[c.PROGRESS].protection.sheet
    assert book.security is not None and book.security.lockStructure
    assert book[c.PROGRESS]["A1"].value.startswith(KUNMING)
    assert c.TEMPLATE_VERSION == "2.0"

