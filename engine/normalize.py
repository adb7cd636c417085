"""Turning what real cells hold into clean values.

Real files hold numbers stored as text, "2,000", full-width digits and spaces, Excel serial
dates, dates typed as text in several Chinese styles, and control characters. Each function
returns the clean value, or raises :class:`BadValue` with a stable problem code.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from typing import Any

_C0 = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f"  # control characters a cell must not hold (tab, CR, LF aside)
_C0_CONTROL = re.compile(f"[{_C0}]")
# reading: zero-width marks and bidirectional controls go too (a name must not display reversed)
_CONTROL = re.compile(f"[{_C0}\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]")
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_FILENAME_FORBIDDEN = re.compile(r'[\\/:*?"<>|]')
_DATE_MONTH_FIRST = re.compile(r"^\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_EXCEL_LAST = 2958466  # serials below this are 1900-01-01 .. 9999-12-31


class BadValue(ValueError):
    """A cell whose content cannot be read as the column's kind; ``code`` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def strip_controls(text: str) -> str:
    """Text without the control characters a cell cannot hold (for what tidu writes)."""
    return _C0_CONTROL.sub("", text)


# --- what every writer puts in a cell (DESIGN §7, §12: text from a submission is hostile) --------

#: Excel's limit is 32,767 characters a cell.
MAX_CELL_TEXT = 32_000
#: Bidirectional controls reorder what is shown (a name can display reversed or disguised).
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: Characters a spreadsheet takes as the start of a formula, ASCII and full-width.
_FORMULA_START = ("=", "+", "-", "@", "＝", "＋", "－", "＠")


def safe_text(value: Any) -> str:
    """Any value as plain, printable text for a cell, whichever library writes it.

    Control characters (but tab and line breaks) and bidirectional controls are dropped, the
    length is capped. Whether the text must be kept from being taken for a formula is
    :func:`looks_like_formula`; how to keep it so depends on the writer (``tidu.workbook.xl.
    write_text`` for XlsxWriter, a leading apostrophe through xlwings, ``data_type`` in openpyxl).
    """
    if value is None:
        return ""
    if isinstance(value, (dt.datetime, dt.date)):
        text = value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    else:
        text = str(value)
    if not text.isprintable():
        # a carriage return is a line break in a cell (XlsxWriter would store it as _x000D_)
        text = _BIDI.sub("", _C0_CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))
    return text[:MAX_CELL_TEXT]


def looks_like_formula(text: str) -> bool:
    """Text a spreadsheet would take for a formula or a command: =, +, -, @ (or full-width),
    even after leading spaces, tabs or line breaks."""
    return text.lstrip(" \t\r\n\u3000").startswith(_FORMULA_START)


def safe_filename(text: str) -> str:
    """Text usable in a file name on Windows: the characters it forbids become "_"."""
    return _FILENAME_FORBIDDEN.sub("_", text)


def from_excel_serial(value: Any) -> dt.datetime | None:
    """An Excel serial date-time (1900 system) as a datetime; None outside Excel's range."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < _EXCEL_LAST:
        return _EXCEL_EPOCH + dt.timedelta(days=float(value))
    return None


def clean_text(value: Any) -> str | None:
    """Text as a person meant it: NFKC (full-width → ASCII), no control characters, single spaces."""
    if value is None:
        return None
    if type(value) is str:
        # Most cells are already clean: return them untouched after a few C-speed checks.
        if value and value.isprintable() and "  " not in value and value[0] != " " and value[-1] != " " and (
                value.isascii() or unicodedata.is_normalized("NFKC", value)):
            return value
        text = value
    else:
        if isinstance(value, float):
            if math.isnan(value):
                return None
            if value.is_integer():
                value = int(value)  # an id typed as 1 reads back as 1.0
        if isinstance(value, dt.datetime) and value.time() == dt.time():
            value = value.date()
        text = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
    # The checks are cheap C calls; the costly steps run only on text that needs them.
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if not text.isprintable():
        text = _CONTROL.sub("", text)
    text = " ".join(text.split())
    return text or None


def clean_code(value: Any) -> str | None:
    """An identifier (credit code, activity id): clean text without any space, upper case."""
    if type(value) is str and value.isascii() and value.isalnum():
        return value.upper()  # the usual credit code or id, in one C-speed step
    text = clean_text(value)
    return text.replace(" ", "").upper() if text else None


def to_number(value: Any) -> float | None:
    """A number from a number or from text such as "2,000", "１２", " 15 %"; None when blank."""
    kind = type(value)
    if kind is float:  # the common case, first (tens of thousands of cells per workbook)
        if value != value or value in (math.inf, -math.inf):
            raise BadValue("number-invalid")
        return value
    if kind is int:
        return float(value)
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            raise BadValue("number-invalid")
        return float(value)
    text = clean_text(value)
    if text is None:
        return None
    text = text.replace(",", "").replace(" ", "").removesuffix("%")
    try:
        number = float(text)
    except ValueError:
        raise BadValue("number-invalid") from None
    if math.isnan(number) or math.isinf(number):
        raise BadValue("number-invalid")
    return number


_COUNT_TEXT = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


def to_count(value: Any) -> int | None:
    """A non-negative whole number (counts of enterprises, attendees).

    Text must be plain digits (thousands separators and full-width digits allowed): ``1e3``,
    ``inf`` or ``三家`` are not counts.
    """
    if type(value) is float and value >= 0 and value.is_integer():
        return int(value)
    if type(value) is int and value >= 0:
        return value
    if isinstance(value, str):
        text = clean_text(value)
        if text is None:
            return None
        if not _COUNT_TEXT.match(text.replace(" ", "")):
            raise BadValue("number-invalid")
    number = to_number(value)
    if number is None:
        return None
    if number < 0:
        raise BadValue("count-negative")
    if not number.is_integer():
        raise BadValue("count-not-integer")
    return int(number)


def to_date(value: Any) -> dt.date | None:
    """A date from a date cell, an Excel serial number, or text like 2021-3-5 / 2021年3月5日."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        when = from_excel_serial(value)
        if when is None:
            raise BadValue("date-invalid")
        return when.date()
    text = clean_text(value)
    if text is None:
        return None
    if _DATE_MONTH_FIRST.match(text):
        raise BadValue("date-ambiguous")  # 3/5/2021: March 5th or 3 May? Refused, never guessed
    match = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if match:
        try:
            return dt.date(*map(int, match.groups()))
        except ValueError:
            raise BadValue("date-invalid") from None
    try:
        serial = float(text)
    except ValueError:
        raise BadValue("date-invalid") from None
    return to_date(serial)


# --- whole columns at once (the reader's hot path) -----------------------------------------------

def _is_clean_text_column(values: list[Any], joined: str | None = None) -> bool:
    """True when every cell is text that :func:`clean_text` would return unchanged (or blank).

    The checks are the per-cell fast path of ``clean_text`` done once over the column: every cell
    printable (their concatenation is, character by character; so none holds NUL), then the cells
    joined by NUL, which cannot compose with a
    neighbour and creates no double or edge space, so the joined text passes exactly when every
    cell does.
    """
    joined = "\x00".join(values) if joined is None else joined
    return ("".join(values).isprintable() and "  " not in joined and " \x00" not in joined
            and "\x00 " not in joined and joined[:1] != " " and joined[-1:] != " "
            and (joined.isascii() or unicodedata.is_normalized("NFKC", joined)))


_NUMBER_KINDS = frozenset({"amount", "percent", "signed_percent", "count"})


def _bulk(kind: str, values: list[Any]) -> list[Any] | None:
    """The clean values of a whole column when its cells are the usual kind, else None.

    Blank cells are "" (calamine) or None (xlwings); anything unusual returns None, and the
    caller cleans that column cell by cell.
    """
    if kind in _TEXT_KINDS:
        texts = _texts(values)
        if texts is None:
            return None
        values, joined = texts
        if kind != "code":
            return _blank_as_none(values) if _is_clean_text_column(values, joined) else None
        # clean_code is clean_text without spaces, upper case: for a clean column with no space,
        # that is each cell in upper case
        if " " not in joined and _is_clean_text_column(values, joined):
            upper = joined.upper()  # one C call; upper case never adds or drops a NUL
            return _blank_as_none(values if upper == joined else upper.split("\x00"))
        return None
    types = set(map(type, values))
    if type(None) in types:
        values = ["" if v is None else v for v in values]
        types.discard(type(None))
        types.add(str)
    if kind in _NUMBER_KINDS:
        if not types <= {float, str}:
            return None
        numbers = values if str not in types else [v for v in values if v != ""]
        if str in types and any(type(v) is not float for v in numbers):
            return None  # numbers typed as text: the per-cell path reads them
        if not all(map(math.isfinite, numbers)):
            return None
        if kind == "count":
            if numbers and (min(numbers) < 0 or not all(map(float.is_integer, numbers))):
                return None
            return [None if v == "" else int(v) for v in values] if str in types else list(map(int, values))
        return _empty_as_none(values, str in types)
    elif kind == "date" and types <= {dt.date, str} and (
            str not in types or all(v == "" for v in values if type(v) is str)):
        return _empty_as_none(values, str in types)
    return None


_TEXT_KINDS = frozenset({"text", "list", "code"})


def _texts(values: list[Any]) -> tuple[list[str], str] | None:
    """The cells as texts (a blank None as "") and joined by NUL, or None if one is not text.

    The join is the type check: it fails at C speed on the first cell that is not a str, which is
    the rare case (calamine gives a text column's blanks as "")."""
    try:
        return values, "\x00".join(values)
    except TypeError:
        if not all(v is None or type(v) is str for v in values):
            return None
        values = ["" if v is None else v for v in values]
        return values, "\x00".join(values)


def _empty_as_none(values: list[Any], any_empty: bool) -> list[Any]:
    """The values (numbers or dates) with each empty cell ("") as None; a column without one is
    copied at C speed."""
    return [None if v == "" else v for v in values] if any_empty else values[:]


def _blank_as_none(texts: list[str]) -> list[str | None]:
    """The texts with each blank ("") as None; a column with no blank (the usual case) is copied
    at C speed instead of cell by cell."""
    return [v or None for v in texts] if "" in texts else texts[:]


#: The cleaner of each column kind of the contract (``schemas.contract.Column.kind``).
CLEANERS: dict[str, Callable[[Any], Any]] = {
    "text": clean_text, "list": clean_text, "code": clean_code, "date": to_date,
    "count": to_count, "amount": to_number, "percent": to_number, "signed_percent": to_number,
}


def clean_column(kind: str, values: list[Any]) -> tuple[list[Any], dict[int, str]]:
    """Clean a whole column: values (None for blank or unreadable) and the problem code of each
    cell that was bad, by index. The same result as the kind's cleaner on each cell, with
    C-speed steps for usual columns."""
    fast = _bulk(kind, values)
    if fast is not None:
        return fast, {}
    cleaner = CLEANERS[kind]
    out: list[Any] = []
    bad: dict[int, str] = {}  # codes, not the exceptions: a kept traceback holds this frame (a cycle)
    for i, cell in enumerate(values):
        if cell is None or cell == "":
            out.append(None)
            continue
        try:
            out.append(cleaner(cell))
        except BadValue as exc:
            out.append(None)
            bad[i] = exc.code
    return out, bad
