"""Rows of the 梯度评估, 梯度储备 and 风险预警 tables, shared by every front door that shows them.

Plain values and a colour key per row (no xlwings, no xlsxwriter): the SCREEN.xlsx writer, the
provincial report and the 评估 button lay out the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from tidu.engine.screen.run import load_ruleset
from tidu.schemas import contract as c
from tidu.schemas.entries import Submission
from tidu.schemas.screening import DECISION_LABELS, INDICATORS, LEVEL_ORDER, Assessment, Decision, Screening

ASSESSMENT_HEADERS = ("统一社会信用代码", "企业名称", "报送单位", "培育梯度", "本梯度评估", "上一梯度",
                      "上一梯度评估", "得分", "未达条件（实际值/要求）", "待核实条件", "缺数位置", "储备（候选梯度）",
                      "预警等级", "预警")
RESERVE_HEADERS = ("统一社会信用代码", "企业名称", "报送单位", "培育梯度", "候选梯度", "评估", "差距（实际值/要求）",
                   "待核实条件", "新增规上")
WARNING_HEADERS = ("统一社会信用代码", "企业名称", "报送单位", "培育梯度", "等级", "代码", "预警原因")

#: Colour key of a decision / level, for writers (fill colours live with each writer).
DECISION_COLOURS = {Decision.MEETS: "green", Decision.REVIEW: "amber", Decision.FAILS: "red"}
LEVEL_COLOURS = {"高": "red", "中": "amber", "低": "grey"}


@dataclass(frozen=True)
class Row:
    values: tuple[object, ...]
    colour: str | None = None  # the row's colour key (a DECISION_COLOURS / LEVEL_COLOURS value)
    cells: tuple[tuple[int, str], ...] = ()  # (column index, colour key) where a cell has its own colour

    def colour_of(self, column: int) -> str | None:
        """The colour key of one cell: its own, else None."""
        return dict(self.cells).get(column)


def reserve_label(a: Assessment | None) -> str:
    """符合 / 接近 (every failure within the margin) / 不符合 / 待核实, for a candidate tier."""
    if a is None:
        return ""
    if a.decision == Decision.FAILS and a.near:
        return "接近"
    return DECISION_LABELS[a.decision]


def _failed_text(a: Assessment) -> str:
    parts = []
    for f in a.failed:
        unit = f.unit if f.unit not in ("", "名次") else ""
        parts.append(f"{f.text or f.criterion}：{f.value}{unit}/{f.threshold}{unit}")
    return "；".join(parts)


def _missing_text(a: Assessment) -> str:
    return "、".join(a.missing)


def _pointers(screening: Screening, a: Assessment | None) -> str:
    """Where the missing figures go: the 企业指标 columns of the indicators behind the missing criteria."""
    if a is None:
        return ""
    headers = {col.key: col.header for col in c.INDICATORS.columns}
    names: list[str] = []
    for cid in a.missing:
        if cid in a.manual:
            continue
        key = _indicator_of(screening, cid)
        if key is None:
            continue
        spec = INDICATORS[key]
        for part in spec.ratio or (key,):
            header = headers.get(part)
            if header and header not in names:
                names.append(header)
    return f"{c.INDICATORS.name}：" + "、".join(names) if names else ""


def _indicator_of(screening: Screening, cid: str) -> str | None:
    crit = load_ruleset(screening.rules).criterion(cid)
    return crit.indicator if crit is not None else None


def assessment_rows(screening: Screening) -> list[Row]:
    """One row per enterprise: its own tier's decision, the next tier's, reserve and warnings."""
    rows = []
    for e in screening.enterprises:
        own = e.assessment(e.tier)
        up = e.assessments[1] if len(e.assessments) > 1 else None
        top = min((w.level for w in e.warnings), key=LEVEL_ORDER.__getitem__, default=None)
        rows.append(Row((
            e.uscc, e.name, e.centre, e.tier,
            DECISION_LABELS[own.decision] if own else "", up.tier if up else "",
            DECISION_LABELS[up.decision] if up else "",
            own.score if own and own.score is not None else (up.score if up else None),
            "；".join(t for t in (_failed_text(own) if own else "", _failed_text(up) if up else "") if t),
            _missing_text(own) if own else "", _pointers(screening, own),
            e.candidate_for or "", top.value if top else "",
            "；".join(f"[{w.level.value}]{w.message}" for w in e.warnings),
        ), DECISION_COLOURS[own.decision] if own else None, tuple(
            (column, colour) for column, colour in (
                (4, DECISION_COLOURS[own.decision] if own else None),
                (6, DECISION_COLOURS[up.decision] if up else None),
                (12, LEVEL_COLOURS[top.value] if top else None)) if colour)))
    return rows


def reserve_rows(screening: Screening) -> list[Row]:
    """梯度储备: candidates for the next tier up (升规 reserve first), then 新增规上 not already listed."""
    reserve = screening.above_scale_reserve()
    listed = {e.uscc for e in reserve}
    rest = [e for e in screening.enterprises if e.candidate_for and e.uscc not in listed]
    rows = []
    for e in [*reserve, *rest]:
        target = screening.above_scale_label if e.uscc in listed else e.candidate_for or ""
        a = e.assessment(target)
        rows.append(Row((e.uscc, e.name, e.centre, e.tier, target, reserve_label(a), _failed_text(a) if a else "",
                         _missing_text(a) if a else "", "是" if e.above_scale_new else ""),
                        DECISION_COLOURS[a.decision] if a else None,
                        ((5, DECISION_COLOURS[a.decision]),) if a else ()))
    for e in screening.enterprises:
        if e.above_scale_new and e.uscc not in listed and not e.candidate_for:
            rows.append(Row((e.uscc, e.name, e.centre, e.tier, "", "", "", "", "是")))
    return rows


def warning_rows(screening: Screening) -> list[Row]:
    """风险预警: one row per warning; enterprises in report order (growth SMEs first), then level."""
    rows = []
    for e in screening.enterprises:
        for w in e.warnings:
            colour = LEVEL_COLOURS[w.level.value]
            rows.append(Row((e.uscc, e.name, e.centre, e.tier, w.level.value, w.code, w.message), colour,
                            ((4, colour),)))
    return rows


def summary_lines(screening: Screening) -> list[str]:
    """A few Chinese lines that sum the screening up (terminal and sheet headers)."""
    s = screening.summary()
    goal = f"（目标 {s['above_scale_goal']} 户）" if s.get("above_scale_goal") is not None else ""
    status = "（待核对）" if screening.rules_status == "待核对" else ""
    return [
        f"规则集：{screening.rules_title or screening.rules}{status}；截至 {screening.as_of}；"
        f"评估企业 {len(screening.enterprises)} 家",
        f"上一梯度候选（储备）{s['candidates']} 家，其中升规储备 {s['above_scale_reserve']} 家；"
        f"计划年度新增规上 {s['above_scale_new']} 家{goal}",
        "预警：" + "，".join(f"{lv} {n} 家" for lv, n in s["warned"].items()),
    ]


@dataclass(frozen=True)
class MissingCell:
    """A cell to point at for a missing figure (the 评估 button marks it)."""

    uscc: str
    sheet: str
    row: int
    column: str  # header
    note: str


def missing_cells(screening: Screening, submission: Submission) -> list[MissingCell]:
    """Where each enterprise's missing figures belong in this workbook (own tier's criteria).

    The 企业指标 row of the previous year when there is one; else the roster row (its 上年
    column when the roster has one, else its credit code, noting the year to add).
    """
    last = screening.plan_year - 1
    rows = {(r.uscc, r.year): r.row for r in reversed(submission.indicators) if r.uscc and r.year}
    roster = {e.uscc: e.row for e in reversed(submission.enterprises) if e.uscc}
    headers = {col.key: col.header for col in c.INDICATORS.columns}
    roster_headers = {col.key: col.header for col in c.ROSTER.columns}
    out: list[MissingCell] = []
    for e in screening.enterprises:
        own = e.assessment(e.tier)
        if own is None or e.uscc not in roster:
            continue
        keys: list[str] = []
        for cid in own.missing:
            key = None if cid in own.manual else _indicator_of(screening, cid)
            for part in (INDICATORS[key].ratio or (key,)) if key else ():
                if part not in keys:
                    keys.append(part)
        for key in keys:
            note = f"评估缺少{last}年的“{headers.get(key, key)}”"
            if (e.uscc, last) in rows:
                out.append(MissingCell(e.uscc, c.INDICATORS.name, rows[(e.uscc, last)], headers[key], note))
            elif key in roster_headers:
                out.append(MissingCell(e.uscc, c.ROSTER.name, roster[e.uscc], roster_headers[key], note))
            else:
                out.append(MissingCell(e.uscc, c.ROSTER.name, roster[e.uscc], roster_headers["uscc"],
                                       note + f"，请在《{c.INDICATORS.name}》表补填"))
    return out
