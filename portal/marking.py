"""The workbook a centre downloads back: 校验结果 filled and the offending cells marked (openpyxl).

The same layout as the ribbon's 校验 button (``tidu.engine.sheet_outputs.finding_layout``): a
fill by the worst finding and a note with every message on each located cell, one 校验结果 row
per finding with its location and the marks it made, and the engine's figures in the 系统核算
block of 完成情况. Entries are never changed; every text is written as a string, never as a
formula. Runs in the isolated worker, since it opens the uploaded file.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape as xml_escape

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from tidu.engine.normalize import looks_like_formula, safe_text
from tidu.engine.sheet_outputs import finding_layout, progress_rows
from tidu.schemas import contract as c
from tidu.schemas.results import SubmissionReport

AUTHOR = "tidu 校验"
_LINK_TEXT = re.compile(r'"([^"]+![A-Z]+[0-9]+)"\)\s*$')  # the text shown by the ribbon's HYPERLINK


def put(cell: Any, value: Any) -> None:
    """Write a value; text always as a string (never a formula), cleaned of control characters."""
    if isinstance(value, str):
        if value.startswith("'") and looks_like_formula(value[1:]):
            value = value[1:]  # cell_text's apostrophe is for Excel's parser; openpyxl stores the type instead
        cell.value = safe_text(value)
        cell.data_type = "s"
    else:
        cell.value = value


def _header_columns(sheet: Any) -> dict[str, int]:
    header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
    return {str(v).strip(): j for j, v in enumerate(header, start=1) if v not in (None, "")}


def _location(value: Any) -> tuple[str, str] | None:
    """"服务活动!B5" from the 定位 cell, whether the ribbon wrote a HYPERLINK formula or we wrote text."""
    if not isinstance(value, str):
        return None
    found = _LINK_TEXT.search(value) if value.startswith("=") else None
    text = found.group(1) if found else value
    sheet, _, address = text.rpartition("!")
    return (sheet, address) if sheet and re.fullmatch(r"[A-Z]+[0-9]+", address) else None


def _undo_previous(book: Any, results: Any, width: int) -> None:
    """Remove the fills and notes an earlier 校验 (ribbon or portal) recorded in 校验结果."""
    for row in results.iter_rows(min_row=2, max_col=width):
        where, marks = _location(row[width - 2].value), str(row[width - 1].value or "")
        if where is None or where[0] not in book.sheetnames:
            continue
        cell = book[where[0]][where[1]]
        if c.MARK_FILL in marks:
            cell.fill = PatternFill(fill_type=None)
        if c.MARK_NOTE in marks:
            cell.comment = None
    for row in results.iter_rows(min_row=2, max_col=width):
        for cell in row:
            cell.value = None
            cell.hyperlink = None


def _write_findings(book: Any, report: SubmissionReport) -> None:
    sheets = {f.sheet for f in report.findings if f.sheet in book.sheetnames}
    columns = {name: _header_columns(book[name]) for name in sheets}
    marks, lines = finding_layout(report, columns)
    noted = set()
    for mark in marks:
        cell = book[mark.sheet].cell(mark.row, mark.col)
        cell.fill = PatternFill(fill_type="solid", fgColor=mark.fill.lstrip("#"))
        if cell.comment is None:  # a clerk's own note is never replaced
            cell.comment = Comment(mark.note, AUTHOR, width=320, height=120)
            noted.add((mark.sheet, mark.row, mark.col))
    if c.FINDINGS not in book.sheetnames:
        return
    results = book[c.FINDINGS]
    width = len(c.FINDING_HEADERS)
    _undo_previous(book, results, width)
    for i, line in enumerate(lines, start=2):
        for j, value in enumerate(line.values, start=1):
            put(results.cell(i, j), value)
        recorded = line.marks
        if line.target:
            sheet, row, col = line.target
            where = f"{sheet}!{get_column_letter(col)}{row}"
            link = results.cell(i, width - 1)
            put(link, where)
            link.hyperlink = f"#'{sheet}'!{get_column_letter(col)}{row}"
            if recorded and line.target not in noted:
                recorded = c.MARK_FILL  # the cell had a note of its own: only the fill is ours to undo
        put(results.cell(i, width), recorded)


def _write_progress(book: Any, report: SubmissionReport) -> None:
    """The 汇总 button's figures, into the block the template names ``tidu_progress_engine``."""
    defined = book.defined_names.get(c.NAME_PROGRESS_ENGINE)
    if defined is None or report.as_of is None:
        return
    destinations = list(defined.destinations)
    if not destinations or destinations[0][0] not in book.sheetnames:
        return
    sheet_name, ref = destinations[0]
    sheet = book[sheet_name]
    first = ref.replace("$", "").split(":")[0]
    top = sheet[first]
    for i, values in enumerate(progress_rows(report.progress, report.as_of), start=1):
        for j, value in enumerate(values):
            put(sheet.cell(top.row + i, top.column + j), value)


# --- the _calc helper sheet, set aside -------------------------------------------------------------
# openpyxl spends nearly all its time on the template's hidden _calc sheet (tens of thousands of
# formula rows) that marking never touches. When that part is self-contained (inline strings, no
# cell styles, no relationships), it is replaced by an empty sheet for openpyxl and its original
# bytes are put back into the saved file, unchanged.

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_EMPTY_SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')
_NOT_SELF_CONTAINED = re.compile(rb'\ss="|t="s"|r:id=|<extLst')


def _sheet_part(zf: zipfile.ZipFile, name: str) -> str | None:
    """The zip member holding the sheet called ``name``."""
    book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") or "" for r in rels}
    for sheet in book.iter(f"{_MAIN}sheet"):
        if sheet.get("name") == name:
            target = targets.get(sheet.get(f"{_REL}id"), "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


_SHARED_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)" t="s"><v>([0-9]+)</v></c>')


def _inline_shared_strings(zf: zipfile.ZipFile, part: bytes) -> bytes:
    """The part with its plain shared-string cells (the header row) written as inline strings,
    so that it no longer depends on the shared-string table openpyxl will renumber."""
    if b't="s"' not in part:
        return part
    try:
        table = ElementTree.fromstring(zf.read("xl/sharedStrings.xml"))
    except KeyError:
        return part
    texts = ["".join(t.text or "" for t in si.iter(f"{_MAIN}t")) for si in table.iter(f"{_MAIN}si")]

    def inline(match: re.Match[bytes]) -> bytes:
        index = int(match.group(2))
        if index >= len(texts):
            return match.group(0)
        text = xml_escape(texts[index]).encode("utf-8")
        return b'<c r="' + match.group(1) + b'" t="inlineStr"><is><t xml:space="preserve">' + text + b"</t></is></c>"

    return _SHARED_CELL.sub(inline, part)


def _replace_member(path: Path, member: str, data: bytes, out: Path) -> None:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, data if info.filename == member else src.read(info.filename))


def _set_calc_aside(source: Path, work: Path) -> tuple[Path, bytes | None]:
    """The file to give openpyxl, and the _calc part's bytes if it was set aside (as they were, but
    for header cells that referred to the shared-string table)."""
    try:
        with zipfile.ZipFile(source) as zf:
            member = _sheet_part(zf, c.CALC)
            original = _inline_shared_strings(zf, zf.read(member)) if member else None
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        return source, None
    if member is None or original is None or _NOT_SELF_CONTAINED.search(original):
        return source, None
    slim = work / "slim.xlsx"
    _replace_member(source, member, _EMPTY_SHEET, slim)
    return slim, original


def edit_copy(source: Path, target: Path, edit: Callable[[Any], None]) -> bool:
    """Write ``target`` as ``source`` with ``edit(book)`` applied through openpyxl, the _calc part
    set aside and put back (atomically; ``target`` may be ``source``). False if openpyxl cannot
    open the format."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        work = Path(tmp)
        slim, calc = _set_calc_aside(source, work)
        try:
            book = openpyxl.load_workbook(slim)
        except Exception:  # not an OOXML workbook openpyxl can edit: the findings stand without a copy
            return False
        edit(book)
        saved = work / "edited.xlsx"
        book.save(saved)
        if calc is not None:
            with zipfile.ZipFile(saved) as zf:
                member = _sheet_part(zf, c.CALC)
            if member is not None:
                _replace_member(saved, member, calc, work / "whole.xlsx")
                saved = work / "whole.xlsx"
        os.replace(saved, target)
    return True


def write_marked(source: str | Path, target: str | Path, report: SubmissionReport) -> bool:
    """Write the marked copy of ``source`` to ``target`` (atomically); False if openpyxl cannot
    open the format (an .xls or .ods is checked but gets no marked copy)."""

    def mark(book: Any) -> None:
        _write_findings(book, report)
        _write_progress(book, report)

    return edit_copy(Path(source), Path(target), mark)
