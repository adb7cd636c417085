"""The three entry sheets (培育企业, 服务活动, 服务对象) with Excel-native guidance.

Guidance that works without Python, in Excel, WPS and LibreOffice: drop-downs, date and number
validation with Chinese prompts and alerts, frozen headers, widths, and one defined name per
column so that formulas and the xlwings layer never spell a cell address.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from tidu.schemas import contract as c
from tidu.schemas.contract import Column, EntrySheet
from tidu.schemas.plan import Plan
from tidu.workbook.calc_sheet import OFFER, OFFER_NAMES, check_digit_by_names
from tidu.workbook.xl import Formats, col_letter, sheet_ref, write_value

_NUMBER_RULES: dict[str, dict[str, Any]] = {
    "count": {"validate": "integer", "criteria": ">=", "value": 0,
              "error_message": "请填写不小于0的整数。"},
    "amount": {"validate": "decimal", "criteria": ">=", "value": 0,
               "error_message": "请填写不小于0的数字（单位：万元）。"},
}

# Percent columns are text cells, so "34.1%" stays 34.1% as typed (a number cell would turn it into
# 0.341); the engine reads "34.1", "34.1%" and 34.1 alike. The validation checks the number inside.
_PERCENT_RULES: dict[str, tuple[int, int, str]] = {
    "percent": (0, 100, "请填写0到100之间的数，如 15 或 15%。"),
    "signed_percent": (-100, 100000, "请填写百分数，如 12.5 或 12.5%（增长12.5%），下降填负数。"),
}


def _column_format(column: Column, fmts: Formats) -> Any:
    return {
        "code": fmts.code, "date": fmts.date, "count": fmts.int, "amount": fmts.amount,
        "percent": fmts.code, "signed_percent": fmts.code,
    }.get(column.kind, fmts.text)


def _validation(sheet: EntrySheet, column: Column, plan: Plan) -> dict[str, Any] | None:
    """The data validation of one column, or None when the column is free text."""
    first = f"{col_letter(sheet.columns.index(column))}2"
    rule: dict[str, Any] | None = None
    if column.kind in _NUMBER_RULES:
        rule = dict(_NUMBER_RULES[column.kind])
    elif column.kind in _PERCENT_RULES:
        low, high, message = _PERCENT_RULES[column.kind]
        number = f'--SUBSTITUTE(SUBSTITUTE(TRIM({first}),"％",""),"%","")'
        rule = {"validate": "custom", "value": f"=AND(ISNUMBER({number}),{number}>={low},{number}<={high})",
                "error_message": message}
    elif column.kind == "date":
        rule = {"validate": "date", "criteria": "between",
                "minimum": dt.date(plan.year, 1, 1), "maximum": dt.date(plan.year, 12, 31),
                "error_message": f"活动日期须在{plan.year}年内，格式如 {plan.year}-03-15。"}
    elif (sheet.key, column.key) in {("roster", "uscc"), ("signin", "uscc")}:
        unique = f",COUNTIF({sheet.range_name('uscc')},{first})=1" if sheet.key == "roster" else ""
        rule = {"validate": "custom", "value": f"=AND(LEN({first})=18{unique})",
                "error_message": "统一社会信用代码应为18位" + ("，且名册中不能重复。" if unique else "。")}
    elif (sheet.key, column.key) == ("activity", "id"):
        rule = {"validate": "custom", "value": f"=COUNTIF({sheet.range_name('id')},{first})=1",
                "error_message": "活动编号在本表中不能重复。"}
    elif (sheet.key, column.key) == ("signin", "activity_id"):
        rule = {"validate": "list", "source": f"={c.ACTIVITY.range_name('id')}", "error_type": "warning",
                "error_message": "该活动编号不在《服务活动》表中，请先登记活动。"}
    elif column.key == "tier":
        rule = {"validate": "list", "source": f"={c.NAME_TIERS}",
                "error_message": "请从下拉列表选择培育梯度：" + "、".join(plan.tier_labels)}
    elif column.key == "category":
        # A warning, not a stop: the engine also accepts the plan's aliases (e.g. 技术创新服务).
        rule = {"validate": "list", "source": f"={c.NAME_CATEGORIES}", "error_type": "warning",
                "error_message": "请从下拉列表选择服务类别。"}
    elif column.key == "prefecture":
        rule = {"validate": "list", "source": f"={c.NAME_PREFECTURES}", "error_type": "warning",
                "error_message": "请从下拉列表选择州市。"}
    elif column.key == "county":
        pref = col_letter(sheet.columns.index(sheet.column("prefecture")))
        rule = {"validate": "list", "error_type": "warning",
                "source": f'=INDIRECT("tidu_county_"&MATCH(${pref}2,{c.NAME_PREFECTURES},0))',
                "error_message": "该县区不在所选州市的县级行政区划中，确认无误可继续。"}
    elif column.key == "industry":
        rule = {"validate": "list", "source": f"={c.NAME_INDUSTRIES}", "error_type": "warning",
                "error_message": "请从下拉列表选择行业（GB/T 4754-2017）。"}
    elif column.key == "form":
        rule = {"validate": "list", "source": f"={c.NAME_FORMS}", "error_type": "warning",
                "error_message": "请从下拉列表选择服务形式。"}
    elif column.key == "content":
        cat = col_letter(sheet.columns.index(sheet.column("category")))
        tier = col_letter(sheet.columns.index(sheet.column("tier")))
        # Items of 附表1 for the row's category × tier: names tidu_content_<i>_<j>.
        rule = {"validate": "list", "error_type": "warning",
                "source": f'=INDIRECT("tidu_content_"&MATCH(${cat}2,{c.NAME_CATEGORIES},0)'
                          f'&"_"&MATCH(${tier}2,{c.NAME_TIERS},0))',
                "error_message": "该服务内容不在附表1对应类别和梯度的服务内容中，确认无误可继续。"}
    if rule is None:
        return None
    rule.setdefault("error_type", "stop")
    rule.setdefault("error_title", "输入有误" if rule["error_type"] == "stop" else "请确认")
    rule["ignore_blank"] = True
    if column.prompt:
        rule["input_title"] = column.header[:32]
        rule["input_message"] = column.prompt[:255]
    return rule


def _marks(ws: Any, sheet: EntrySheet, fmts: Formats) -> None:
    """Conditional formats the clerk sees at once: a credit code with a wrong GB 32100 check
    character (red), and a 服务类别 that 附表1 does not offer to the session's tier (red)."""
    last = sheet.capacity
    red = fmts.bad
    if any(col.key == "uscc" for col in sheet.columns):
        j = sheet.columns.index(sheet.column("uscc"))
        cell = f"${col_letter(j)}2"
        code = f'UPPER(SUBSTITUTE({cell}," ",""))'
        ws.conditional_format(1, j, last, j, {"type": "formula", "format": red, "criteria":
                              f'=AND({cell}<>"",IFERROR({check_digit_by_names(code)},0)=0)'})
    if sheet.key == "activity":
        cat = col_letter(sheet.columns.index(sheet.column("category")))
        tier = col_letter(sheet.columns.index(sheet.column("tier")))
        j = sheet.columns.index(sheet.column("category"))
        ws.conditional_format(1, j, last, j, {"type": "formula", "format": red, "criteria":
                              f'=IFERROR(INDEX({OFFER},MATCH(TRIM(${cat}2),{OFFER_NAMES},0),'
                              f'MATCH(TRIM(${tier}2),{c.NAME_TIERS},0))=0,FALSE)'})


def build_entry_sheet(book: Any, sheet: EntrySheet, plan: Plan, fmts: Formats,
                      rows: Sequence[Sequence[Any]] = ()) -> Any:
    """Add one entry sheet: headers in row 1, validations over its capacity, optional rows."""
    ws = book.add_worksheet(sheet.name)
    last = sheet.capacity  # 0-based index of the last prepared data row
    for j, column in enumerate(sheet.columns):
        ws.write_string(0, j, column.header, fmts.header_required if column.required else fmts.header)
        ws.set_column(j, j, column.width, _column_format(column, fmts))
        rule = _validation(sheet, column, plan)
        if rule:
            ws.data_validation(1, j, last, j, rule)
        book.define_name(sheet.range_name(column.key), "=" + sheet_ref(sheet.name, 1, j, last, j))
    book.define_name(sheet.table_name, "=" + sheet_ref(sheet.name, 0, 0, last, len(sheet.columns) - 1))
    _marks(ws, sheet, fmts)
    ws.set_row(0, 30)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, 0, len(sheet.columns) - 1)
    # Printing: the roster is wide, so it takes two pages across rather than shrinking to 6 pt;
    # the three-column sign-in list prints upright.
    if sheet.key == "signin":
        ws.set_portrait()
    else:
        ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(2 if len(sheet.columns) > 13 else 1, 0)
    ws.repeat_rows(0)
    for i, values in enumerate(rows, start=1):
        for j, value in enumerate(values[: len(sheet.columns)]):
            write_value(ws, i, j, value, fmts)
    return ws
