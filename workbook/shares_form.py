"""The 分解落实 form: an .xlsx the province fills to split shared 附表3 rows among their centres.

One block per shared unit: the unit's row as printed in 附表3 (read-only), one input row per
centre that reports it, and a check row (formulas) that turns green when the parts add up to the
row. ``tidu plan shares read`` turns the filled form back into the plan's ``shares``.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter
from tidu.schemas.plan import Plan
from tidu.workbook.paths import atomic_path
from tidu.workbook.xl import Formats, col_letter, write_text

SHEET = "分解落实"
UNIT_LABEL, CENTRE_LABEL, CHECK_LABEL = "附表3单位指标", "分得", "核对（各单位之和 − 附表3）"


def shared_units(plan: Plan) -> dict[str, list[str]]:
    """附表3 rows reported by more than one centre → those centres, in registry order."""
    units: dict[str, list[str]] = {}
    for centre in plan.centres:
        units.setdefault(centre.unit, []).append(centre.name)
    return {unit: names for unit, names in units.items() if len(names) > 1}


def write_shares_form(path: str | Path, plan: Plan) -> Path:
    """Write the form, pre-filled with the plan's current shares (empty cells where none)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        fmts = Formats(book)
        ok = book.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})
        bad = book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        entry = book.add_format({"border": 1, "align": "center", "bg_color": "#FFFFE0", "locked": False,
                                 "num_format": "0"})
        ws = book.add_worksheet(SHEET)
        n = len(plan.tiers)
        ws.set_column(0, 0, 34)
        ws.set_column(1, 1, 24)
        ws.set_column(2, 1 + 2 * n, 9)
        ws.merge_range(0, 0, 0, 1 + 2 * n, f"{plan.year}年企业梯度培育任务分解落实表（计划 {plan.id}）", fmts.subtitle)
        ws.merge_range(1, 0, 1, 1 + 2 * n,
                       "黄色格填写各报送单位分得的目标企业家数和服务场次（整数）；附表3为“/”的不填。"
                       "每个单位的“核对”行全为 0（绿色）才算分完。填好后保存，交系统管理员运行 "
                       "tidu plan shares read 读入计划。", fmts.note)
        ws.set_row(1, 32)
        ws.write_string(3, 0, "附表3单位", fmts.header)
        ws.write_string(3, 1, "报送单位", fmts.header)
        for i, tier in enumerate(plan.tiers):
            ws.merge_range(2, 2 + 2 * i, 2, 3 + 2 * i, tier.label, fmts.header)
            ws.write_string(3, 2 + 2 * i, "目标企业家数", fmts.header)
            ws.write_string(3, 3 + 2 * i, "服务场次", fmts.header)
        ws.write_string(2, 0, "", fmts.header)
        ws.write_string(2, 1, "", fmts.header)
        ws.set_row(3, 30)
        row = 4
        for unit_name, centres in shared_units(plan).items():
            unit = plan.unit(unit_name)
            if unit is None:
                continue
            current = plan.shares.get(unit_name, {})
            top = row
            write_text(ws, row, 0, unit_name, fmts.label, fmts)
            ws.write_string(row, 1, UNIT_LABEL, fmts.label)
            for j, value in enumerate(unit.row):
                ws.write(row, 2 + j, "/" if value is None else value, fmts.total)
            for centre in centres:
                row += 1
                write_text(ws, row, 0, unit_name, fmts.cell, fmts)
                write_text(ws, row, 1, centre, fmts.cell, fmts)
                share = current.get(centre)
                for j, value in enumerate(unit.row):
                    if value is None:
                        ws.write_string(row, 2 + j, "/", fmts.cell_center)
                    elif share is not None and share[j] is not None:
                        ws.write_number(row, 2 + j, share[j], entry)
                    else:
                        ws.write_blank(row, 2 + j, None, entry)
            row += 1
            write_text(ws, row, 0, unit_name, fmts.cell, fmts)
            ws.write_string(row, 1, CHECK_LABEL, fmts.label)
            for j, value in enumerate(unit.row):
                col = col_letter(2 + j)
                if value is None:
                    ws.write_string(row, 2 + j, "/", fmts.cell_center)
                else:
                    ws.write_formula(row, 2 + j, f"=SUM({col}{top + 2}:{col}{row})-{col}{top + 1}", fmts.cell_int,
                                     -value if not current else 0)
            ws.conditional_format(row, 2, row, 1 + 2 * n, {"type": "cell", "criteria": "==", "value": 0,
                                                          "format": ok})
            ws.conditional_format(row, 2, row, 1 + 2 * n, {"type": "cell", "criteria": "!=", "value": 0,
                                                          "format": bad})
            ws.data_validation(top + 1, 2, row - 1, 1 + 2 * n, {
                "validate": "integer", "criteria": ">=", "value": 0, "ignore_blank": True,
                "input_title": "分得指标", "input_message": "本报送单位分得的指标，不小于0的整数",
                "error_message": "请填写不小于0的整数。"})
            row += 2
        ws.freeze_panes(4, 2)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(2, 3)
        ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
        book.close()
    return path
