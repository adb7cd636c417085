"""Small helpers over xlsxwriter shared by the workbook builders: references, formats, safe writes."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from tidu.engine.normalize import looks_like_formula, safe_text
from tidu.schemas.results import AMBER_AT, GREEN_AT
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

FONT = "等线"  # Excel's CJK default; WPS and LibreOffice substitute a CJK font when absent
#: A book's default cell (``default_format_properties``): what the cells of long tables written
#: without a format of their own look like (a format per cell costs XlsxWriter a quarter of its
#: time); printed gridlines draw their borders. Pass a copy: XlsxWriter adds keys to the dict.
DEFAULT_CELL = {"font_name": FONT, "font_size": 10.5, "valign": "top"}


def sheet_ref(sheet: str, first_row: int, first_col: int, last_row: int | None = None,
              last_col: int | None = None) -> str:
    """An absolute reference such as ``'服务活动'!$D$2:$D$5001`` (0-based row/col arguments)."""
    first = xl_rowcol_to_cell(first_row, first_col, row_abs=True, col_abs=True)
    if last_row is None:
        return f"'{sheet}'!{first}"
    last = xl_rowcol_to_cell(last_row, last_col if last_col is not None else first_col,
                             row_abs=True, col_abs=True)
    return f"'{sheet}'!{first}:{last}"


def col_letter(col: int) -> str:
    return xl_col_to_name(col)


class Formats:
    """The workbook's cell formats, made once per workbook (xlsxwriter formats are per book)."""

    def __init__(self, book: Any):
        base = {"font_name": FONT, "font_size": 10.5, "valign": "vcenter"}
        self._book = book
        self._props: dict[int, dict[str, Any]] = {}
        self._quoted: dict[int, Any] = {}

        def fmt(**extra: Any) -> Any:
            props = {**base, **extra}
            made = book.add_format(props)
            self._props[id(made)] = props
            return made

        self.text = fmt()
        self.wrap = fmt(text_wrap=True, valign="top")
        self.code = fmt(num_format="@")
        self.date = fmt(num_format="yyyy-mm-dd")
        self.datetime = fmt(num_format="yyyy-mm-dd hh:mm:ss")
        self.int = fmt(num_format="0")
        self.amount = fmt(num_format="#,##0.00")
        self.number = fmt(num_format="0.0")
        self.percent = fmt(num_format="0.0%", align="center")
        self.center = fmt(align="center")
        self.header = fmt(bold=True, bg_color="#1F4E78", font_color="#FFFFFF", border=1,
                          align="center", text_wrap=True)
        self.header_required = fmt(bold=True, bg_color="#C00000", font_color="#FFFFFF", border=1,
                                   align="center", text_wrap=True)
        self.title = fmt(bold=True, font_size=16)
        self.subtitle = fmt(bold=True, font_size=12)
        self.label = fmt(bold=True, bg_color="#DDEBF7", border=1)
        self.cell = fmt(border=1, text_wrap=True, valign="top")
        self.name = fmt(border=1)
        self.cell_center = fmt(border=1, align="center")
        self.cell_int = fmt(border=1, align="center", num_format="0")
        self.cell_num = fmt(border=1, align="center", num_format="0.0")
        self.cell_percent = fmt(border=1, align="center", num_format="0.0%")
        self.highlight = fmt(border=1, bg_color="#FFF2CC", bold=True, text_wrap=True)
        self.highlight_center = fmt(border=1, bg_color="#FFF2CC", bold=True, align="center")
        self.total = fmt(border=1, bold=True, bg_color="#F2F2F2", align="center")
        self.input = fmt(border=1, bg_color="#FFFFE0", num_format="yyyy-mm-dd", align="center")
        self.note = fmt(italic=True, font_color="#595959", text_wrap=True, valign="top")
        self.good = book.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})
        self.warn = book.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"})
        self.bad = book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})

    def quoted(self, fmt: Any) -> Any:
        """The same format with Excel's quote prefix (text that must never turn into a formula)."""
        key = id(fmt)
        if key not in self._quoted:
            self._quoted[key] = self._book.add_format({**self._props.get(key, {}), "quote_prefix": True})
        return self._quoted[key]


def write_text(sheet: Any, row: int, col: int, value: Any, fmt: Any = None, fmts: Formats | None = None) -> None:
    """Write any value as literal text with XlsxWriter, whatever it holds.

    Every writer of text from outside goes through here. The text is cleaned by
    :func:`~tidu.engine.normalize.safe_text` and always written as a string cell, never a
    formula. Text that looks like a formula also gets Excel's quote prefix when ``fmts`` is
    given (it stays text after the clerk edits the cell). A text of the form ``<r>…</r>``, which
    XlsxWriter would copy raw into the XML as a rich string, is written as a rich string of plain
    runs instead, so it is escaped and reads back unchanged.
    """
    text = safe_text(value)
    if fmts is not None and looks_like_formula(text):
        fmt = fmts.quoted(fmt)
    extra = (fmt,) if fmt is not None else ()
    if text.startswith("<r>") and text.endswith("</r>"):
        sheet.write_rich_string(row, col, text[:1], text[1:2], text[2:], *extra)
    else:
        sheet.write_string(row, col, text, *extra)


#: Width of a column that names a workbook column (问题清单, the feedback files): the contract's
#: longest header (主导产品细分市场占有率(%)) fits on one line (a test checks).
COLUMN_NAME_WIDTH = 24


def wrapped_lines(text: str, width: int) -> int:
    """Lines a wrapped cell ``width`` characters wide needs for ``text``: spreadsheets do not size
    rows to wrapped text they load (LibreOffice, WPS), so writers set the height. A CJK character
    is about 1.8 widths of a digit (three bytes in UTF-8, an ASCII one one byte and one width), so
    the text is about 0.45 × (bytes + characters) wide."""
    return max(1, -(-(len(text.encode("utf-8")) + len(text)) * 9 // (20 * width)))


def traffic_lights(ws: Any, first: int, last: int, cols: Sequence[int], fmts: Formats,
                   red_for_numbers_only: bool = False) -> None:
    """Traffic lights on completion rates, by the one set of thresholds (``schemas.results``):
    ≥ GREEN_AT green, ≥ AMBER_AT amber, below red (with ``red_for_numbers_only`` an empty or text
    cell stays uncoloured). The first rule that holds decides (stop if true)."""
    for col in cols:
        ws.conditional_format(first, col, last, col, {"type": "cell", "criteria": ">=", "value": GREEN_AT,
                                                      "format": fmts.good, "stop_if_true": True})
        ws.conditional_format(first, col, last, col, {"type": "cell", "criteria": ">=", "value": AMBER_AT,
                                                      "format": fmts.warn, "stop_if_true": True})
        if red_for_numbers_only:
            cell = xl_rowcol_to_cell(first, col)
            ws.conditional_format(first, col, last, col, {"type": "formula", "format": fmts.bad,
                                                          "criteria": f"=AND(ISNUMBER({cell}),{cell}<{AMBER_AT})"})
        else:
            ws.conditional_format(first, col, last, col, {"type": "cell", "criteria": "<", "value": AMBER_AT,
                                                          "format": fmts.bad})


class Sheet:
    """A worksheet of a report-like workbook with safe writers: text through :func:`write_text`,
    numbers with a placeholder for None."""

    def __init__(self, book: Any, name: str, fmts: Formats):
        self.ws, self.fmts = book.add_worksheet(name), fmts

    def text(self, row: int, col: int, value: Any, fmt: Any = None) -> None:
        write_text(self.ws, row, col, value, fmt or self.fmts.cell, self.fmts)

    def number(self, row: int, col: int, value: float | int | None, fmt: Any = None, blank: str = "—") -> None:
        if value is None:
            self.ws.write_string(row, col, blank, self.fmts.cell_center)
        else:
            self.ws.write_number(row, col, value, fmt or self.fmts.cell_int)

    def headers(self, row: int, headers: Sequence[str], col: int = 0) -> None:
        for j, header in enumerate(headers):
            self.ws.write_string(row, col + j, header, self.fmts.header)

    def lights(self, first_row: int, last_row: int, cols: Sequence[int]) -> None:
        traffic_lights(self.ws, first_row, last_row, cols, self.fmts)

    def widths(self, widths: Sequence[float]) -> None:
        for j, width in enumerate(widths):
            self.ws.set_column(j, j, width)


def write_value(sheet: Any, row: int, col: int, value: Any, fmts: Formats) -> None:
    """Write one entry value by its Python type; text is always text, never a formula."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, (dt.datetime, dt.date)):
        sheet.write_datetime(row, col, value, fmts.date)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value)
    else:
        write_text(sheet, row, col, value, fmts=fmts)
