"""The provincial workbook: 全省汇总, 分类完成, 任务清单, 问题清单, 报送情况, 重复企业, 图表.

Text copied from submissions is written only as text (never a formula, hyperlink or error cell)
and cleaned of control characters. The file is written to a temporary name beside the target
and renamed over it, so a reader never sees half a report and two writers never mix.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from tidu.engine.consolidate import REPORT_MARKER, STATUS_LABELS, Consolidation
from tidu.schemas.results import TierProgress
from tidu.workbook.xl import Formats, atomic_path, write_text

MAX_TEXT = 32_000  # Excel's cell limit is 32,767 characters

SUMMARY, CATEGORY, TASKS, ISSUES, FILES, DUPLICATES, CHARTS = (
    "全省汇总", "分类完成", "任务清单", "问题清单", "报送情况", "重复企业", "图表")
_TIER_COLUMNS = ("目标企业", "服务企业", "企业完成率", "企业差距", "目标场次", "服务场次", "场次完成率", "场次差距",
                 "进度")


class _Sheet:
    """A worksheet with a write cursor and safe writers."""

    def __init__(self, book: Any, name: str, fmts: Formats):
        self.ws, self.fmts = book.add_worksheet(name), fmts

    def text(self, row: int, col: int, value: Any, fmt: Any = None) -> None:
        write_text(self.ws, row, col, value, fmt or self.fmts.cell, self.fmts)

    def number(self, row: int, col: int, value: float | int | None, fmt: Any = None, blank: str = "—") -> None:
        if value is None:
            self.ws.write_string(row, col, blank, self.fmts.cell_center)
        else:
            self.ws.write_number(row, col, value, fmt or self.fmts.cell_int)

    def headers(self, row: int, headers: Sequence[str], col: int = 0) -> None:
        for j, header in enumerate(headers):
            self.ws.write_string(row, col + j, header, self.fmts.header)

    def lights(self, first_row: int, last_row: int, cols: Sequence[int]) -> None:
        """Traffic lights on completion rates: ≥100% green, 50–100% amber, below red."""
        for col in cols:
            for rule in ({"criteria": ">=", "value": 1, "format": self.fmts.good},
                         {"criteria": "between", "minimum": 0.5, "maximum": 0.99999, "format": self.fmts.warn},
                         {"criteria": "<", "value": 0.5, "format": self.fmts.bad}):
                self.ws.conditional_format(first_row, col, last_row, col, {"type": "cell", **rule})


def _progress_cells(sheet: _Sheet, row: int, col: int, p: TierProgress, fmt_override: Any = None) -> None:
    f = sheet.fmts
    sheet.number(row, col, p.enterprises_target, blank="/")
    sheet.number(row, col + 1, p.enterprises)
    sheet.number(row, col + 2, p.enterprises_rate, f.cell_percent)
    sheet.number(row, col + 3, p.enterprises_gap)
    sheet.number(row, col + 4, p.sessions_target, blank="/")
    sheet.number(row, col + 5, p.sessions)
    sheet.number(row, col + 6, p.sessions_rate, f.cell_percent)
    sheet.number(row, col + 7, p.sessions_gap)
    pace = "—" if p.behind_pace is None else ("落后" if p.behind_pace else "正常")
    sheet.text(row, col + 8, pace, f.cell_center)


def _summary(book: Any, fmts: Formats, result: Consolidation) -> None:
    plan = result.plan.plan
    s = _Sheet(book, SUMMARY, fmts)
    ws, width = s.ws, 1 + len(_TIER_COLUMNS) * len(plan.tiers)
    ws.merge_range(0, 0, 0, width - 1, f"{plan.year}年企业梯度培育任务完成情况（全省汇总）", fmts.subtitle)
    used = sum(1 for f in result.files if f.status == "used")
    ws.merge_range(1, 0, 1, width - 1, f"统计截至 {result.as_of.isoformat()}；采用 {used} 份台账，"
                   f"{len(result.missing)} 个单位未报送；完成率 = 实际 ÷ 目标，目标为“/”或 0 时不计算。", fmts.note)
    ws.merge_range(3, 0, 4, 0, "中心及平台", fmts.header)
    for i, tier in enumerate(plan.tiers):
        first = 1 + i * len(_TIER_COLUMNS)
        ws.merge_range(3, first, 3, first + len(_TIER_COLUMNS) - 1, tier.label, fmts.header)
        s.headers(4, _TIER_COLUMNS, first)
    ws.set_column(0, 0, 28)
    ws.set_column(1, width - 1, 8.5)
    ws.set_row(4, 30)
    rows = [(unit, result.units[unit]) for unit in result.units]
    if result.provincial_centre is not None:
        rows.append((f"{plan.provincial_centre.name}（省中心）", result.provincial_centre))
    rows.append(("全省合计", result.province))
    for r, (name, progress) in enumerate(rows, start=5):
        total = name == "全省合计"
        s.text(r, 0, name, fmts.total if total else fmts.name)
        for i, p in enumerate(progress):
            _progress_cells(s, r, 1 + i * len(_TIER_COLUMNS), p)
    last = 5 + len(rows) - 1
    rate_cols = [1 + i * len(_TIER_COLUMNS) + k for i in range(len(plan.tiers)) for k in (2, 6)]
    s.lights(5, last, rate_cols)
    for i in range(len(plan.tiers)):
        col = 1 + i * len(_TIER_COLUMNS) + 8
        ws.conditional_format(5, col, last, col, {"type": "cell", "criteria": "==", "value": '"落后"',
                                                  "format": fmts.bad})
    ws.freeze_panes(5, 1)
    # Printed, each tier is one landscape page with the unit names repeated at the left.
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.set_print_scale(78)
    ws.set_v_pagebreaks([1 + len(_TIER_COLUMNS) * i for i in range(1, len(plan.tiers))])
    ws.repeat_columns(0)
    ws.repeat_rows(0, 4)
    ws.activate()


def _by_category(book: Any, fmts: Formats, result: Consolidation) -> None:
    plan = result.plan.plan
    s = _Sheet(book, CATEGORY, fmts)
    ws = s.ws
    ws.merge_range(0, 0, 0, 3 * len(plan.tiers), "分类完成情况（附表1：服务类别 × 培育梯度，全省服务场次）",
                   fmts.subtitle)
    ws.merge_range(2, 0, 3, 0, "服务类别", fmts.header)
    for i, tier in enumerate(plan.tier_labels):
        ws.merge_range(2, 1 + 3 * i, 2, 3 + 3 * i, tier, fmts.header)
        s.headers(3, ("实际场次", "附表1场次", "完成率"), 1 + 3 * i)
    cells = {(d["category"], d["tier"]): d for d in result.by_category}
    for r, category in enumerate(plan.category_labels, start=4):
        s.text(r, 0, category, fmts.label)
        for i, tier in enumerate(plan.tier_labels):
            d = cells[(category, tier)]
            s.number(r, 1 + 3 * i, d["sessions"])
            s.number(r, 2 + 3 * i, d["quota"], blank="/")
            s.number(r, 3 + 3 * i, d["sessions"] / d["quota"] if d["quota"] else None, fmts.cell_percent)
    total = 4 + len(plan.category_labels)
    s.text(total, 0, "合计", fmts.total)
    for i, tier in enumerate(plan.tier_labels):
        actual = sum(cells[(cat, tier)]["sessions"] for cat in plan.category_labels)
        quota = plan.annex1.totals[i]
        s.number(total, 1 + 3 * i, actual, fmts.total)
        s.number(total, 2 + 3 * i, quota, fmts.total, blank="/")
        s.number(total, 3 + 3 * i, actual / quota if quota else None, fmts.cell_percent)
    s.lights(4, total, [3 + 3 * i for i in range(len(plan.tiers))])
    ws.set_column(0, 0, 20)
    ws.set_column(1, 3 * len(plan.tiers), 9)
    ws.freeze_panes(4, 1)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def _tasks(book: Any, fmts: Formats, result: Consolidation) -> None:
    """附表2 view: the provincial centre's tasks with the province's national and provincial sessions."""
    plan = result.plan.plan
    s = _Sheet(book, TASKS, fmts)
    own = list(plan.provincial_centre.tiers)
    headers = ["服务类别", "负责人", "完成时限"]
    for tier in own:
        headers += [f"{tier}任务", f"{tier}实际场次", f"{tier}附表1场次", f"{tier}完成率"]
    s.ws.merge_range(0, 0, 0, len(headers) - 1, "任务清单（附表2：省中心负责的国家级、省级小巨人服务）", fmts.subtitle)
    s.headers(2, headers)
    s.ws.set_row(2, 48)  # headers such as 国家级小巨人附表1场次 wrap over three lines
    cells = {(d["category"], d["tier"]): d for d in result.by_category}
    for r, row in enumerate(plan.annex2, start=3):
        category = plan.category_label(row.category) or row.category
        s.text(r, 0, row.category, fmts.label)
        s.text(r, 1, row.responsible, fmts.cell_center)
        s.text(r, 2, row.deadline, fmts.cell_center)
        for i, tier in enumerate(own):
            col = 3 + 4 * i
            d = cells.get((category, tier), {"sessions": 0, "quota": None})
            s.text(r, col, row.tasks.get(tier, "/"))
            s.number(r, col + 1, d["sessions"])
            s.number(r, col + 2, d["quota"], blank="/")
            s.number(r, col + 3, d["sessions"] / d["quota"] if d["quota"] else None, fmts.cell_percent)
        s.ws.set_row(r, 48)
    s.lights(3, 2 + len(plan.annex2), [6 + 4 * i for i in range(len(own))])
    s.ws.set_column(0, 0, 16)
    s.ws.set_column(1, 2, 9)
    for i in range(len(own)):
        s.ws.set_column(3 + 4 * i, 3 + 4 * i, 36)
        s.ws.set_column(4 + 4 * i, 6 + 4 * i, 10)
    s.ws.freeze_panes(3, 1)
    s.ws.set_landscape()
    s.ws.fit_to_pages(1, 0)


def _issues(book: Any, fmts: Formats, result: Consolidation) -> None:
    s = _Sheet(book, ISSUES, fmts)
    centres = {f.file: f.centre for f in result.files}
    statuses = {f.file: STATUS_LABELS[f.status] for f in result.files}
    headers = ("文件", "文件状态", "报送单位", "严重程度", "代码", "工作表", "行", "列", "填写值", "说明")
    s.headers(0, headers)
    for r, f in enumerate(result.findings, start=1):
        s.text(r, 0, Path(f.file or "").name)
        s.text(r, 1, statuses.get(f.file or "", ""))
        s.text(r, 2, centres.get(f.file or "") or "")
        s.text(r, 3, f.severity.label, fmts.cell_center)
        s.text(r, 4, f.code)
        s.text(r, 5, f.sheet or "")
        s.number(r, 6, f.row, blank="")
        s.text(r, 7, f.column or "")
        s.text(r, 8, f.value)
        s.text(r, 9, f.message)
    last = max(len(result.findings), 1)
    s.ws.autofilter(0, 0, last, len(headers) - 1)
    s.ws.conditional_format(1, 3, last, 3, {"type": "cell", "criteria": "==", "value": '"错误"', "format": fmts.bad})
    s.ws.conditional_format(1, 3, last, 3, {"type": "cell", "criteria": "==", "value": '"警告"', "format": fmts.warn})
    for j, width in enumerate((34, 10, 26, 8, 22, 12, 6, 16, 20, 60)):
        s.ws.set_column(j, j, width)
    s.ws.freeze_panes(1, 0)
    s.ws.set_landscape()
    s.ws.fit_to_pages(1, 0)
    s.ws.repeat_rows(0)


def _files(book: Any, fmts: Formats, result: Consolidation) -> None:
    s = _Sheet(book, FILES, fmts)
    s.ws.merge_range(0, 0, 0, 6, f"报送情况：共 {len(result.files)} 个文件", fmts.subtitle)
    headers = ("文件", "状态", "报送单位", "附表3单位", "导出时间", "保存时间", "原因")
    s.headers(2, headers)
    for r, f in enumerate(result.files, start=3):
        s.text(r, 0, Path(f.file).name)
        s.text(r, 1, STATUS_LABELS[f.status], fmts.cell_center)
        s.text(r, 2, f.centre or "")
        s.text(r, 3, f.unit or "")
        s.text(r, 4, f.exported_at or "")
        s.text(r, 5, f.saved_at or "")
        s.text(r, 6, f.reason)
    last = 2 + max(len(result.files), 1)
    for status, fmt in (("采用", fmts.good), ("拒收", fmts.bad), ("被新版本取代", fmts.warn)):
        s.ws.conditional_format(3, 1, last, 1, {"type": "cell", "criteria": "==", "value": f'"{status}"',
                                                "format": fmt})
    s.ws.autofilter(2, 0, last, len(headers) - 1)
    row = last + 2
    s.text(row, 0, f"未报送的单位（{len(result.missing)} 个）", fmts.subtitle)
    for i, name in enumerate(result.missing, start=row + 1):
        s.text(i, 0, name)
    for j, width in enumerate((40, 12, 28, 28, 18, 18, 60)):
        s.ws.set_column(j, j, width)
    s.ws.freeze_panes(3, 0)
    s.ws.set_landscape()
    s.ws.fit_to_pages(1, 0)


def _duplicates(book: Any, fmts: Formats, result: Consolidation) -> None:
    s = _Sheet(book, DUPLICATES, fmts)
    s.ws.merge_range(0, 0, 0, 2, f"多个单位登记的同一企业（{len(result.duplicates)} 家，汇总时只计一次）",
                     fmts.subtitle)
    s.headers(2, ("统一社会信用代码", "企业名称", "登记的报送单位"))
    for r, d in enumerate(result.duplicates, start=3):
        s.text(r, 0, d["uscc"])
        s.text(r, 1, "、".join(d["names"]))
        s.text(r, 2, "、".join(d["centres"]))
    s.ws.set_column(0, 0, 22)
    s.ws.set_column(1, 2, 50)
    s.ws.freeze_panes(3, 0)
    s.ws.set_landscape()
    s.ws.fit_to_pages(1, 0)


def _charts(book: Any, fmts: Formats, result: Consolidation) -> None:
    s = _Sheet(book, CHARTS, fmts)
    s.headers(0, ("中心及平台", "场次完成率", "企业完成率"))
    for r, (unit, progress) in enumerate(result.units.items(), start=1):
        sessions = sum(p.sessions for p in progress)
        s_target = sum(p.sessions_target or 0 for p in progress)
        served = sum(p.enterprises for p in progress)
        e_target = sum(p.enterprises_target or 0 for p in progress)
        s.text(r, 0, unit, fmts.name)
        s.number(r, 1, sessions / s_target if s_target else None, fmts.cell_percent)
        s.number(r, 2, served / e_target if e_target else None, fmts.cell_percent)
    n = len(result.units)
    s.lights(1, n, [1, 2])
    tier_row = n + 3
    s.headers(tier_row, ("培育梯度", "场次完成率", "企业完成率"))
    for r, p in enumerate(result.province, start=tier_row + 1):
        s.text(r, 0, p.tier)
        s.number(r, 1, p.sessions_rate, fmts.cell_percent)
        s.number(r, 2, p.enterprises_rate, fmts.cell_percent)
    s.lights(tier_row + 1, tier_row + len(result.province), [1, 2])
    s.ws.set_column(0, 0, 28)
    s.ws.set_column(1, 2, 12)

    by_unit = book.add_chart({"type": "bar"})
    for col, colour in ((1, "#2E75B6"), (2, "#A9D18E")):
        by_unit.add_series({"name": [CHARTS, 0, col], "categories": [CHARTS, 1, 0, n, 0],
                            "values": [CHARTS, 1, col, n, col], "fill": {"color": colour}, "gap": 60})
    by_unit.set_title({"name": "各单位完成率（全部梯度合计）"})
    by_unit.set_x_axis({"num_format": "0%", "major_gridlines": {"visible": True}})
    by_unit.set_y_axis({"reverse": True, "num_font": {"size": 8}})
    by_unit.set_legend({"position": "top"})
    by_unit.set_size({"width": 720, "height": 900})
    s.ws.insert_chart(0, 4, by_unit)

    by_tier = book.add_chart({"type": "column"})
    last = tier_row + len(result.province)
    for col, colour in ((1, "#2E75B6"), (2, "#A9D18E")):
        by_tier.add_series({"name": [CHARTS, tier_row, col], "categories": [CHARTS, tier_row + 1, 0, last, 0],
                            "values": [CHARTS, tier_row + 1, col, last, col], "fill": {"color": colour}})
    by_tier.set_title({"name": "全省各梯度完成率"})
    by_tier.set_y_axis({"num_format": "0%"})
    by_tier.set_legend({"position": "top"})
    by_tier.set_size({"width": 720, "height": 360})
    s.ws.insert_chart(46, 4, by_tier)
    s.ws.set_landscape()
    s.ws.fit_to_pages(1, 1)


def write_report(result: Consolidation, path: str | Path) -> Path:
    """Write the provincial workbook atomically to ``path``."""
    path = Path(path)
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                              "strings_to_numbers": False})
        book.set_properties({"title": f"{result.plan.plan.year}年企业梯度培育全省汇总", "subject": REPORT_MARKER,
                             "author": "tidu", "company": result.plan.plan.issuer})
        fmts = Formats(book)
        for part in (_summary, _by_category, _tasks, _issues, _files, _duplicates, _charts):
            part(book, fmts, result)
        book.close()
    return path
