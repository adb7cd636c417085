"""完成情况: targets, actuals, completion, gap and pace per tier, as formulas that work anywhere.

The formulas are the quick, Python-free view; they count a session when its required cells are
filled and its date lies between 1 January and the as-of date, and an enterprise when it is on
the roster and appears in 服务对象. The engine's figures (written by the 汇总 button below the
formula block) apply every rule of DESIGN §5 and are authoritative.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tidu.schemas import contract as c
from tidu.schemas.contract import ACTIVITY, ROSTER, SIGNIN
from tidu.schemas.plan import Target
from tidu.workbook.xl import Formats, col_letter, sheet_ref

CALC_SERVED = "tidu_calc_served"
HEADER_ROW = 4  # 0-based row of the formula block's header
_COLS = {key: i for i, (key, _) in enumerate(c.PROGRESS_COLUMNS)}


def _cell(key: str, row: int) -> str:
    return f"{col_letter(_COLS[key])}{row + 1}"


def engine_header_row(n_tiers: int) -> int:
    """0-based header row of the block the 汇总 button fills (below the formula block)."""
    return HEADER_ROW + n_tiers + 4


def build_calc(book: Any) -> None:
    """Hidden helper: per roster row, 1 when the enterprise appears in 服务对象."""
    ws = book.add_worksheet(c.CALC)
    ws.write_string(0, 0, "已服务")
    uscc, signed = ROSTER.range_name("uscc"), SIGNIN.range_name("uscc")
    for i in range(1, ROSTER.capacity + 1):
        ws.write_formula(i, 0, f'=IF(INDEX({uscc},ROW()-1)="","",'
                               f'IF(COUNTIF({signed},INDEX({uscc},ROW()-1))>0,1,0))', None, "")
    book.define_name(CALC_SERVED, "=" + sheet_ref(c.CALC, 1, 0, ROSTER.capacity, 0))
    ws.hide()


def _session_criteria(year: int) -> str:
    a = ACTIVITY.range_name
    return (f'{a("id")},"<>",{a("name")},"<>",{a("category")},"<>",'
            f'{a("date")},">="&DATE({year},1,1),{a("date")},"<="&{c.NAME_ASOF}')


def _write_header(ws: Any, row: int, fmts: Formats) -> None:
    for j, (_, header) in enumerate(c.PROGRESS_COLUMNS):
        ws.write_string(row, j, header, fmts.header)
    ws.set_row(row, 30)


def _rate_and_gap(ws: Any, r: int, target: str, actual: str, rate: str, gap: str, fmts: Formats) -> None:
    t, a = _cell(target, r), _cell(actual, r)
    ws.write_formula(r, _COLS[rate], f'=IF(ISNUMBER({t}),IF({t}>0,{a}/{t},"—"),"—")', fmts.cell_percent)
    ws.write_formula(r, _COLS[gap], f'=IF(ISNUMBER({t}),MAX({t}-{a},0),"—")', fmts.cell_int)


def build_progress(book: Any, targets: list[Target], year: int, fmts: Formats, unit: str | None) -> None:
    ws = book.add_worksheet(c.PROGRESS)
    width = len(c.PROGRESS_COLUMNS)
    ws.set_column(0, 0, 16)
    ws.set_column(1, width - 1, 11)
    ws.merge_range(0, 0, 0, width - 1, f"{year}年企业梯度培育完成情况", fmts.subtitle)
    ws.write_string(1, 0, "附表3单位", fmts.label)
    ws.merge_range(1, 1, 1, 4, unit or "省中心（协同全省）", fmts.cell)
    ws.write_string(2, 0, "截至日期", fmts.label)
    ws.write_formula(2, 1, f"=MIN(MAX(TODAY(),DATE({year},1,1)),DATE({year},12,31))", fmts.input)
    ws.data_validation(2, 1, 2, 1, {
        "validate": "date", "criteria": "between", "minimum": dt.date(year, 1, 1),
        "maximum": dt.date(year, 12, 31), "input_title": "截至日期",
        "input_message": "默认为今天；可改为本年内任一日期，查看截至该日的进度。",
        "error_message": f"截至日期须在{year}年内。"})
    book.define_name(c.NAME_ASOF, "=" + sheet_ref(c.PROGRESS, 2, 1))
    ws.merge_range(2, 2, 2, width - 1, "以下为公式简易统计（无需加载项）；点击“汇总”后，"
                   "程序核算结果写在下方“系统核算”表，以系统核算为准。", fmts.note)

    _write_header(ws, HEADER_ROW, fmts)
    first, elapsed = HEADER_ROW + 1, f"({c.NAME_ASOF}-DATE({year},1,1)+1)/(DATE({year},12,31)-DATE({year},1,1)+1)"
    a = ACTIVITY.range_name
    for i, target in enumerate(targets):
        r = first + i
        ws.write_string(r, _COLS["tier"], target.tier, fmts.label)
        for key, value in (("enterprises_target", target.enterprises), ("sessions_target", target.sessions)):
            ws.write(r, _COLS[key], "/" if value is None else value, fmts.cell_int)
        ws.write_formula(r, _COLS["enterprises"],
                         f'=COUNTIFS({ROSTER.range_name("tier")},$A{r + 1},{CALC_SERVED},1)', fmts.cell_int)
        ws.write_formula(r, _COLS["sessions"],
                         f"=COUNTIFS({a('tier')},$A{r + 1},{_session_criteria(year)})", fmts.cell_int)
        ws.write_formula(r, _COLS["visits"],
                         f"=SUMIFS({a('enterprises')},{a('tier')},$A{r + 1},{_session_criteria(year)})",
                         fmts.cell_int)
        st = _cell("sessions_target", r)
        ws.write_formula(r, _COLS["sessions_expected"], f'=IF(ISNUMBER({st}),{st}*{elapsed},"—")', fmts.cell_num)
        expected, actual = _cell("sessions_expected", r), _cell("sessions", r)
        ws.write_formula(r, _COLS["pace"], f'=IF(ISNUMBER({expected}),IF({actual}<{expected},"落后","正常"),"—")',
                         fmts.cell_center)
        _rate_and_gap(ws, r, "enterprises_target", "enterprises", "enterprises_rate", "enterprises_gap", fmts)
        _rate_and_gap(ws, r, "sessions_target", "sessions", "sessions_rate", "sessions_gap", fmts)
    last = first + len(targets) - 1
    total = last + 1
    ws.write_string(total, 0, "合计", fmts.total)
    for key in ("enterprises_target", "enterprises", "sessions_target", "sessions", "visits"):
        col = col_letter(_COLS[key])
        ws.write_formula(total, _COLS[key], f"=SUM({col}{first + 1}:{col}{last + 1})", fmts.total)
    _rate_and_gap(ws, total, "enterprises_target", "enterprises", "enterprises_rate", "enterprises_gap", fmts)
    _rate_and_gap(ws, total, "sessions_target", "sessions", "sessions_rate", "sessions_gap", fmts)
    book.define_name(c.NAME_PROGRESS_FORMULAS, "=" + sheet_ref(c.PROGRESS, HEADER_ROW, 0, total, width - 1))
    _traffic_lights(ws, first, total, fmts)

    engine = engine_header_row(len(targets))
    ws.write_string(engine - 1, 0, "系统核算（点击“汇总”后由程序写入）", fmts.subtitle)
    _write_header(ws, engine, fmts)
    book.define_name(c.NAME_PROGRESS_ENGINE,
                     "=" + sheet_ref(c.PROGRESS, engine, 0, engine + len(targets) + 1, width - 1))
    _traffic_lights(ws, engine + 1, engine + len(targets) + 1, fmts)
    ws.freeze_panes(HEADER_ROW + 1, 1)
    ws.set_landscape()
    ws.fit_to_pages(1, 1)


def _traffic_lights(ws: Any, first: int, last: int, fmts: Formats) -> None:
    for key in ("enterprises_rate", "sessions_rate"):
        col = _COLS[key]
        ws.conditional_format(first, col, last, col, {"type": "cell", "criteria": ">=", "value": 1,
                                                      "format": fmts.good})
        ws.conditional_format(first, col, last, col, {"type": "cell", "criteria": "between",
                                                      "minimum": 0.5, "maximum": 0.9999, "format": fmts.warn})
        ws.conditional_format(first, col, last, col, {"type": "cell", "criteria": "<", "value": 0.5,
                                                      "format": fmts.bad})
    col = _COLS["pace"]
    for text, fmt in (("落后", fmts.bad), ("正常", fmts.good)):
        ws.conditional_format(first, col, last, col, {"type": "cell", "criteria": "==",
                                                      "value": f'"{text}"', "format": fmt})


def build_findings_sheet(book: Any, fmts: Formats) -> None:
    ws = book.add_worksheet(c.FINDINGS)
    widths = (8, 22, 12, 6, 20, 20, 60, 16, 10)
    for j, (header, w) in enumerate(zip(c.FINDING_HEADERS, widths, strict=True)):
        ws.write_string(0, j, header, fmts.header)
        ws.set_column(j, j, w)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, 0, len(c.FINDING_HEADERS) - 1)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    book.define_name(c.NAME_FINDINGS, "=" + sheet_ref(c.FINDINGS, 0, 0, 0, len(c.FINDING_HEADERS) - 1))
