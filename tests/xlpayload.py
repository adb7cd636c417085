"""The JSON payload Excel sends to xlwings' remote engine, made from a real workbook on disk.

Used to run the Excel front doors on Linux: ``xw.Book(json=payload(path))`` runs the real
xlwings Book/Range code, and the test reads what it would do from ``book.json()["actions"]``.
Cell values are the workbook's stored values (openpyxl, data_only), dates as the ISO text the
client sends, every defined name with its sheet index and address, and no notes yet.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import openpyxl
import xlwings as xw

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # PolyForm Noncommercial (DESIGN §10)


def _value(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(v, dt.date):
        return f"{v.isoformat()}T00:00:00.000Z"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    return v


def payload(path: str | Path, skip: tuple[str, ...] = ("_calc", "_lists")) -> dict[str, Any]:
    """The payload of a workbook; ``skip`` leaves out helper sheets (as an add-in's exclude list would)."""
    book = openpyxl.load_workbook(path, data_only=True)
    names = [ws.title for ws in book.worksheets if ws.title not in skip]
    sheets = []
    for name in names:
        ws = book[name]
        rows = [[_value(v) for v in row] for row in ws.iter_rows(min_row=1, max_row=ws.max_row,
                                                                  max_col=ws.max_column, values_only=True)]
        sheets.append({"name": name, "values": rows or [[]], "pictures": [], "tables": [], "notes": [],
                       "notes_supported": True})
    defined = []
    for name, dn in book.defined_names.items():
        for sheet, ref in dn.destinations:
            if sheet in names:
                defined.append({"name": name, "sheet_index": names.index(sheet), "address": ref.replace("$", ""),
                                "book_scope": True})
    return {"client": "Office.js", "version": xw.__version__,
            "book": {"name": Path(path).name, "active_sheet_index": 0, "selection": "A1"},
            "names": defined, "sheets": sheets}


def open_payload(data: dict[str, Any]) -> xw.Book:
    return xw.Book(json=data)


def apply(data: dict[str, Any], actions: list[dict[str, Any]]) -> dict[str, Any]:
    """What the workbook's payload is after Excel ran the actions (values and notes; fills are not
    part of the payload). Lets a test press a button a second time on the result of the first."""
    sheets = data["sheets"]
    for action in actions:
        sheet = sheets[action["sheet_position"]] if action.get("sheet_position") is not None else None
        func = action["func"]
        if func == "setValues":
            values = sheet["values"]
            r0, c0 = action["start_row"], action["start_column"]
            for i, row in enumerate(action["values"]):
                while len(values) <= r0 + i:
                    values.append([])
                target = values[r0 + i]
                for j, v in enumerate(row):
                    while len(target) <= c0 + j:
                        target.append("")
                    target[c0 + j] = _display(v)
            width = max(len(r) for r in values)
            for r in values:
                r.extend([""] * (width - len(r)))
        elif func == "rangeClearContents":
            r0, c0 = action["start_row"], action["start_column"]
            for i in range(action["row_count"]):
                for j in range(action["column_count"]):
                    if r0 + i < len(sheet["values"]) and c0 + j < len(sheet["values"][r0 + i]):
                        sheet["values"][r0 + i][c0 + j] = ""
        elif func == "addNote":
            sheet["notes"].append({"address": action["args"][0]})
        elif func == "deleteNote":
            sheet["notes"] = [n for n in sheet["notes"] if n["address"] != action["args"][0]]
    return data


def _display(v: Any) -> Any:
    """What a cell shows after a value is written: a HYPERLINK formula shows its friendly name."""
    if isinstance(v, str) and v.startswith("=HYPERLINK("):
        return v.rsplit(",", 1)[1].rstrip(')"').lstrip('"')
    if isinstance(v, str) and v.startswith("'"):
        return v[1:]
    return v
