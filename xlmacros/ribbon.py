"""The ribbon buttons of the 企业梯度培育 tab: 校验, 汇总, 差距, 导出上报.

Each entry point takes an ``xlwings.Book``: it reads the sheets (one bulk read each), calls the
engine, and writes only to output areas it owns — 校验结果, the 系统核算 block of 完成情况, and
the fills and notes it puts on offending cells — clearing its previous marks first, so pressing
a button twice gives the same workbook. It never changes a value the clerk typed. The
``*_caller`` functions are what the add-in's RunPython calls.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import xlwings as xw
from tidu.engine.check import check_rows
from tidu.engine.sheet_outputs import MARK_FILLS, export_filename, finding_layout, gap_flags, progress_rows
from tidu.schemas import contract as c
from tidu.schemas.results import SubmissionReport
from tidu.xlmacros import bookio

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


def validate_caller() -> None:
    validate(xw.Book.caller())


def rollup_caller() -> None:
    rollup(xw.Book.caller())


def flag_gaps_caller() -> None:
    flag_gaps(xw.Book.caller())


def export_submission_caller() -> None:
    book = xw.Book.caller()
    export_submission(book, Path(book.fullname).parent)
