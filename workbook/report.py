"""The provincial workbook: 总览 first, then 全省汇总, 分类完成, 任务清单, 问题清单, 报送情况, 重复企业,
(梯度储备, 风险预警,) 图表.

Text copied from submissions is written only as text (never a formula, hyperlink or error cell)
and cleaned of control characters. The file is written to a temporary name beside the target
and renamed over it, so a reader never sees half a report and two writers never mix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter
from tidu.engine.consolidate import REPORT_MARKER, STATUS_LABELS, Consolidation
from tidu.engine.overview import overview
from tidu.engine.rollup import total
from tidu.schemas import contract as c
from tidu.schemas.catalogue import CATALOGUE
from tidu.schemas.findings import Severity
from tidu.schemas.results import TierProgress
from tidu.workbook.paths import atomic_path
from tidu.workbook.xl import COLUMN_NAME_WIDTH, DEFAULT_CELL, Formats, Sheet, wrapped_lines, write_text

MAX_TEXT = 32_000  # Excel's cell limit is 32,767 characters

OVERVIEW, SUMMARY, CATEGORY, TASKS, ISSUES, FILES, DUPLICATES, CHARTS = (
    "总览", "全省汇总", "分类完成", "任务清单", "问题清单", "报送情况", "重复企业", "图表")


def _progress_cells(sheet: Sheet, row: int, col: int, p: TierProgress, fmt_override: Any = None) -> None:
    f = sheet.fmts
    sheet.number(row, col, p.enterprises_target, blank="/")
    sheet.number(row, col + 1, p.enterprises)
    sheet.number(row, col + 2, p.enterprises_rate, f.cell_percent)
    sheet.number(row, col + 3, p.enterprises_gap)
    sheet.number(row, col + 4, p.sessions_target, blank="/")
    sheet.number(row, col + 5, p.sessions)
    sheet.number(row, col + 6, p.sessions_rate, f.cell_percent)
    sheet.number(row, col + 7, p.sessions_gap)
    sheet.text(row, col + 9, _pace_text(p), f.cell_center)


def _overview(book: Any, fmts: Formats, result: Consolidation, screening: Any = None) -> None:
    """总览: the one screen the analyst reads first."""
    plan = result.plan.plan
    view = overview(result, screening.summary().get("above_scale_new") if screening is not None else None)
    s = Sheet(book, OVERVIEW, fmts)
    ws = s.ws
    s.text(0, 0, f"{plan.year}年企业梯度培育全省总览（统计截至 {result.as_of.isoformat()}）", fmts.subtitle)
    s.text(1, 0, f"采用 {view.used} 份台账；未报送 {len(view.missing)} 个单位；拒收 {view.rejected} 份；"
                 f"{len(view.behind)} 个附表3单位进度落后；跨单位重复登记企业 {len(view.cross_unit)} 家。", fmts.note)
    # left: the province per tier, then the goals, then who is behind
    s.headers(3, ("培育梯度", "目标场次", "实际场次", "场次完成率", "按进度应完成", "进度",
                  "目标企业", "服务企业", "企业完成率"))
    rows = [*view.province, view.province_total]
    for r, p in enumerate(rows, start=4):
        is_total = p is view.province_total
        s.text(r, 0, "全部梯度合计" if is_total else p.tier, fmts.total if is_total else fmts.name)
        s.number(r, 1, p.sessions_target, blank="/")
        s.number(r, 2, p.sessions)
        s.number(r, 3, p.sessions_rate, fmts.cell_percent)
        s.number(r, 4, p.sessions_expected)
        s.text(r, 5, _pace_text(p), fmts.cell_center)
        s.number(r, 6, p.enterprises_target, blank="/")
        s.number(r, 7, p.enterprises)
        s.number(r, 8, p.enterprises_rate, fmts.cell_percent)
    last = 4 + len(rows) - 1
    s.lights(4, last, [3, 8])
    ws.conditional_format(4, 5, last, 5, {"type": "cell", "criteria": "==", "value": '"落后"', "format": fmts.bad})
    r = last + 1
    s.text(r, 0, "合计只加有数字目标的梯度；服务企业按企业去重，一家企业只计一次（各单位相加会更多）。", fmts.note)
    r += 2
    s.text(r, 0, "计划目标（三、工作思路及目标）", fmts.subtitle)
    s.headers(r + 1, ("目标", "计划数", "数据显示", "完成率", "口径"))
    for i, goal in enumerate(view.goals, start=r + 2):
        s.text(i, 0, goal.label, fmts.name)
        s.number(i, 1, goal.target)
        s.number(i, 2, goal.actual)
        s.number(i, 3, goal.actual / goal.target if goal.actual is not None and goal.target else None,
                 fmts.cell_percent)
        s.text(i, 4, goal.how)
    r = r + 2 + len(view.goals) + 1
    short = sum(u.short for u in view.behind)
    s.text(r, 0, f"{len(view.behind)} 个单位落后：共差 {short} 场（按进度应完成而未完成）", fmts.subtitle)
    s.headers(r + 1, ("单位", "落后的梯度", "差（场）", "全部梯度场次完成率", "未报送的中心"))
    for i, unit in enumerate(view.behind, start=r + 2):
        s.text(i, 0, unit.unit, fmts.name)
        s.text(i, 1, "、".join(unit.behind_tiers))
        s.number(i, 2, unit.short)
        s.number(i, 3, unit.rate, fmts.cell_percent)
        s.text(i, 4, "、".join(unit.missing) or "—")
    # right: the ranking, who sent nothing, cross-unit claims, errors per centre
    col = 10
    s.text(3, col, "各单位全部梯度完成率排名", fmts.subtitle)
    s.headers(4, ("名次", "单位", "场次完成率", "企业完成率", "进度", "备注"), col)
    for i, unit in enumerate(view.units, start=5):
        s.number(i, col, i - 4)
        s.text(i, col + 1, unit.unit, fmts.name)
        s.number(i, col + 2, unit.rate, fmts.cell_percent)
        s.number(i, col + 3, unit.total.enterprises_rate, fmts.cell_percent)
        s.text(i, col + 4, "落后" if unit.behind_tiers else "正常", fmts.cell_center)
        s.text(i, col + 5, ("未报送：" + "、".join(unit.missing)) if unit.missing else "")
    bottom = 5 + len(view.units)
    s.lights(5, bottom - 1, [col + 2, col + 3])
    ws.conditional_format(5, col + 4, bottom, col + 4, {"type": "cell", "criteria": "==", "value": '"落后"',
                                                        "format": fmts.bad})
    r = bottom + 1
    s.text(r, col, f"未报送的单位（{len(view.missing)} 个）", fmts.subtitle)
    ws.merge_range(r + 1, col, r + 1, col + 5, None)
    write_text(ws, r + 1, col, "、".join(view.missing) or "无", fmts.wrap, fmts)
    ws.set_row(r + 1, 16 * max(1, len("、".join(view.missing)) // 40 + 1))
    r += 3
    s.text(r, col, f"跨单位重复登记的企业（{len(view.cross_unit)} 家，详见“{DUPLICATES}”）", fmts.subtitle)
    for i, d in enumerate(view.cross_unit[:8], start=r + 1):
        s.text(i, col, d["uscc"])
        s.text(i, col + 1, "、".join(d["centres"]))
    r += 2 + min(len(view.cross_unit), 8)
    shown = [item for item in view.issues if item.errors][:15] or view.issues[:15]
    with_errors = sum(1 for item in view.issues if item.errors)
    s.text(r, col, f"有错误的报送单位 {with_errors} 个（每单位的问题数见“{ISSUES}”，逐条见其反馈文件）", fmts.subtitle)
    s.headers(r + 1, ("报送单位", "错误", "警告", "提示"), col)
    for i, item in enumerate(shown, start=r + 2):
        s.text(i, col, item.centre, fmts.name)
        s.number(i, col + 1, item.errors)
        s.number(i, col + 2, item.warnings)
        s.number(i, col + 3, item.infos)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 8, 11)
    ws.set_column(9, 9, 2)
    ws.set_column(col, col, 6)
    ws.set_column(col + 1, col + 1, 30)
    ws.set_column(col + 2, col + 5, 11)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.activate()


def _pace_text(p: TierProgress) -> str:
    return "—" if p.behind_pace is None else ("落后" if p.behind_pace else "正常")


SUMMARY_HEADERS = ("单位", "培育梯度", "目标企业", "服务企业", "企业完成率", "企业差距", "目标场次", "服务场次",
                   "场次完成率", "场次差距", "按进度应完成", "进度", "说明")


def _summary(book: Any, fmts: Formats, result: Consolidation) -> None:
    """全省汇总: the 附表3 mirror, one row per unit and tier (readable on screen and in print)."""
    plan = result.plan.plan
    s = Sheet(book, SUMMARY, fmts)
    ws = s.ws
    s.text(0, 0, f"{plan.year}年企业梯度培育任务完成情况（附表3，统计截至 {result.as_of.isoformat()}）", fmts.subtitle)
    s.text(1, 0, "完成率 = 实际 ÷ 目标，目标为“/”或 0 时不计算；国家级、省级小巨人由各单位协同省中心完成；"
                 "每个单位先列全部梯度合计（只加有数字目标的梯度）。", fmts.note)
    s.headers(2, SUMMARY_HEADERS)
    ws.set_row(2, 30)
    r = 3
    joint = set(plan.provincial_centre.tiers)
    for unit, rows in result.units.items():
        missing = [c.name for c in plan.centres if c.unit == unit and c.name in result.missing]
        note = ("未报送：" + "、".join(missing)) if missing else ""
        r = _unit_block(s, r, unit, rows, result, note, joint)
    own = result.provincial_own
    centre_note = "省中心的目标即附表3合计（协同各单位完成），实际为全省合计"
    if own is not None:
        centre_note += "；其中省中心自办：" + "、".join(f"{p.tier}{p.sessions}场" for p in own if p.sessions)
    elif plan.provincial_centre.name in result.missing:
        centre_note += "；省中心未报送台账"
    r = _unit_block(s, r, f"{plan.provincial_centre.name}（省中心）",
                    [p for p in (result.provincial_centre or []) if p.tier in joint], result, centre_note, joint)
    unit_served = sum(p.enterprises for rows in result.units.values() for p in rows)
    province_served = sum(p.enterprises for p in result.province)
    _unit_block(s, r, "全省合计", result.province, result,
                f"服务企业按企业去重：各单位相加 {unit_served} 家，去重后 {province_served} 家；"
                "国家级、省级的目标为附表3合计，不与省中心重复相加", joint, strong=True)
    last = max(r + len(result.province), 3)
    s.lights(3, last, [4, 8])
    ws.conditional_format(3, 11, last, 11, {"type": "cell", "criteria": "==", "value": '"落后"', "format": fmts.bad})
    ws.autofilter(2, 0, last, len(SUMMARY_HEADERS) - 1)
    s.widths((26, 13, 8, 8, 9, 8, 8, 8, 9, 8, 9, 7, 44))
    ws.freeze_panes(3, 2)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2)


def _unit_block(s: Sheet, r: int, name: str, rows: list[TierProgress], result: Consolidation, note: str,
                joint: set[str], strong: bool = False) -> int:
    """A unit's all-tier row, then one row per tier; returns the next free row."""
    fmts = s.fmts
    all_tiers = total(rows, result.as_of, result.plan.plan.year, pace=any(p.sessions_expected is not None
                                                                         for p in rows))
    for k, p in enumerate([all_tiers, *rows]):
        label_fmt = fmts.total if (k == 0 or strong) else fmts.name
        s.text(r, 0, name, label_fmt)
        s.text(r, 1, "全部梯度" if k == 0 else p.tier, label_fmt)
        _progress_cells(s, r, 2, p)
        s.number(r, 10, p.sessions_expected)
        s.text(r, 12, note if k == 0 else ("协同省中心" if p.tier in joint and not strong else ""), fmts.wrap)
        r += 1
    return r


def _by_category(book: Any, fmts: Formats, result: Consolidation) -> None:
    plan = result.plan.plan
    s = Sheet(book, CATEGORY, fmts)
    ws = s.ws
    s.text(0, 0, "分类完成情况（附表1：服务类别 × 培育梯度，全省服务场次）", fmts.subtitle)
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
    # per unit: sessions per category × tier (附表1 quotas are the province's, so no rate here)
    r = total + 3
    s.text(r, 0, "各单位分类服务场次（附表1的场次为全省指标，单位不另计完成率）", fmts.subtitle)
    s.headers(r + 1, ("单位", "服务类别", *plan.tier_labels, "合计"))
    r += 2
    for unit in result.units:
        counts = result.unit_by_category.get(unit, {})
        for category in plan.category_labels:
            values = [counts.get((category, tier), 0) for tier in plan.tier_labels]
            if not any(values):
                continue
            s.text(r, 0, unit, fmts.name)
            s.text(r, 1, category)
            for k, value in enumerate(values):
                s.number(r, 2 + k, value)
            s.number(r, 2 + len(values), sum(values), fmts.total)
            r += 1
    ws.set_column(0, 0, 26)
    ws.set_column(1, 3 * len(plan.tiers), 10)
    ws.freeze_panes(4, 1)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def _tasks(book: Any, fmts: Formats, result: Consolidation) -> None:
    """附表2 view: the provincial centre's tasks with the province's national and provincial sessions."""
    plan = result.plan.plan
    s = Sheet(book, TASKS, fmts)
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
    """问题清单: errors, then warnings, by centre; infos (and anything not listed) as counts."""
    s = Sheet(book, ISSUES, fmts)
    ws = s.ws
    centres = {f.file: f.centre or "" for f in result.files}
    statuses = {f.file: STATUS_LABELS[f.status] for f in result.files}
    listed = sorted((f for f in result.findings if f.severity is not Severity.INFO),
                    key=lambda f: (f.severity is not Severity.ERROR, centres.get(f.file or "", "") or "~",
                                   f.file or "", _SHEET_ORDER.get(f.sheet or "", 99), f.row or 0))
    names = {file: Path(file).name for file in {f.file or "" for f in listed}}  # once a file, not a row
    total_listable = sum(n for counts in result.finding_counts.values()
                         for (severity, _), n in counts.items() if severity != "info")
    headers = ("严重程度", "报送单位", "工作表", "行", "列", "代码", "填写值", "说明", "文件", "文件状态")
    for row in (0, 1):  # the notes span the table, so they show whole on screen and paper
        ws.merge_range(row, 0, row, len(headers) - 1, None)
    s.text(0, 0, f"问题清单：错误和警告逐条列出（先错误后警告，按报送单位），提示只计数（见下方）。"
                 f"每个单位的全部问题见其反馈文件（{_feedback_hint(result)}）。", fmts.note)
    if total_listable > len(listed):
        s.text(1, 0, f"为便于查看，本表列出 {len(listed)} 条；全部 {total_listable} 条错误和警告按单位计数见下方，"
                     "逐条见各单位的反馈文件。", fmts.note)
    s.headers(2, headers)
    r = 3
    put, put_number, wrap = ws.write_string, ws.write_number, fmts.wrap
    for f in listed:
        # Unformatted cells (the book's default font; printed gridlines draw the table): hundreds
        # of rows, and a format per cell costs XlsxWriter a quarter of its time. Labels, sheet
        # and column names, codes and statuses are tidu's own; the rest goes through write_text.
        put(r, 0, f.severity.label)
        write_text(ws, r, 1, centres.get(f.file or "", ""), fmts=fmts)
        put(r, 2, f.sheet or "")
        if f.row is not None:
            put_number(r, 3, f.row)
        put(r, 4, f.column or "")
        put(r, 5, f.code)
        write_text(ws, r, 6, f.value, fmts=fmts)
        write_text(ws, r, 7, f.message, wrap, fmts)
        write_text(ws, r, 8, names[f.file or ""], fmts=fmts)
        put(r, 9, statuses.get(f.file or "", ""))
        if (lines := wrapped_lines(f.message, _MESSAGE_WIDTH)) > 1:
            ws.set_row(r, min(409, 15 * lines))
        r += 1
    last = max(r - 1, 3)
    ws.autofilter(2, 0, last, len(headers) - 1)
    ws.conditional_format(3, 0, last, 0, {"type": "cell", "criteria": "==", "value": '"错误"', "format": fmts.bad})
    ws.conditional_format(3, 0, last, 0, {"type": "cell", "criteria": "==", "value": '"警告"', "format": fmts.warn})
    r += 1
    s.text(r, 0, "按单位和代码计数（全部问题，含提示）", fmts.subtitle)
    # Under the columns of the list above that hold the same (代码, 说明) or fit it (条数 in 行),
    # so each shows whole in its column's width.
    s.headers(r + 1, ("严重程度", "报送单位", "", "条数", "", "代码", "", "问题"))
    r += 2
    counted = sorted(((severity, centres.get(file, "") or file, code, n)
                      for file, counts in result.finding_counts.items() for (severity, code), n in counts.items()),
                     key=lambda t: (_SEVERITY_ORDER.get(t[0], 9), t[1], -t[3], t[2]))
    for severity, centre, code, n in counted:  # unformatted, as the list above
        put(r, 0, Severity(severity).label)
        write_text(ws, r, 1, centre, fmts=fmts)
        put_number(r, 3, n)
        put(r, 5, code)
        put(r, 7, CATALOGUE[code].title if code in CATALOGUE else code)
        r += 1
    s.widths((8, 26, 12, 6, COLUMN_NAME_WIDTH, 20, 20, _MESSAGE_WIDTH, 30, 10))
    ws.hide_gridlines(0)  # printed too
    ws.freeze_panes(3, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2)


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_MESSAGE_WIDTH = 60  # 问题清单's 说明 column
_SHEET_ORDER = {name: i for i, name in enumerate(c.SHEET_ORDER)}


def _feedback_hint(result: Consolidation) -> str:
    return "汇总报告旁的“…_反馈”文件夹"


def _files(book: Any, fmts: Formats, result: Consolidation) -> None:
    s = Sheet(book, FILES, fmts)
    s.ws.merge_range(0, 0, 0, 6, None)
    write_text(s.ws, 0, 0, f"报送情况：共 {len(result.files)} 个文件；未报送 {len(result.missing)} 个单位："
               + ("、".join(result.missing) or "无"), fmts.wrap, fmts)
    s.ws.set_row(0, 18 * (1 + len("、".join(result.missing)) // 90))
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
    s = Sheet(book, DUPLICATES, fmts)
    cross = sum(1 for d in result.duplicates if d["kind"] == "跨单位")
    s.text(0, 0, f"多个单位登记的同一企业：{len(result.duplicates)} 家，其中跨单位 {cross} 家（先列），"
                 f"协同 {len(result.duplicates) - cross} 家（同一附表3单位内或与省中心共同服务，属正常协作）；"
                 "汇总时每家企业只计一次。", fmts.note)
    s.headers(2, ("类型", "统一社会信用代码", "企业名称", "登记或服务的报送单位"))
    for r, d in enumerate(result.duplicates, start=3):
        s.text(r, 0, d["kind"], fmts.cell_center)
        s.text(r, 1, d["uscc"])
        s.text(r, 2, "、".join(d["names"]))
        s.text(r, 3, "、".join(d["centres"]))
    last = 2 + max(len(result.duplicates), 1)
    s.ws.conditional_format(3, 0, last, 0, {"type": "cell", "criteria": "==", "value": '"跨单位"',
                                            "format": fmts.bad})
    s.ws.autofilter(2, 0, last, 3)
    s.ws.set_column(0, 0, 8)
    s.ws.set_column(1, 1, 22)
    s.ws.set_column(2, 3, 50)
    s.ws.freeze_panes(3, 0)
    s.ws.set_landscape()
    s.ws.fit_to_pages(1, 0)


def _charts(book: Any, fmts: Formats, result: Consolidation) -> None:
    """Completion per unit (all tiers) and per tier: sorted, labelled, with the 100% line."""
    view = overview(result)
    s = Sheet(book, CHARTS, fmts)
    s.headers(0, ("中心及平台", "场次完成率", "企业完成率", "100%"))
    ranked = sorted(view.units, key=lambda u: (u.rate is None, u.rate or 0.0, u.unit))  # chart bars bottom up
    for r, unit in enumerate(ranked, start=1):
        s.text(r, 0, unit.unit, fmts.name)
        s.number(r, 1, unit.rate, fmts.cell_percent)
        s.number(r, 2, unit.total.enterprises_rate, fmts.cell_percent)
        s.number(r, 3, 1, fmts.cell_percent)
    n = len(ranked)
    s.lights(1, n, [1, 2])
    tier_row = n + 3
    s.headers(tier_row, ("培育梯度", "场次完成率", "企业完成率", "100%"))
    for r, p in enumerate(result.province, start=tier_row + 1):
        s.text(r, 0, p.tier)
        s.number(r, 1, p.sessions_rate, fmts.cell_percent)
        s.number(r, 2, p.enterprises_rate, fmts.cell_percent)
        s.number(r, 3, 1, fmts.cell_percent)
    last = tier_row + len(result.province)
    s.lights(tier_row + 1, last, [1, 2])
    s.ws.set_column(0, 0, 28)
    s.ws.set_column(1, 3, 12)
    s.ws.insert_chart(0, 5, _completion_chart(book, "各单位全部梯度场次完成率（从低到高）", 1, n, 1, 1100, 520))
    s.ws.insert_chart(28, 5, _completion_chart(book, "全省各梯度完成率", tier_row + 1, last, 2, 720, 360))
    s.ws.set_landscape()
    s.ws.fit_to_pages(1, 0)


def _completion_chart(book: Any, title: str, first: int, last: int, series: int, width: int, height: int) -> Any:
    """Columns with data labels and a 100% target line (a line series combined into the chart)."""
    chart = book.add_chart({"type": "column"})
    for col, colour in ((1, "#2E75B6"), (2, "#A9D18E"))[:series]:
        chart.add_series({"name": [CHARTS, first - 1, col],
                          "categories": [CHARTS, first, 0, last, 0], "values": [CHARTS, first, col, last, col],
                          "fill": {"color": colour}, "gap": 40,
                          "data_labels": {"value": True, "num_format": "0%", "font": {"size": 7}}})
    target = book.add_chart({"type": "line"})
    target.add_series({"name": "目标 100%", "categories": [CHARTS, first, 0, last, 0],
                       "values": [CHARTS, first, 3, last, 3], "line": {"color": "#C00000", "dash_type": "dash"},
                       "marker": {"type": "none"}})
    chart.combine(target)
    chart.set_title({"name": title})
    chart.set_y_axis({"num_format": "0%", "major_gridlines": {"visible": True}})
    chart.set_x_axis({"num_font": {"size": 7, "rotation": -45}})
    chart.set_legend({"position": "top"})
    chart.set_size({"width": width, "height": height})
    return chart


def write_report(result: Consolidation, path: str | Path, screening: Any = None) -> Path:
    """Write the provincial workbook atomically to ``path``; with ``screening`` (a
    :class:`~tidu.schemas.screening.Screening`) it also holds 梯度储备 and 风险预警."""
    path = Path(path)
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                              "strings_to_numbers": False, "in_memory": True,
                                              "default_format_properties": dict(DEFAULT_CELL)})
        book.set_properties({"title": f"{result.plan.plan.year}年企业梯度培育全省汇总", "subject": REPORT_MARKER,
                             "author": "tidu", "company": result.plan.plan.issuer})
        fmts = Formats(book)
        _overview(book, fmts, result, screening)
        for part in (_summary, _by_category, _tasks, _issues, _files, _duplicates):
            part(book, fmts, result)
        if screening is not None:
            from tidu.workbook.screen_sheets import add_reserve_sheet, add_warning_sheet

            add_reserve_sheet(book, fmts, screening)
            add_warning_sheet(book, fmts, screening)
        _charts(book, fmts, result)
        book.close()
    return path
