"""完成情况: targets, actuals, completion, gap and pace per tier, as formulas that agree with the engine.

The formula view applies the counting rules of DESIGN §5 with plain formulas (Excel 2010+, WPS,
LibreOffice; no dynamic arrays), through helper columns on the hidden ``_calc`` sheet
(:mod:`tidu.workbook.calc_sheet`). What a formula cannot judge (a date typed as text, a value
pasted past the validation) is counted in a visible warning line. The engine's figures, written
by the 汇总 button below the formula block, stay authoritative.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tidu.schemas import contract as c
from tidu.schemas.plan import Target
from tidu.schemas.results import TierProgress
from tidu.workbook import calc_sheet as calc
from tidu.workbook.xl import Formats, col_letter, sheet_ref, traffic_lights, write_text

HEADER_ROW = 6  # 0-based row of the formula block's header
_COLS = {key: i for i, (key, _) in enumerate(c.PROGRESS_COLUMNS)}
_DASH = "—"


class _Formats:
    """The shared formats plus the few this sheet alone uses."""

    def __init__(self, book: Any, shared: Formats):
        self._shared = shared
        base = {"font_name": "等线", "font_size": 10.5, "valign": "vcenter", "border": 1, "align": "center"}
        self.cell_center_small = book.add_format({**base, "font_size": 9, "text_wrap": True})
        # A shared target keeps its number (formulas and the reader use it) and says 共担.
        self.cell_shared = book.add_format({**base, "num_format": '0"（共担）"'})
        self.open_cell = book.add_format({**base, "locked": False})
        self.subtitle_open = book.add_format({"font_name": "等线", "bold": True, "font_size": 12, "locked": False})
        self.status = book.add_format({"font_name": "等线", "bold": True, "font_size": 10.5, "valign": "vcenter",
                                       "font_color": "#9C5700"})
        self.key_good = book.add_format({**base, "bg_color": "#C6EFCE", "font_color": "#006100"})
        self.key_warn = book.add_format({**base, "bg_color": "#FFEB9C", "font_color": "#9C5700"})
        self.key_bad = book.add_format({**base, "bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.input = book.add_format({**base, "bg_color": "#FFFFE0", "num_format": "yyyy-mm-dd", "locked": False})

    def __getattr__(self, name: str) -> Any:
        return getattr(self._shared, name)


@dataclass(frozen=True)
class ProgressSetup:
    """What the sheet shows besides the counts: who, against what, and whether pace is judged."""

    centre: str
    unit: str | None
    year: int
    targets: list[Target]
    as_of: dt.date  # the as-of date the cached values are computed for
    partners: tuple[str, ...] = ()  # centres sharing the 附表3 row
    split: bool = False  # the plan splits the row: ``targets`` is this centre's share

    @property
    def judges_pace(self) -> bool:
        """A centre sharing its row without a split of its own gets no pace verdict (§4)."""
        return not self.partners or self.split


def _cell(key: str, row: int) -> str:
    return f"{col_letter(_COLS[key])}{row + 1}"


def engine_header_row(n_tiers: int) -> int:
    """0-based header row of the block the 汇总 button fills (below the formula block)."""
    return HEADER_ROW + n_tiers + 5


def _write_header(ws: Any, row: int, fmts: Any) -> None:
    for j, (_, header) in enumerate(c.PROGRESS_COLUMNS):
        ws.write_string(row, j, header, fmts.header)
    ws.set_row(row, 30)


def _num(value: float | int | None) -> Any:
    return _DASH if value is None else value


def _rate_and_gap(ws: Any, r: int, target: str, actual: str, rate: str, gap: str, fmts: Any,
                  cached: TierProgress) -> None:
    t, a = _cell(target, r), _cell(actual, r)
    ws.write_formula(r, _COLS[rate], f'=IF(ISNUMBER({t}),IF({t}>0,{a}/{t},"{_DASH}"),"{_DASH}")', fmts.cell_percent,
                     _num(getattr(cached, rate)))
    ws.write_formula(r, _COLS[gap], f'=IF(ISNUMBER({t}),MAX({t}-{a},0),"{_DASH}")', fmts.cell_int,
                     _num(getattr(cached, gap)))


def _pace(ws: Any, r: int, setup: ProgressSetup, fmts: Any, cached: TierProgress) -> None:
    """Expected sessions = floor(target × days elapsed ÷ days in year); behind = actual < expected."""
    year = setup.year
    st = _cell("sessions_target", r)
    if setup.judges_pace:
        elapsed = f"({c.NAME_ASOF}-DATE({year},1,1)+1)"
        days = f"(DATE({year},12,31)-DATE({year},1,1)+1)"
        ws.write_formula(r, _COLS["sessions_expected"], f'=IF(ISNUMBER({st}),INT({st}*{elapsed}/{days}),"{_DASH}")',
                         fmts.cell_int, _num(cached.sessions_expected))
        expected, actual = _cell("sessions_expected", r), _cell("sessions", r)
        verdict = _DASH if cached.behind_pace is None else ("落后" if cached.behind_pace else "正常")
        ws.write_formula(r, _COLS["pace"],
                         f'=IF(ISNUMBER({expected}),IF({actual}<{expected},"落后","正常"),"{_DASH}")',
                         fmts.cell_center, verdict)
    else:
        ws.write_string(r, _COLS["sessions_expected"], _DASH, fmts.cell_center)
        ws.write_string(r, _COLS["pace"], "由省中心按单位评判", fmts.cell_center_small)


def _target_format(setup: ProgressSetup, fmts: Any) -> Any:
    return fmts.cell_shared if setup.partners and not setup.split else fmts.cell_int


def build_progress(book: Any, setup: ProgressSetup, fmts: Formats, cached: Sequence[TierProgress]) -> None:
    """The 完成情况 sheet: formula block (works without Python) and the block the 汇总 button fills.

    ``cached`` are the engine's figures for the entries written with the template (zeros for a
    blank one): they are stored as the formulas' cached results, so a viewer that never
    recalculates shows the truth.
    """
    ws = book.add_worksheet(c.PROGRESS)
    fmts = _Formats(book, fmts)
    width = len(c.PROGRESS_COLUMNS)
    year = setup.year
    ws.set_column(0, 0, 16)
    ws.set_column(1, width - 1, 11.5)
    ws.merge_range(0, 0, 0, width - 1, "", fmts.subtitle)
    write_text(ws, 0, 0, f"{setup.centre} {year}年企业梯度培育完成情况", fmts.subtitle, fmts)
    ws.set_row(0, 24)
    ws.write_string(1, 0, "附表3单位", fmts.label)
    ws.merge_range(1, 1, 1, 5, "", fmts.cell)
    write_text(ws, 1, 1, setup.unit or "省中心（协同全省）", fmts.cell, fmts)
    ws.merge_range(1, 6, 1, width - 1, _target_note(setup), fmts.note)
    ws.set_row(1, 30)
    ws.write_string(2, 0, "截至日期", fmts.label)
    ws.write_formula(2, 1, f"=MIN(MAX(TODAY(),DATE({year},1,1)),DATE({year},12,31))", fmts.input,
                     (setup.as_of - dt.date(1899, 12, 30)).days)  # cached as the serial number Excel stores
    ws.data_validation(2, 1, 2, 1, {
        "validate": "date", "criteria": "between", "minimum": dt.date(year, 1, 1),
        "maximum": dt.date(year, 12, 31), "input_title": "截至日期",
        "input_message": "默认为今天；可改为本年内任一日期，查看截至该日的进度。",
        "error_message": f"截至日期须在{year}年内。"})
    book.define_name(c.NAME_ASOF, "=" + sheet_ref(c.PROGRESS, 2, 1))
    ws.merge_range(2, 2, 2, width - 1, "下表由公式按系统核算规则即时计算（无需加载项）；点击“汇总”后，"
                   "程序核算结果写在下方“系统核算”表，两者应一致，以系统核算为准。", fmts.note)
    ws.set_row(2, 30)
    _status_line(ws, 3, width, fmts)
    _colour_key(ws, 4, width, fmts)

    _write_header(ws, HEADER_ROW, fmts)
    first = HEADER_ROW + 1
    by_tier = {p.tier: p for p in cached}
    for i, target in enumerate(setup.targets):
        r = first + i
        row = by_tier[target.tier]
        ws.write_string(r, _COLS["tier"], target.tier, fmts.label)
        for key, value in (("enterprises_target", target.enterprises), ("sessions_target", target.sessions)):
            if value is None:
                ws.write_string(r, _COLS[key], "/", fmts.cell_center)
            else:
                ws.write_number(r, _COLS[key], value, _target_format(setup, fmts))
        label = f"$A{r + 1}"
        ws.write_formula(r, _COLS["enterprises"], calc.served_formula(label), fmts.cell_int, row.enterprises)
        ws.write_formula(r, _COLS["sessions"], calc.sessions_formula(label), fmts.cell_int, row.sessions)
        ws.write_formula(r, _COLS["visits"], calc.visits_formula(label), fmts.cell_int, row.visits)
        _pace(ws, r, setup, fmts, row)
        _rate_and_gap(ws, r, "enterprises_target", "enterprises", "enterprises_rate", "enterprises_gap", fmts, row)
        _rate_and_gap(ws, r, "sessions_target", "sessions", "sessions_rate", "sessions_gap", fmts, row)
    last = first + len(setup.targets) - 1
    total = last + 1
    _total_row(ws, total, first, last, setup, fmts, cached[-1])
    book.define_name(c.NAME_PROGRESS_FORMULAS, "=" + sheet_ref(c.PROGRESS, HEADER_ROW, 0, total, width - 1))
    _traffic_lights(ws, first, total, fmts)
    ws.merge_range(total + 1, 0, total + 2, width - 1,
                   "服务企业户数：在已计入的服务活动中签到（《服务对象》）的不同企业，每家只计一次，梯度以省定名单、"
                   "名册所填梯度为准（均无时按其最早参加的活动梯度）。服务企业户次：已计入活动的“服务企业数”之和，"
                   "同一企业参加几场就计几次。按进度应完成场次 = 目标场次 × 已过天数 ÷ 全年天数，取整。", fmts.note)
    ws.set_row(total + 1, 24)
    ws.set_row(total + 2, 24)

    engine = engine_header_row(len(setup.targets))
    ws.merge_range(engine - 1, 0, engine - 1, width - 1, "系统核算（点击“汇总”后由程序写入）", fmts.subtitle_open)
    _write_header(ws, engine, fmts)
    for r in range(engine + 1, engine + len(setup.targets) + 2):
        for j in range(width):
            ws.write_blank(r, j, None, fmts.open_cell)
    book.define_name(c.NAME_PROGRESS_ENGINE,
                     "=" + sheet_ref(c.PROGRESS, engine, 0, engine + len(setup.targets) + 1, width - 1))
    _traffic_lights(ws, engine + 1, engine + len(setup.targets) + 1, fmts)
    ws.freeze_panes(HEADER_ROW + 1, 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)
    # Protected without a password (a clerk can lift it from the 审阅 menu; it only stops accidents):
    # the as-of date and the block the 汇总 button fills stay open.
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True, "format_cells": True,
                    "objects": True})


def _target_note(setup: ProgressSetup) -> str:
    if setup.split:
        return f"本单位目标为省中心分解落实到{setup.centre}的份额（附表3“{setup.unit}”行的一部分）。"
    if setup.partners:
        return (f"目标与{'、'.join(setup.partners)}共同承担（附表3整行指标，标“共担”）；"
                "进度由省中心按单位合并评判，本表不单独判断进度。")
    return "目标为附表3本单位所在行的指标。"


def _status_line(ws: Any, row: int, width: int, fmts: Any) -> None:
    """The visible warning: rows the formulas cannot judge, so the figures are provisional."""
    n = calc.unsure_total()
    ws.merge_range(row, 0, row, width - 1, "", fmts.status)
    ws.write_formula(row, 0, f'=IF({n}>0,"有 "&{n}&" 行公式无法判断，数字以系统核算为准（如文本格式的日期、'
                             f'绕过下拉列表粘贴的值）",'
                             f'"公式已按系统核算规则判断全部行（出错的行不计入，详见“校验”结果）")',
                     fmts.status, "公式已按系统核算规则判断全部行（出错的行不计入，详见“校验”结果）")
    ws.conditional_format(row, 0, row, 0, {"type": "formula", "criteria": f"={n}>0", "format": fmts.bad})
    ws.set_row(row, 20)


def _colour_key(ws: Any, row: int, width: int, fmts: Any) -> None:
    """What the colours mean: completion ≥100% green, 50–99% yellow, <50% red; 落后 in red."""
    ws.write_string(row, 0, "颜色说明", fmts.label)
    ws.write_string(row, 1, "≥100%", fmts.key_good)
    ws.write_string(row, 2, "50%–99%", fmts.key_warn)
    ws.write_string(row, 3, "<50%", fmts.key_bad)
    ws.merge_range(row, 4, row, width - 1, "完成率的底色；“进度”为“落后”（红）表示服务场次少于按进度应完成场次，"
                   "“正常”（绿）表示已达到。", fmts.note)
    ws.set_row(row, 20)


def _total_row(ws: Any, total: int, first: int, last: int, setup: ProgressSetup, fmts: Any,
               cached: TierProgress) -> None:
    """合计: each measure sums only the tiers that have a numeric target for it (§5)."""
    ws.write_string(total, 0, "合计", fmts.total)

    def span(key: str) -> str:
        col = col_letter(_COLS[key])
        return f"{col}{first + 1}:{col}{last + 1}"

    def sum_if_target(key: str, target: str) -> str:
        return f'=SUMPRODUCT(ISNUMBER({span(target)})*{span(key)})'

    targets_e = [t.enterprises for t in setup.targets if t.enterprises is not None]
    targets_s = [t.sessions for t in setup.targets if t.sessions is not None]
    for key, value in (("enterprises_target", targets_e), ("sessions_target", targets_s)):
        if value:
            ws.write_formula(total, _COLS[key], f"=SUM({span(key)})", fmts.total, sum(value))
        else:
            ws.write_string(total, _COLS[key], "/", fmts.total)
    ws.write_formula(total, _COLS["enterprises"], sum_if_target("enterprises", "enterprises_target"), fmts.total,
                     cached.enterprises)
    ws.write_formula(total, _COLS["sessions"], sum_if_target("sessions", "sessions_target"), fmts.total,
                     cached.sessions)
    ws.write_formula(total, _COLS["visits"], sum_if_target("visits", "sessions_target"), fmts.total, cached.visits)
    _pace(ws, total, setup, fmts, cached)
    _rate_and_gap(ws, total, "enterprises_target", "enterprises", "enterprises_rate", "enterprises_gap", fmts, cached)
    _rate_and_gap(ws, total, "sessions_target", "sessions", "sessions_rate", "sessions_gap", fmts, cached)


def _traffic_lights(ws: Any, first: int, last: int, fmts: Any) -> None:
    # Red only for a figure: an empty cell of the 系统核算 block (before 汇总) is not 0%.
    traffic_lights(ws, first, last, [_COLS["enterprises_rate"], _COLS["sessions_rate"]], fmts,
                   red_for_numbers_only=True)
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
