"""Rendering submission reports for the terminal: findings by sheet, then the completion table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from tidu.engine.cli.texttable import pad, render
from tidu.schemas.catalogue import CATALOGUE
from tidu.schemas.findings import Severity
from tidu.schemas.results import SubmissionReport, TierProgress

MAX_LISTED = 200  # errors and warnings listed per file; the rest are counted (all are in --json)
_COLOURS = {"good": "\033[32m", "warn": "\033[33m", "bad": "\033[31m"}


def _mark(text: str, level: str, colour: bool) -> str:
    return f"{_COLOURS[level]}{text}\033[0m" if colour else text


def _percent(rate: float | None, colour: bool) -> str:
    if rate is None:
        return "—"
    level = "good" if rate >= 1 else "warn" if rate >= 0.5 else "bad"
    return _mark(f"{rate:.0%}", level, colour)


def _pace(p: TierProgress, colour: bool) -> str:
    if p.behind_pace is None:
        return "—"
    return _mark("▲落后", "bad", colour) if p.behind_pace else _mark("●正常", "good", colour)


def _target(value: int | None) -> str:
    return "/" if value is None else str(value)


def progress_table(progress: Iterable[TierProgress], colour: bool = False) -> str:
    """The completion table: targets, actuals, completion, gap and pace per tier."""
    rows = [[p.tier, _target(p.enterprises_target), p.enterprises, _percent(p.enterprises_rate, colour),
             "—" if p.enterprises_gap is None else p.enterprises_gap,
             _target(p.sessions_target), p.sessions, _percent(p.sessions_rate, colour),
             "—" if p.sessions_gap is None else p.sessions_gap,
             "—" if p.sessions_expected is None else f"{p.sessions_expected:.1f}", _pace(p, colour), p.visits]
            for p in progress]
    headers = ["培育梯度", "目标企业", "服务企业", "完成率", "差距", "目标场次", "服务场次", "完成率", "差距",
               "应完成", "进度", "户次"]
    return render(headers, rows, numeric_right=not colour)


def report_text(report: SubmissionReport, colour: bool = False) -> str:
    lines = [f"== {report.file}"]
    if report.centre:
        unit = f"（附表3：{report.unit}）" if report.unit else "（省中心）"
        lines.append(f"报送单位：{report.centre}{unit}  计划：{report.plan}  截至：{report.as_of}")
    counts = Counter(f.severity for f in report.findings)
    verdict = "通过" if report.valid else _mark("未通过", "bad", colour)
    lines.append(f"结果：{verdict}；{counts[Severity.ERROR]} 个错误，{counts[Severity.WARNING]} 个警告，"
                 f"{counts[Severity.INFO]} 条提示" + ("（有错误的行不计入统计）" if not report.valid else ""))
    listed = [f for f in report.findings if f.severity != Severity.INFO]
    sheet = object()
    for f in listed[:MAX_LISTED]:
        if f.sheet != sheet:
            sheet = f.sheet
            lines.append(f"\n《{f.sheet}》" if f.sheet else "\n文件")
        where = " ".join(x for x in (f"第{f.row}行" if f.row else "", f.column or "") if x)
        label = _mark(f"[{f.severity.label}]", "bad" if f.severity == Severity.ERROR else "warn", colour)
        lines.append(f"  {pad(where, 24, False)} {label} {f.code}：{f.message}")
    if len(listed) > MAX_LISTED:
        lines.append(f"  …… 另有 {len(listed) - MAX_LISTED} 条错误和警告未列出，用 --json 查看全部")
    infos = Counter(f.code for f in report.findings if f.severity == Severity.INFO)
    if infos:
        lines.append("\n提示：" + "；".join(f"{CATALOGUE[code].title} {n} 处（{code}）" for code, n in infos.items()))
    if report.progress:
        lines.append(f"\n完成情况（截至 {report.as_of}）")
        lines.append(progress_table(report.progress, colour))
    return "\n".join(lines)
