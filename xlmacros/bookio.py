"""Reading and writing an open workbook through the xlwings Range API (no business rule here).

One bulk read per sheet; writes go to output areas found through the workbook's defined names
(made by ``workbook/``), never through cell addresses spelled in code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import xlwings as xw
from tidu.engine.reader import READ_SHEETS
from xlwings.utils import col_name


def sheet_names(book: xw.Book) -> list[str]:
    return [s.name for s in book.sheets]


def read_sheets(book: xw.Book) -> dict[str, list[list[Any]]]:
    """The sheets the engine reads, each as rows from A1 to its last used cell (one read per sheet)."""
    present = set(sheet_names(book))
    out = {}
    for name in READ_SHEETS:
        if name in present:
            sheet = book.sheets[name]
            last = sheet.used_range.last_cell
            out[name] = sheet.range((1, 1), (last.row, last.column)).options(ndim=2).value
    return out


def header_columns(rows: list[list[Any]]) -> dict[str, int]:
    """Header text of row 1 → 1-based column number, as the workbook has it now."""
    header = rows[0] if rows else []
    return {str(v).strip(): j for j, v in enumerate(header, start=1) if v not in (None, "")}


def cell_address(row: int, column: int) -> str:
    return f"{col_name(column)}{row}"


def link_formula(sheet: str, row: int, column: int) -> str:
    """A HYPERLINK to a cell, showing its location as text that reads back as "sheet!A1"."""
    where = f"{sheet}!{cell_address(row, column)}"
    return f'=HYPERLINK("#\'{sheet}\'!{cell_address(row, column)}","{where}")'


def parse_location(text: Any) -> tuple[str, str] | None:
    """"服务活动!B5" → ("服务活动", "B5"), as link_formula shows it; None for anything else."""
    if not isinstance(text, str) or "!" not in text:
        return None
    sheet, _, address = text.rpartition("!")
    return (sheet, address) if sheet and address else None


def named_range(book: xw.Book, name: str) -> xw.Range:
    return book.names[name].refers_to_range


def block_rows(rng: xw.Range) -> list[list[Any]]:
    return rng.options(ndim=2).value


def clear_below(sheet: xw.Sheet, first_row: int, width: int) -> None:
    """Empty the rows an output area used before (from ``first_row`` to the sheet's last used row)."""
    last = sheet.used_range.last_cell.row
    if last >= first_row:
        sheet.range((first_row, 1), (last, width)).clear_contents()


def set_note(rng: xw.Range, text: str) -> bool:
    """Put a note on a cell unless it already has one (a clerk's note is never overwritten)."""
    if rng.note is not None:
        return False
    rng.add_note(text)
    return True


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)
