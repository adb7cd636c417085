"""Per-centre feedback files (退回意见): one .xlsx per used or rejected centre, beside the report.

Each holds the centre's figures, every finding located by sheet/row/column with what to do, and
what changed since its previous version when one was in the folder. The files are written in
worker processes, in parallel; each re-reads its submission (reading costs far less than writing
a finding per row, and no finding has to travel between processes).
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import xlsxwriter
from tidu.engine.check import check_file
from tidu.engine.consolidate import REJECTED, USED, Consolidation
from tidu.engine.isolation import Crashed, run_isolated
from tidu.engine.normalize import safe_filename
from tidu.schemas.advice import advice
from tidu.schemas.catalogue import CATALOGUE
from tidu.schemas.plan import LoadedPlan
from tidu.schemas.results import SubmissionReport, TierProgress
from tidu.workbook.xl import Formats, Sheet, atomic_path

SHEET = "退回意见"


@dataclass(frozen=True)
class FeedbackJob:
    """What a worker needs to write one centre's feedback file."""

    path: str  # the submitted file (read again in the worker)
    shown: str  # its name as shown
    centre: str
    status: str  # used or rejected
    reason: str
    out: str  # the feedback file to write
    previous: SubmissionReport | None  # the centre's previous version: progress and finding counts


def feedback_folder(report: str | Path) -> Path:
    """``<report>_反馈/`` beside the report."""
    report = Path(report)
    return report.with_name(f"{report.stem}_反馈")


def jobs_for(result: Consolidation, folder: Path, paths: dict[str, str]) -> list[FeedbackJob]:
    """One job per used or rejected file whose centre is known (``paths``: shown name → real path)."""
    jobs = []
    for status in result.files:
        if status.status not in (USED, REJECTED) or not status.centre or status.file not in paths:
            continue
        name = safe_filename(status.centre) + ("" if status.status == USED else "_拒收") + "_退回意见.xlsx"
        jobs.append(FeedbackJob(paths[status.file], status.file, status.centre, status.status, status.reason,
                                str(folder / name), result.previous.get(status.centre) if status.status == USED
                                else None))
    return _unique_names(jobs)


def _unique_names(jobs: list[FeedbackJob]) -> list[FeedbackJob]:
    seen: Counter[str] = Counter()
    out = []
    for job in jobs:
        seen[job.out] += 1
        if seen[job.out] > 1:
            stem, suffix = os.path.splitext(job.out)
            job = FeedbackJob(**{**job.__dict__, "out": f"{stem}_{seen[job.out]}{suffix}"})
        out.append(job)
    return out


def write_feedback(jobs: list[FeedbackJob], loaded: LoadedPlan, as_of: dt.date, workers: int | None = None,
                   on_done: Callable[[str], None] | None = None) -> Iterator[tuple[FeedbackJob, str | None]]:
    """Write every job's file in isolated worker processes; yields (job, error or None)."""
    for job, result in run_isolated(partial(_write_one, loaded=loaded, as_of=as_of), jobs, workers):
        if on_done:
            on_done(job.out)
        yield job, (result.reason if isinstance(result, Crashed) else None)


def _write_one(job: FeedbackJob, loaded: LoadedPlan, as_of: dt.date) -> str:
    report = check_file(job.path, loaded, as_of)
    path = Path(job.out)
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                              "strings_to_numbers": False})
        book.set_properties({"title": f"{job.centre} 退回意见", "author": "tidu"})
        fmts = Formats(book)
        _sheet(book, fmts, job, report, loaded.plan.year)
        book.close()
    return job.out


_PROGRESS_HEADERS = ("培育梯度", "目标场次", "实际场次", "场次完成率", "按进度应完成", "进度", "目标企业",
                     "服务企业", "企业完成率", "服务企业户次")
_FINDING_HEADERS = ("严重程度", "工作表", "行", "列", "填写值", "问题", "怎么改", "代码")


def _sheet(book: xlsxwriter.Workbook, fmts: Formats, job: FeedbackJob, report: SubmissionReport, year: int) -> None:
    s = Sheet(book, SHEET, fmts)
    ws, text, number = s.ws, s.text, s.number
    text(0, 0, f"{job.centre} {year}年企业梯度培育台账 退回意见", fmts.subtitle)
    counts = Counter(f.severity.value for f in report.findings)
    ws.merge_range(1, 0, 1, 7, None)
    text(1, 0, ws_note(job, report, counts), fmts.wrap)
    ws.set_row(1, 48)
    r = 3
    if report.progress:
        text(r, 0, "一、本单位完成情况（系统核算）", fmts.subtitle)
        s.headers(r + 1, _PROGRESS_HEADERS)
        r += 2
        for p in report.progress:
            _progress_row(s, r, p)
            r += 1
        r += 1
    change = _changes(job.previous, report, counts)
    if change:
        text(r, 0, "二、与上一版相比", fmts.subtitle)
        for i, line in enumerate(change, start=r + 1):
            ws.merge_range(i, 0, i, 7, None)
            text(i, 0, line)
        r += len(change) + 2
    text(r, 0, "三、问题清单（全部，按工作表和行）", fmts.subtitle)
    s.headers(r + 1, _FINDING_HEADERS)
    first = r + 2
    for i, f in enumerate(report.findings, start=first):
        text(i, 0, f.severity.label, fmts.cell_center)
        text(i, 1, f.sheet or "")
        number(i, 2, f.row, blank="")
        text(i, 3, f.column or "")
        text(i, 4, f.value)
        text(i, 5, f.message)
        kind = CATALOGUE.get(f.code)
        text(i, 6, advice(f.code, kind.scope.value if kind else "cell"))
        text(i, 7, f.code)
    last = max(first + len(report.findings) - 1, first)
    ws.conditional_format(first, 0, last, 0, {"type": "cell", "criteria": "==", "value": '"错误"',
                                              "format": fmts.bad})
    ws.conditional_format(first, 0, last, 0, {"type": "cell", "criteria": "==", "value": '"警告"',
                                              "format": fmts.warn})
    ws.autofilter(r + 1, 0, last, len(_FINDING_HEADERS) - 1)
    s.widths((14, 12, 9, 16, 20, 44, 36, 20, 11, 12))
    ws.freeze_panes(r + 2, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(r + 1)


def ws_note(job: FeedbackJob, report: SubmissionReport, counts: Counter[str]) -> str:
    status = "已采用" if job.status == USED else "未采用（拒收）"
    reason = f"：{job.reason}" if job.reason else ""
    as_of = report.as_of.isoformat() if report.as_of else "—"
    name = os.path.basename(job.shown)
    return (f"文件“{name}”{status}{reason}。统计截至 {as_of}。共有错误 {counts['error']} 条、警告 "
            f"{counts['warning']} 条、提示 {counts['info']} 条：有错误的行不计入统计，请按“怎么改”改正后重新报送。")


def _progress_row(s: Sheet, r: int, p: TierProgress) -> None:
    text, number, fmts = s.text, s.number, s.fmts
    text(r, 0, p.tier, fmts.name)
    number(r, 1, p.sessions_target, blank="/")
    number(r, 2, p.sessions)
    number(r, 3, p.sessions_rate, fmts.cell_percent)
    number(r, 4, p.sessions_expected)
    text(r, 5, "—" if p.behind_pace is None else ("落后" if p.behind_pace else "正常"), fmts.cell_center)
    number(r, 6, p.enterprises_target, blank="/")
    number(r, 7, p.enterprises)
    number(r, 8, p.enterprises_rate, fmts.cell_percent)
    number(r, 9, p.visits)


def _changes(previous: SubmissionReport | None, report: SubmissionReport, counts: Counter[str]) -> list[str]:
    """Sentences on what changed since the previous version (none without one)."""
    if previous is None:
        return []
    lines = []
    before = {p.tier: p for p in previous.progress}
    for p in report.progress:
        old = before.get(p.tier)
        if old is None:
            continue
        parts = []
        if p.sessions != old.sessions:
            parts.append(f"服务场次 {old.sessions} → {p.sessions}")
        if p.enterprises != old.enterprises:
            parts.append(f"服务企业户数 {old.enterprises} → {p.enterprises}")
        if parts:
            lines.append(f"{p.tier}：" + "，".join(parts))
    for key, label in (("errors", "错误"), ("warnings", "警告")):
        old_n, new_n = previous.stats.get(key, 0), counts[key[:-1]]
        if old_n != new_n:
            lines.append(f"{label}：{old_n} 条 → {new_n} 条")
    return lines or ["与上一版相比，完成情况和问题条数没有变化。"]
