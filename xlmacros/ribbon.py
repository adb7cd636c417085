"""The ribbon buttons of the 企业梯度培育 tab: 校验, 汇总, 差距, 导出上报.

Each entry point takes an ``xlwings.Book``: it reads the sheets (one bulk read each), calls the
engine, and writes only to output areas it owns — 校验结果, the 系统核算 block of 完成情况, and
the fills and notes it puts on offending cells — clearing its previous marks first, so pressing
a button twice gives the same workbook. It never changes a value the clerk typed. The
``*_caller`` functions are what the add-in's RunPython calls.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path, PureWindowsPath
from typing import Any

import xlwings as xw
from tidu.engine.check import check_rows
from tidu.engine.screen import SheetScreening, screen_rows
from tidu.engine.screen.layout import ASSESSMENT_HEADERS
from tidu.engine.sheet_outputs import (
    MARK_FILLS,
    cell_text,
    export_filename,
    finding_layout,
    gap_flags,
    progress_rows,
)
from tidu.engine.version import version_advice
from tidu.schemas import contract as c
from tidu.schemas.findings import Severity
from tidu.schemas.results import SubmissionReport
from tidu.xlmacros import bookio
from tidu.xlmacros.addin.config import log_file

from tidu import __version__

TITLE = "企业梯度培育"
FILLS = MARK_FILLS
FLAG_FILLS = {"behind": "#FFC7CE", "gap": "#FFEB9C", "done": "#C6EFCE", "none": None}


def _report(book: xw.Book) -> tuple[SubmissionReport, dict[str, list[list[Any]]]]:
    sheets = bookio.read_sheets(book)
    return check_rows(sheets, book.name), sheets


def _missing_sheet(book: xw.Book, name: str) -> bool:
    if name in bookio.sheet_names(book):
        return False
    book.app.alert(f"工作簿缺少《{name}》工作表，请使用标准台账模板。", TITLE)
    return True


# --- 校验 -----------------------------------------------------------------------------------


def _clear_marks(book: xw.Book, results: xw.Sheet) -> None:
    """Undo the fills and notes the previous 校验 put on cells, as its 校验结果 rows record them."""
    width = len(c.FINDING_HEADERS)
    last = results.used_range.last_cell.row
    if last < 2:
        return
    rows = results.range((2, 1), (last, width)).options(ndim=2).value
    present = set(bookio.sheet_names(book))
    for row in rows:
        where, marks = bookio.parse_location(row[width - 2]), str(row[width - 1] or "")
        if where is None or where[0] not in present:
            continue
        cell = book.sheets[where[0]].range(where[1])
        if c.MARK_FILL in marks:
            cell.color = None
        if c.MARK_NOTE in marks and cell.note is not None:
            cell.note.delete()


def validate(book: xw.Book) -> SubmissionReport:
    """校验: list every finding in 校验结果 with a link to its cell; fill and annotate the cells."""
    report, sheets = _report(book)
    if _missing_sheet(book, c.FINDINGS):
        return report
    results = book.sheets[c.FINDINGS]
    _clear_marks(book, results)
    bookio.clear_below(results, 2, len(c.FINDING_HEADERS))

    columns = {name: bookio.header_columns(rows) for name, rows in sheets.items()}
    marks, lines = finding_layout(report, columns)
    _status(book, f"{TITLE}：正在标记 {len(marks)} 个单元格，写入 {len(lines)} 条问题……")
    noted_cells = set()
    for mark in marks:
        cell = book.sheets[mark.sheet].range((mark.row, mark.col))
        cell.color = mark.fill
        if bookio.set_note(cell, mark.note):
            noted_cells.add((mark.sheet, mark.row, mark.col))
    rows = []
    for line in lines:
        link = bookio.link_formula(*line.target) if line.target else ""
        recorded = line.marks
        if line.target and recorded and line.target not in noted_cells:
            recorded = c.MARK_FILL  # the note could not be set (e.g. protected sheet): only the fill to undo
        rows.append([*line.values, link, recorded])
    if rows:
        results.range((2, 1)).value = rows
    return report


# --- 汇总 and 差距 ----------------------------------------------------------------------------


def _write_progress(book: xw.Book, report: SubmissionReport) -> xw.Range | None:
    """Write the engine's figures into the 系统核算 block; returns its body (tier rows + totals)."""
    if _missing_sheet(book, c.PROGRESS):
        return None
    block = bookio.named_range(book, c.NAME_PROGRESS_ENGINE)
    rows = progress_rows(report.progress, report.as_of or bookio.now().date())
    body = block.offset(row_offset=1).resize(row_size=len(rows), column_size=len(c.PROGRESS_COLUMNS))
    body.value = rows
    caption = block[0, 0].offset(row_offset=-1)
    caption.value = f"系统核算（截至 {report.as_of}，{bookio.now():%Y-%m-%d %H:%M} 更新）"
    return body


def rollup(book: xw.Book) -> SubmissionReport:
    """汇总: the engine's authoritative figures into 完成情况."""
    report, _ = _report(book)
    _write_progress(book, report)
    return report


def flag_gaps(book: xw.Book) -> SubmissionReport:
    """差距: the figures, then each tier's row coloured (behind, short, done) with a note saying why."""
    report, _ = _report(book)
    body = _write_progress(book, report)
    if body is None:
        return report
    for i, flag in enumerate(gap_flags(report.progress)):
        row = body[i, :]
        row.color = FLAG_FILLS[flag.level]
        tier_cell = body[i, 0]
        if tier_cell.note is not None:  # the block is ours: its notes are the previous flags
            tier_cell.note.delete()
        if flag.level != "none":
            tier_cell.add_note(flag.message)
    return report


# --- 评估 -----------------------------------------------------------------------------------

SCREEN_SHEET = "梯度评估"
SCREEN_FILLS = {"green": "#C6EFCE", "amber": "#FFEB9C", "red": "#FFC7CE", "grey": "#EDEDED"}
MISSING_FILL = "#FFF2CC"


def screen(book: xw.Book) -> SheetScreening:
    """评估: the 梯度评估 sheet (created when missing), rows coloured by decision; cells of missing
    figures filled and noted. Pressing again rewrites the sheet and the marks the same way."""
    sheets = bookio.read_sheets(book)
    done = screen_rows(sheets, book.name)
    if done.screening is None:
        book.app.alert(f"无法评估：{done.problem}", TITLE)
        return done
    names = bookio.sheet_names(book)
    target = (book.sheets[SCREEN_SHEET] if SCREEN_SHEET in names
              else book.sheets.add(SCREEN_SHEET, after=book.sheets[-1]))
    target.clear()
    values = [list(ASSESSMENT_HEADERS), *([cell_text(v) for v in row.values] for row in done.rows)]
    target.range((1, 1)).value = values
    for i, row in enumerate(done.rows, start=2):
        if row.colour:
            target.range((i, 1), (i, len(ASSESSMENT_HEADERS))).color = SCREEN_FILLS.get(row.colour)
        for column, colour in row.cells:
            target.range((i, column + 1)).color = SCREEN_FILLS.get(colour)
    columns = {name: bookio.header_columns(rows) for name, rows in sheets.items()}
    for cell in done.missing:
        col = columns.get(cell.sheet, {}).get(cell.column)
        if col:
            where = book.sheets[cell.sheet].range((cell.row, col))
            where.color = MISSING_FILL
            bookio.set_note(where, cell.note)
    return done


def _screen_outcome(book: xw.Book) -> Outcome | None:
    done = screen(book)
    if done.screening is None:
        return None
    summary = done.screening.summary()
    return (f"评估完成：{len(done.rows)} 家企业，储备（候选上一梯度）{summary.get('candidates', 0)} 家，"
            f"缺数单元格 {len(done.missing)} 个已标黄，见《{SCREEN_SHEET}》。"), SCREEN_SHEET


# --- 导出上报 ---------------------------------------------------------------------------------


def _save_copy_with_excel(book: xw.Book, path: Path) -> None:
    book.api.SaveCopyAs(str(path))  # Excel (COM): the open workbook keeps its own name


def export_submission(book: xw.Book, folder: str | Path,
                      save_copy: Callable[[xw.Book, Path], None] = _save_copy_with_excel) -> Path | None:
    """导出上报: refuse a workbook with errors (saying why); else stamp _meta and save a named copy."""
    report, _ = _report(book)
    if not report.valid:
        errors = report.errors
        first = "\n".join(f"· {f.sheet or ''} 第{f.row or '-'}行 {f.column or ''}：{f.message}" for f in errors[:5])
        book.app.alert(f"有 {len(errors)} 个错误，不能导出上报。请先点“校验”查看《{c.FINDINGS}》并改正：\n{first}",
                       TITLE)
        return None
    if report.centre is None:
        book.app.alert("无法识别报送单位（_meta 缺失），请使用标准台账模板。", TITLE)
        return None
    when = bookio.now()
    bookio.named_range(book, "tidu_meta_exported_at").value = when
    path = Path(folder) / export_filename(report.centre, when)
    save_copy(book, path)
    book.app.alert(f"已导出上报文件：{path}", TITLE)
    return path


# --- what the add-in's RunPython calls ------------------------------------------------------
#
# Every click comes through ``click``: it checks the add-in's version against this package's,
# turns screen updating off while writing, shows progress in the status bar, says what was done
# (with counts) and shows the result sheet; any error becomes a Chinese message naming the log
# file that holds the traceback. Nothing reaches xlwings' English "Error" box.

Outcome = tuple[str, str | None]  # (what was done, the sheet to show) — None: the entry already said why not


def _status(book: xw.Book, text: str | bool) -> None:
    """Status bar text (False gives it back to Excel); engines without one are skipped."""
    with contextlib.suppress(Exception):
        book.app.status_bar = text


def _screen_updating(book: xw.Book, on: bool) -> None:
    with contextlib.suppress(Exception):
        book.app.screen_updating = on


def _count(report: SubmissionReport, severity: Severity) -> int:
    return sum(1 for f in report.findings if f.severity == severity)


def _validate_outcome(book: xw.Book) -> Outcome | None:
    if c.FINDINGS not in bookio.sheet_names(book):
        validate(book)  # alerts about the missing sheet
        return None
    report = validate(book)
    counts = {s: _count(report, s) for s in Severity}
    if not report.findings:
        return "校验完成：没有发现问题。", c.FINDINGS
    listed = "、".join(f"{s.label} {n} 条" for s, n in counts.items() if n)
    verdict = "有错误，改正后再导出上报。" if counts[Severity.ERROR] else "没有错误，可以导出上报。"
    return f"校验完成：{listed}，已列在《{c.FINDINGS}》并在单元格上标色。{verdict}", c.FINDINGS


def _progress_totals(report: SubmissionReport) -> str:
    sessions = sum(p.sessions for p in report.progress)
    enterprises = sum(p.enterprises for p in report.progress)
    return f"截至 {report.as_of}：服务活动 {sessions} 场，服务企业 {enterprises} 家"


def _rollup_outcome(book: xw.Book) -> Outcome | None:
    if c.PROGRESS not in bookio.sheet_names(book):
        rollup(book)
        return None
    report = rollup(book)
    return f"汇总完成（{_progress_totals(report)}），已写入《{c.PROGRESS}》的系统核算表。", c.PROGRESS


def _gaps_outcome(book: xw.Book) -> Outcome | None:
    if c.PROGRESS not in bookio.sheet_names(book):
        flag_gaps(book)
        return None
    report = flag_gaps(book)
    levels = [f.level for f in gap_flags(report.progress)]
    return (f"差距已标出：落后 {levels.count('behind')} 个梯度，尚有差距 {levels.count('gap')} 个，"
            f"已完成 {levels.count('done')} 个（{_progress_totals(report)}），见《{c.PROGRESS}》。"), c.PROGRESS


def saved_folder(book: xw.Book) -> Path | None:
    """The folder of a workbook saved to disk; None for one never saved (its name has no folder)."""
    full = str(book.fullname or "")
    if PureWindowsPath(full).is_absolute():  # Excel on Windows: C:\… or \\server\share\…
        return Path(str(PureWindowsPath(full).parent))
    return Path(full).parent if Path(full).is_absolute() else None


def _export_outcome(book: xw.Book) -> Outcome | None:
    folder = saved_folder(book)
    if folder is None:
        book.app.alert("请先保存本工作簿（文件 → 另存为，保存到本机文件夹），再导出上报：上报文件会放在同一文件夹。",
                       TITLE)
        return None
    export_submission(book, folder)  # says where the copy went, or why it did not
    return None


ENTRIES: dict[str, Callable[[xw.Book], Outcome | None]] = {
    "validate_caller": _validate_outcome,
    "rollup_caller": _rollup_outcome,
    "flag_gaps_caller": _gaps_outcome,
    "export_submission_caller": _export_outcome,
    "screen_caller": _screen_outcome,
}
STATUS = {"validate_caller": "正在校验……", "rollup_caller": "正在汇总……", "flag_gaps_caller": "正在标出差距……",
          "export_submission_caller": "正在检查并导出上报文件……", "screen_caller": "正在评估……"}


def log_error(exc: BaseException) -> Path:
    """Append the traceback to the log file (next to the temp folder if that cannot be written)."""
    text = f"\n[{bookio.now():%Y-%m-%d %H:%M:%S}] tidu {__version__}\n" + "".join(
        traceback.format_exception(type(exc), exc, exc.__traceback__))
    path = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError:
        path = Path(tempfile.gettempdir()) / path.name
        with path.open("a", encoding="utf-8") as fh:
            fh.write(text)
    return path


def _alert(book: xw.Book | None, message: str) -> None:
    if book is not None:
        with contextlib.suppress(Exception):
            book.app.alert(message, TITLE)
            return
    print(message, file=sys.stderr)  # no workbook to show it in: xlwings shows stderr


def click(entry: str, addin_version: str, book: xw.Book | None = None) -> None:
    """One ribbon click (the add-in's RunPython calls this with the version it was built from)."""
    try:
        book = xw.Book.caller() if book is None else book
        advice = version_advice(addin_version)
        if advice is not None:
            _alert(book, advice)
            return
        run = ENTRIES[entry]
        _status(book, f"{TITLE}：{STATUS[entry]}")
        _screen_updating(book, False)
        try:
            outcome = run(book)
        finally:
            _screen_updating(book, True)
            _status(book, False)
        if outcome is not None:
            message, sheet = outcome
            if sheet is not None:
                book.sheets[sheet].activate()
            _alert(book, message)
    except Exception as exc:  # every error becomes a Chinese message; the traceback goes to the log
        path = log_error(exc)
        _alert(book, f"出错了，操作没有完成：{type(exc).__name__}: {str(exc)[:200]}\n"
                     f"详细信息已写入日志文件：{path}\n请把这个文件发给省中心技术支持。")


def validate_caller() -> None:
    click("validate_caller", __version__)


def rollup_caller() -> None:
    click("rollup_caller", __version__)


def flag_gaps_caller() -> None:
    click("flag_gaps_caller", __version__)


def export_submission_caller() -> None:
    click("export_submission_caller", __version__)


def screen_caller() -> None:
    click("screen_caller", __version__)
