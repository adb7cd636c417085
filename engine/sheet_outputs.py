"""What the Excel front doors write back, computed here so that xlmacros holds no business rule.

The ribbon buttons turn a report into rows for 校验结果, rows for the 系统核算 block of
完成情况 and a flag per tier for 差距; they only decide where those go in the open workbook.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from tidu.engine.normalize import looks_like_formula, safe_filename, safe_text
from tidu.engine.rollup import total
from tidu.schemas import contract as c
from tidu.schemas.findings import Finding, Severity
from tidu.schemas.results import SubmissionReport, TierProgress


def cell_text(value: Any) -> Any:
    """A value safe to write into a cell through xlwings (Excel parses what it is given): text
    that Excel would take for a formula, even after spaces or line breaks or in full-width,
    gets the leading apostrophe that makes it literal; control and bidi characters are dropped."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (int, float)):
        return value
    text = safe_text(value)
    return "'" + text if looks_like_formula(text) else text


#: Cell fills the 校验 marks use (the ribbon through xlwings, the portal through openpyxl).
MARK_FILLS = {Severity.ERROR: "#FFC7CE", Severity.WARNING: "#FFEB9C"}


@dataclass(frozen=True)
class CellMark:
    """What 校验 does to one entry cell: fill it by its worst finding and note every message."""

    sheet: str
    row: int
    col: int  # 1-based, as the workbook has it now
    fill: str
    note: str


@dataclass(frozen=True)
class FindingLine:
    """One row of 校验结果: the finding's values, where its link points, and the marks it made."""

    values: list[Any]
    target: tuple[str, int, int] | None  # (sheet, row, 1-based column) of the cell to link to
    marks: str  # c.MARK_FILL / c.MARK_NOTE joined, recorded once per cell so 校验 can undo them


def finding_layout(report: SubmissionReport, columns: dict[str, dict[str, int]],
                   noted: bool = True) -> tuple[list[CellMark], list[FindingLine]]:
    """The 校验 button's layout, shared by every front door that marks a workbook.

    ``columns`` maps each sheet's header text to its 1-based column as the workbook has it now.
    """
    located = [(f, columns.get(f.sheet or "", {}).get(f.column or "")) for f in report.findings]
    by_cell: dict[tuple[str, int, int], list[Finding]] = {}
    for f, col in located:
        if f.row and col and f.sheet and f.severity in MARK_FILLS:
            by_cell.setdefault((f.sheet, f.row, col), []).append(f)
    cell_marks = []
    recorded: dict[tuple[str, int, int], str] = {}
    for (sheet, row, col), found in by_cell.items():
        worst = Severity.ERROR if any(f.severity == Severity.ERROR for f in found) else Severity.WARNING
        note = "\n".join(f"【{f.severity.label}】{f.message}" for f in found)
        cell_marks.append(CellMark(sheet, row, col, MARK_FILLS[worst], note))
        recorded[(sheet, row, col)] = "、".join([c.MARK_FILL, c.MARK_NOTE] if noted else [c.MARK_FILL])
    lines = []
    for (f, col), values in zip(located, findings_rows(report), strict=True):
        key = (f.sheet or "", f.row or 0, col or 0)
        target = key if f.row and col and f.sheet else None
        lines.append(FindingLine(values, target, recorded.pop(key, "")))  # a cell's marks are recorded once
    return cell_marks, lines


def findings_rows(report: SubmissionReport) -> list[list[Any]]:
    """One row per finding, in the columns of 校验结果 before its 定位 link."""
    return [[f.severity.label, f.code, f.sheet or "", f.row or "", f.column or "", cell_text(f.value), f.message]
            for f in report.findings]


def _dash(value: Any) -> Any:
    return "—" if value is None else value


def _pace(p: TierProgress) -> str:
    return "—" if p.behind_pace is None else ("落后" if p.behind_pace else "正常")


def _values(p: TierProgress) -> list[Any]:
    values = {
        "tier": p.tier, "enterprises_target": "/" if p.enterprises_target is None else p.enterprises_target,
        "enterprises": p.enterprises, "enterprises_rate": _dash(p.enterprises_rate),
        "enterprises_gap": _dash(p.enterprises_gap),
        "sessions_target": "/" if p.sessions_target is None else p.sessions_target, "sessions": p.sessions,
        "sessions_rate": _dash(p.sessions_rate), "sessions_gap": _dash(p.sessions_gap),
        "sessions_expected": _dash(p.sessions_expected), "pace": _pace(p), "visits": p.visits,
    }
    return [values[key] for key, _ in c.PROGRESS_COLUMNS]


def progress_rows(progress: list[TierProgress], as_of: dt.date) -> list[list[Any]]:
    """The engine's figures for 完成情况, in ``contract.PROGRESS_COLUMNS`` order, with the totals
    row of :func:`tidu.engine.rollup.total` (only tiers with a numeric target are summed)."""
    judged = any(p.sessions_expected is not None for p in progress)
    return [_values(p) for p in progress] + [_values(total(progress, as_of, as_of.year, pace=judged))]


FlagLevel = Literal["behind", "gap", "done", "none"]


@dataclass(frozen=True)
class GapFlag:
    """How a tier stands: behind pace, on pace but short of the year's target, done, or no target."""

    tier: str
    level: FlagLevel
    message: str


def gap_flags(progress: list[TierProgress]) -> list[GapFlag]:
    """One flag per tier, with the Chinese sentence a clerk reads in the cell's note."""
    flags = []
    for p in progress:
        if p.sessions_target is None and not p.enterprises_target:
            flags.append(GapFlag(p.tier, "none", f"{p.tier}：本单位没有目标"))
            continue
        short = []
        if p.sessions_gap:
            short.append(f"{p.sessions_gap} 场")
        if p.enterprises_gap:
            short.append(f"{p.enterprises_gap} 家企业")
        if p.behind_pace:
            flags.append(GapFlag(p.tier, "behind", f"{p.tier}：进度落后，已完成 {p.sessions} 场，按进度应完成 "
                                                   f"{p.sessions_expected} 场；全年还差" + "、".join(short)))
        elif short:
            flags.append(GapFlag(p.tier, "gap", f"{p.tier}：进度正常，全年还差" + "、".join(short)))
        else:
            flags.append(GapFlag(p.tier, "done", f"{p.tier}：已完成全年目标"))
    return flags


def export_filename(centre: str, when: dt.datetime) -> str:
    """The name of an exported submission: centre and date, as the provincial centre files them."""
    return f"{safe_filename(centre)}_报送_{when:%Y%m%d-%H%M}.xlsx"
