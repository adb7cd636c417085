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
from tidu.workbook.xl import Formats, col_letter, sheet_ref, write_value

_NUMBER_RULES: dict[str, dict[str, Any]] = {
    "count": {"validate": "integer", "criteria": ">=", "value": 0,
              "error_message": "请填写不小于0的整数。"},
    "amount": {"validate": "decimal", "criteria": ">=", "value": 0,
               "error_message": "请填写不小于0的数字（单位：万元）。"},
    "percent": {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
                "error_message": "请填写0到100之间的数字，如 15 表示 15%。"},
    "signed_percent": {"validate": "decimal", "criteria": "between", "minimum": -100, "maximum": 100000,
                       "error_message": "请填写百分数的数字部分，如 12.5 表示增长12.5%，下降填负数。"},
}


def _column_format(column: Column, fmts: Formats) -> Any:
    return {
        "code": fmts.code, "date": fmts.date, "count": fmts.int, "amount": fmts.amount,
        "percent": fmts.number, "signed_percent": fmts.number,
    }.get(column.kind, fmts.text)


def _validation(sheet: EntrySheet, column: Column, plan: Plan) -> dict[str, Any] | None:
    """The data validation of one column, or None when the column is free text."""
    first = f"{col_letter(sheet.columns.index(column))}2"
    rule: dict[str, Any] | None = None
    if column.kind in _NUMBER_RULES:
        rule = dict(_NUMBER_RULES[column.kind])
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
    ws.set_row(0, 30)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, 0, len(sheet.columns) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    for i, values in enumerate(rows, start=1):
        for j, value in enumerate(values[: len(sheet.columns)]):
            write_value(ws, i, j, value, fmts)
    return ws
