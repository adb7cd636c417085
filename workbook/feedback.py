"""Per-centre feedback files (退回意见): one .xlsx per used or rejected centre, beside the report.

Each holds the centre's figures, every error and warning located by sheet/row/column with what
to do, the infos by problem with their rows, and what changed since its previous version when
one was in the folder.

The files are written in the consolidation's own worker processes, right after each file is read
(:func:`staging`), into a staging folder: no finding travels between processes and no file is read
twice. Once every file is read, :func:`finish_feedback` names the files of used and rejected
versions, drops those of superseded ones, and rewrites only the few that need the previous
version's figures (re-reading that submission).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

import xlsxwriter
from tidu.engine.check import check_file
from tidu.engine.consolidate import REJECTED, USED, AfterRead, Consolidation, ReadFile
from tidu.engine.isolation import Crashed, run_isolated
from tidu.engine.normalize import safe_filename
from tidu.schemas.advice import advice
from tidu.schemas.catalogue import CATALOGUE
from tidu.schemas.findings import Finding, Severity
from tidu.schemas.plan import LoadedPlan
from tidu.schemas.results import SubmissionReport, TierProgress
from tidu.workbook.paths import atomic_path
from tidu.workbook.xl import COLUMN_NAME_WIDTH, DEFAULT_CELL, Formats, Sheet, wrapped_lines, write_text

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


#: Prefix of the hidden folder (one per run, so two runs into one folder never meet) inside the
#: feedback folder where the workers write, until the run decides.
STAGING = ".tidu-staging"


@contextmanager
def staging(folder: Path, loaded: LoadedPlan) -> Iterator[AfterRead]:
    """The per-file step for ``consolidate(after_read=...)`` (each file's feedback file, staged in
    a hidden folder of this run's own). The folder is removed when the block ends, and so is the
    feedback folder when this run created it and left nothing in it (a run that stopped early, an
    error or Ctrl-C, or one with no used or rejected centre to write to)."""
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f"{STAGING}-", dir=folder))
    try:
        yield partial(_stage_one, staging=str(staged), year=loaded.plan.year)
    finally:
        shutil.rmtree(staged, ignore_errors=True)  # and what no centre used (superseded versions)
        if created and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def _stage_one(read: ReadFile, staging: str, year: int) -> str:
    fd, path = tempfile.mkstemp(dir=staging, suffix=".xlsx")
    os.close(fd)
    status = REJECTED if read.rejected else USED
    job = FeedbackJob(read.path, read.shown, read.centre, status, read.rejected or read.note, path, None)
    _write(path, job, read.report, year)
    return path


def finish_feedback(result: Consolidation, folder: Path, loaded: LoadedPlan, workers: int | None = None,
                    on_done: Callable[[str], None] | None = None) -> Iterator[tuple[FeedbackJob, str | None]]:
    """Put each used or rejected centre's staged file in place; write again those that need the
    previous version (or whose staging failed); discard the rest. Yields (job, error or None)."""
    redo = []
    try:
        for job in jobs_for(result, folder, result.paths):
            staged = result.staged.get(job.shown)
            if staged and job.previous is None and os.path.exists(staged):
                os.replace(staged, job.out)
                if on_done:
                    on_done(job.out)
                yield job, None
            else:
                redo.append(job)
        yield from write_feedback(redo, loaded, result.as_of, workers, on_done)
    finally:
        for path in result.staged.values():
            if path and os.path.exists(path):
                os.unlink(path)


def write_feedback(jobs: list[FeedbackJob], loaded: LoadedPlan, as_of: dt.date, workers: int | None = None,
                   on_done: Callable[[str], None] | None = None) -> Iterator[tuple[FeedbackJob, str | None]]:
    """Write every job's file in isolated worker processes; yields (job, error or None)."""
    for job, result in run_isolated(partial(_write_one, loaded=loaded, as_of=as_of), jobs, workers):
        if on_done:
            on_done(job.out)
        yield job, (result.reason if isinstance(result, Crashed) else None)


def _write_one(job: FeedbackJob, loaded: LoadedPlan, as_of: dt.date) -> str:
    report = check_file(job.path, loaded, as_of)
    with atomic_path(Path(job.out)) as tmp:
        _write(str(tmp), job, report, loaded.plan.year)
    return job.out


def _write(path: str, job: FeedbackJob, report: SubmissionReport, year: int) -> None:
    book = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_urls": False,
                                      "strings_to_numbers": False, "in_memory": True,
                                      "default_format_properties": dict(DEFAULT_CELL)})
    book.set_properties({"title": f"{job.centre} 退回意见", "author": "tidu"})
    _sheet(book, Formats(book), job, report, year)
    book.close()


_PROGRESS_HEADERS = ("培育梯度", "目标场次", "实际场次", "场次完成率", "按进度应完成", "进度", "目标企业",
                     "服务企业", "企业完成率", "服务企业户次")
# No 填写值 column: every message about a cell quotes what it holds.
_FINDING_HEADERS = ("严重程度", "工作表", "行", "列", "问题", "怎么改", "代码")


def _sheet(book: xlsxwriter.Workbook, fmts: Formats, job: FeedbackJob, report: SubmissionReport, year: int) -> None:
    s = Sheet(book, SHEET, fmts)
    ws, text = s.ws, s.text
    # Nearly every finding row wraps to two lines: that is the sheet's default row height, and only
    # the other rows are sized one by one (a set_row on every row is a twentieth of the file's cost).
    ws.set_default_row(_TWO_LINES)
    text(0, 0, f"{job.centre} {year}年企业梯度培育台账 退回意见", fmts.subtitle)
    counts = Counter(f.severity.value for f in report.findings)
    ws.merge_range(1, 0, 1, 7, None)
    text(1, 0, ws_note(job, report, counts), fmts.wrap)
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
    listed = [f for f in report.findings if f.severity is not Severity.INFO]
    text(r, 0, "三、错误和警告（逐条，按工作表和行）", fmts.subtitle)
    s.headers(r + 1, _FINDING_HEADERS)
    first = r + 2
    for i in range(first if listed else first + 1):  # title, note, figures, headers (and the empty list)
        ws.set_row(i, 48 if i == 1 else _ONE_LINE)
    put, put_number, wrap = ws.write_string, ws.write_number, fmts.wrap
    for i, f in enumerate(listed, start=first):
        # Labels, sheet and column names, codes and advice are tidu's own text; only the value
        # and the message (which quotes it) come from the submission and go through write_text.
        put(i, 0, f.severity.label)
        put(i, 1, f.sheet or "")
        if f.row is not None:
            put_number(i, 2, f.row)
        put(i, 3, f.column or "")
        write_text(ws, i, 4, f.message, wrap, fmts)
        put(i, 5, _advice(f.code), wrap)
        put(i, 6, f.code)
        lines = max(wrapped_lines(f.message, _MESSAGE_WIDTH), _advice_lines(f.code))
        if lines != 2:
            ws.set_row(i, min(409, _ONE_LINE * lines))
    last = max(first + len(listed) - 1, first)
    ws.conditional_format(first, 0, last, 0, {"type": "cell", "criteria": "==", "value": '"错误"',
                                              "format": fmts.bad})
    ws.conditional_format(first, 0, last, 0, {"type": "cell", "criteria": "==", "value": '"警告"',
                                              "format": fmts.warn})
    ws.autofilter(r + 1, 0, last, len(_FINDING_HEADERS) - 1)
    _infos(s, last + 2, [f for f in report.findings if f.severity is Severity.INFO])
    s.widths((14, 12, 9, COLUMN_NAME_WIDTH, _MESSAGE_WIDTH, _ADVICE_WIDTH, 20, _ROWS_WIDTH, 11, 12))
    ws.freeze_panes(r + 2, 0)
    ws.hide_gridlines(0)  # printed too: the borders of the unformatted rows
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(r + 1)


#: the 问题 (提示), 怎么改 and 所在行 columns, in character widths
_MESSAGE_WIDTH, _ADVICE_WIDTH, _ROWS_WIDTH = 44, 36, 44
#: row heights in points: one line of text, and two (the sheet's default)
_ONE_LINE, _TWO_LINES = 15, 30


@cache
def _advice_lines(code: str) -> int:
    return wrapped_lines(_advice(code), _ADVICE_WIDTH)


_INFO_HEADERS = ("条数", "工作表", "", "列", "提示", "怎么改", "代码", "所在行")
_ROWS_PER_LINE = _ROWS_WIDTH - 8  # characters of the 所在行 column on one printed line (with room)
MAX_ROWS_TEXT = 30_000  # a cell holds 32,767 characters


def _infos(s: Sheet, r: int, infos: list[Finding]) -> None:
    """四、提示: one line per problem (code, sheet, column) with how many and on which rows."""
    for i in range(r - 1, r + 2):  # a blank row, the title, the headers (or 无)
        s.ws.set_row(i, _ONE_LINE)
    s.text(r, 0, "四、提示（不影响统计，按问题汇总，列出所在行）", s.fmts.subtitle)
    if not infos:
        s.text(r + 1, 0, "无")
        return
    s.headers(r + 1, _INFO_HEADERS)
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for f in infos:
        groups.setdefault((f.code, f.sheet or "", f.column or ""), []).append(f)
    i = r + 2
    for (code, sheet, column), found in groups.items():
        s.number(i, 0, len(found))
        s.text(i, 1, sheet)
        s.text(i, 3, column)
        s.text(i, 4, found[0].message if len(found) == 1 else CATALOGUE[code].title, s.fmts.wrap)
        s.text(i, 5, _advice(code), s.fmts.wrap)
        for k, part in enumerate(_row_lines(row_ranges([f.row for f in found if f.row]))):
            if k:  # a list longer than a row shows goes on below, on rows of its own
                s.text(i, 4, "（续）")
            s.text(i, 6, code)
            s.text(i, 7, part, s.fmts.wrap)
            s.ws.set_row(i, _ONE_LINE * max(2, 1 + len(part) // _ROWS_PER_LINE))
            i += 1


#: Lines of row numbers one sheet row holds (409 points is the highest row Excel allows).
_LINES_PER_ROW = 409 // 15 - 2


def _row_lines(text: str) -> list[str]:
    """The 所在行 text in pieces a row shows whole, cut between two numbers or ranges."""
    pieces, size = [], _ROWS_PER_LINE * _LINES_PER_ROW
    while len(text) > size:
        cut = text.rfind("、", 0, size)
        cut = cut if cut > 0 else size
        pieces.append(text[:cut])
        text = text[cut + 1:] if text[cut:cut + 1] == "、" else text[cut:]
    return [*pieces, text]


def row_ranges(rows: list[int]) -> str:
    """Row numbers as a clerk reads them: 3–5、8、12 (capped to what a cell holds)."""
    parts: list[str] = []
    ordered = sorted(set(rows))
    start = prev = None
    for row in [*ordered, None]:
        if start is not None and (row is None or row != prev + 1):
            parts.append(str(start) if start == prev else f"{start}–{prev}")
            start = None
        if row is not None and start is None:
            start = row
        prev = row
    text = "、".join(parts)
    if len(text) > MAX_ROWS_TEXT:
        text = text[:MAX_ROWS_TEXT].rsplit("、", 1)[0] + f" 等（共 {len(ordered)} 行）"
    return text


@cache  # one text per code, asked for on every row
def _advice(code: str) -> str:
    kind = CATALOGUE.get(code)
    return advice(code, kind.scope.value if kind else "cell")


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
