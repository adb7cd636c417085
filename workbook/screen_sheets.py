"""Writing screening results (DESIGN §11): SCREEN.xlsx, and the report's 梯度储备 and 风险预警 sheets.

The rows come from :mod:`tidu.engine.screen.layout`; this module only lays them out with
XlsxWriter (text through ``write_text``: names and messages come from submissions).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from tidu.engine.screen.layout import (
    ASSESSMENT_HEADERS,
    RESERVE_HEADERS,
    WARNING_HEADERS,
    Row,
    assessment_rows,
    reserve_rows,
    summary_lines,
    warning_rows,
)
from tidu.schemas.screening import Screening
from tidu.workbook.paths import atomic_path
from tidu.workbook.xl import Formats, write_text

ASSESSMENT_SHEET = "梯度评估"
RESERVE_SHEET = "梯度储备"
WARNING_SHEET = "风险预警"
NOTES_SHEET = "说明"

_WIDTHS = {"统一社会信用代码": 21, "企业名称": 28, "报送单位": 22, "未达条件（实际值/要求）": 40, "待核实条件": 24,
           "缺数位置": 24, "预警": 50, "预警原因": 50, "差距（实际值/要求）": 36}


def _fill(fmts: Formats, colour: str | None) -> Any:
    return {"green": fmts.good, "amber": fmts.warn, "red": fmts.bad, "grey": fmts.total}.get(colour or "")


def _table(book: Any, fmts: Formats, name: str, title: str, headers: Sequence[str], rows: Sequence[Row],
           notes: Sequence[str] = ()) -> Any:
    ws = book.add_worksheet(name)
    ws.write_string(0, 0, title, fmts.title)
    for i, line in enumerate(notes, start=1):
        write_text(ws, i, 0, line, fmts.note, fmts)
    top = len(notes) + 2
    for j, header in enumerate(headers):
        ws.write_string(top, j, header, fmts.header)
        ws.set_column(j, j, _WIDTHS.get(header, 12))
    for i, row in enumerate(rows, start=top + 1):
        for j, value in enumerate(row.values):
            fmt = _fill(fmts, row.colour_of(j)) or fmts.cell
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(i, j, value, fmt)
            elif value is None or value == "":
                ws.write_blank(i, j, None, fmt)
            else:
                write_text(ws, i, j, value, fmt, fmts)
    if not rows:
        ws.write_string(top + 1, 0, "（无）", fmts.note)
    ws.freeze_panes(top + 1, 2)
    ws.autofilter(top, 0, top + max(len(rows), 1), len(headers) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(top)
    return ws


def add_assessment_sheet(book: Any, fmts: Formats, screening: Screening) -> Any:
    """The 梯度评估 sheet: per enterprise the decisions, reasons, candidate tier and warnings."""
    return _table(book, fmts, ASSESSMENT_SHEET, "梯度评估", ASSESSMENT_HEADERS, assessment_rows(screening),
                  summary_lines(screening))


def add_reserve_sheet(book: Any, fmts: Formats, screening: Screening) -> Any:
    """The 梯度储备 sheet: 升规 reserve first, then the other candidates, and 新增规上."""
    s = screening.summary()
    goal = s.get("above_scale_goal")
    notes = [f"升规储备 {s['above_scale_reserve']} 家；计划年度新增规上 {s['above_scale_new']} 家"
             + (f"，目标 {goal} 家" if goal is not None else ""),
             f"候选：符合上一梯度的条件，或未达条件均在门槛的{_margin(screening)}以内（规则集 {screening.rules}）"]
    return _table(book, fmts, RESERVE_SHEET, "梯度储备", RESERVE_HEADERS, reserve_rows(screening), notes)


def add_warning_sheet(book: Any, fmts: Formats, screening: Screening) -> Any:
    """The 风险预警 sheet: one row per warning, growth SMEs first, coloured by level."""
    levels = screening.summary()["warned"]
    notes = ["预警企业：" + "，".join(f"{lv} {n} 家" for lv, n in levels.items()) + "（成长型中小企业列在最前）"]
    return _table(book, fmts, WARNING_SHEET, "风险预警", WARNING_HEADERS, warning_rows(screening), notes)


def _margin(screening: Screening) -> str:
    return f"{screening.reserve:g}%"


def write_screen_workbook(screening: Screening, path: str | Path) -> Path:
    """SCREEN.xlsx: 梯度评估, 梯度储备, 风险预警 and 说明, written atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        book.set_properties({"title": f"梯度评估（{screening.rules}，截至 {screening.as_of}）", "author": "tidu"})
        fmts = Formats(book)
        add_assessment_sheet(book, fmts, screening)
        add_reserve_sheet(book, fmts, screening)
        add_warning_sheet(book, fmts, screening)
        notes = book.add_worksheet(NOTES_SHEET)
        notes.set_column(0, 0, 100)
        lines = [*summary_lines(screening), "",
                 "本梯度评估：符合 = 全部条件有数字且达到；不符合 = 至少一项条件未达到（列出实际值和要求）；"
                 "待核实 = 没有未达到的条件，但缺少数字或有需人工核实的条件。",
                 "数字取自《企业指标》表；上年数字缺失时用《培育企业》表的上年数字。"]
        for i, line in enumerate(lines):
            write_text(notes, i, 0, line, fmts.wrap, fmts)
        book.close()
    return path
