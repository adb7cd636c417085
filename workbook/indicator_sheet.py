"""The 企业指标 sheet (DESIGN §4, §11): yearly figures per roster enterprise, with entry aids.

Aids that work without Python (Excel, WPS, LibreOffice): the credit code must be 18 characters
and on the 培育企业 roster, the year is the plan year or up to three years back and unique per
enterprise, figures are numbers with their unit, and the level columns are drop-downs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tidu.schemas import contract as c
from tidu.schemas.contract import Column
from tidu.schemas.plan import Plan
from tidu.workbook.xl import Formats, col_letter, sheet_ref, write_value

SHEET = c.INDICATORS

_LISTS = {"rd_institution": c.RD_INSTITUTION_LEVELS, "digital_level": c.DIGITAL_LEVELS, "above_scale": c.YES_NO}
_SIGNED = {"net_profit", "profit_tax"}  # may be negative (a loss)


def _validation(column: Column, plan: Plan) -> dict[str, Any] | None:
    """The data validation of one 企业指标 column, or None for free text."""
    letters = {col.key: col_letter(i) for i, col in enumerate(SHEET.columns)}
    first = f"{letters[column.key]}2"
    rule: dict[str, Any] | None = None
    if column.key == "uscc":
        roster = c.ROSTER.range_name("uscc")
        rule = {"validate": "custom", "value": f"=AND(LEN({first})=18,COUNTIF({roster},{first})>0)",
                "error_message": "统一社会信用代码应为18位，且须是《培育企业》名册中的企业（请先在名册登记）。"}
    elif column.key == "year":
        low = plan.year - c.INDICATOR_YEARS_BACK
        # one row per enterprise and year: the pair must not repeat
        pair = (f"COUNTIFS({SHEET.range_name('uscc')},${letters['uscc']}2,"
                f"{SHEET.range_name('year')},{first})=1")
        rule = {"validate": "custom", "value": f"=AND(ISNUMBER({first}),INT({first})={first},"
                                              f"{first}>={low},{first}<={plan.year},{pair})",
                "error_message": f"年度应为 {low}–{plan.year} 之间的整数，同一企业每年只填一行。"}
    elif column.key in _LISTS:
        rule = {"validate": "list", "source": list(_LISTS[column.key]),
                "error_message": "请从下拉列表选择：" + "、".join(_LISTS[column.key])}
    elif column.key in _SIGNED:
        rule = {"validate": "decimal", "criteria": "between", "minimum": -1e9, "maximum": 1e9,
                "error_message": "请填写数字（单位：万元），亏损填负数。"}
    elif column.kind == "amount":
        rule = {"validate": "decimal", "criteria": ">=", "value": 0,
                "error_message": "请填写不小于0的数字（单位：万元）。"}
    elif column.kind == "count":
        minimum = 1 if column.key == "province_rank" else 0
        rule = {"validate": "integer", "criteria": ">=", "value": minimum,
                "error_message": f"请填写不小于{minimum}的整数。"}
    elif column.kind == "percent":
        rule = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
                "error_message": "请填写0到100之间的数字，如 12 表示 12%。"}
    if rule is None:
        return None
    rule["error_type"] = "stop"
    rule["error_title"] = "输入有误"
    rule["ignore_blank"] = True
    if column.prompt:
        rule["input_title"] = column.header[:32]
        rule["input_message"] = column.prompt[:255]
    return rule


def _format(column: Column, fmts: Formats) -> Any:
    if column.key == "year":
        return fmts.int
    return {"code": fmts.code, "count": fmts.int, "amount": fmts.amount, "percent": fmts.number}.get(
        column.kind, fmts.text)


def build_indicator_sheet(book: Any, plan: Plan, fmts: Formats, rows: Sequence[Sequence[Any]] = ()) -> Any:
    """Add the 企业指标 sheet: headers in row 1, validations over its capacity, optional rows."""
    ws = book.add_worksheet(SHEET.name)
    last = SHEET.capacity
    for j, column in enumerate(SHEET.columns):
        ws.write_string(0, j, column.header, fmts.header_required if column.required else fmts.header)
        ws.set_column(j, j, column.width, _format(column, fmts))
        rule = _validation(column, plan)
        if rule:
            ws.data_validation(1, j, last, j, rule)
        book.define_name(SHEET.range_name(column.key), "=" + sheet_ref(SHEET.name, 1, j, last, j))
    book.define_name(SHEET.table_name, "=" + sheet_ref(SHEET.name, 0, 0, last, len(SHEET.columns) - 1))
    ws.set_row(0, 30)
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, 0, len(SHEET.columns) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    for i, values in enumerate(rows, start=1):
        for j, value in enumerate(values[: len(SHEET.columns)]):
            write_value(ws, i, j, value, fmts)
    return ws
