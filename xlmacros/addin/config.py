"""The add-in's config sheet, as xlwings' own VBA reads it, and where the add-in keeps its log.

xlwings' add-in module (``xlwings_custom_addin.bas``) looks for a sheet named
``PROJECT_NAME & ".conf"`` in the active workbook, then in the add-in itself, and reads column A
(keys, compared upper-cased) and column B (values) from A1 down to the first empty key. The
build sets ``PROJECT_NAME`` to ours, names the sheet after it and writes the keys below; ``tidu
addin install`` rewrites the sheet with the interpreter of the Python it runs in.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

PROJECT_NAME = "tidu"
CONFIG_SHEET_NAME = f"{PROJECT_NAME}.conf"
SHEET_PART = "xl/worksheets/sheet1.xml"  # the template's only worksheet, the config sheet
UDF_MODULES = "tidu.xlmacros.udfs"

KEY_INTERPRETER = "Interpreter_Win"
KEY_UDF_MODULES = "UDF Modules"
KEY_UDF_SERVER = "Use UDF Server"
KEY_SHOW_CONSOLE = "Show Console"

_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
         'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
         '<sheetPr codeName="Sheet2"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
         '<sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="1" width="18" customWidth="1"/>'
         '<col min="2" max="2" width="60" customWidth="1"/></cols><sheetData>')
_TAIL = ('</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
         '</worksheet>')


#: Where the offline bundle's install.cmd makes tidu's Python (xlwings' VBA expands %VARIABLES%),
#: so the add-in as built already finds it; ``tidu addin install`` writes the actual path.
DEFAULT_INTERPRETER = r"%LOCALAPPDATA%\tidu\venv\Scripts\python.exe"


def default_config(interpreter: str = DEFAULT_INTERPRETER) -> dict[str, str | bool]:
    """The keys we set, in sheet order (every one is a key xlwings' VBA reads)."""
    return {KEY_INTERPRETER: interpreter, KEY_UDF_MODULES: UDF_MODULES, KEY_UDF_SERVER: False,
            KEY_SHOW_CONSOLE: False}


def _cell(ref: str, value: str | bool) -> str:
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def config_sheet_xml(config: dict[str, str | bool]) -> bytes:
    """The config sheet: one key per row from A1 down, its value in column B."""
    rows = "".join(f'<row r="{i}">{_cell(f"A{i}", key)}{_cell(f"B{i}", value)}</row>'
                   for i, (key, value) in enumerate(config.items(), start=1))
    return (_HEAD + rows + _TAIL).encode("utf-8")


def read_config(xlam: str | Path) -> dict[str, str | bool]:
    """The config sheet of an add-in file as xlwings' VBA reads it: keys from A1 down to the
    first empty one, each with the value beside it (read with calamine, which opens .xlam)."""
    import io

    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(Path(xlam).read_bytes()))
    out: dict[str, str | bool] = {}
    for row in book.get_sheet_by_name(CONFIG_SHEET_NAME).to_python():
        key = row[0] if row else ""
        if key in (None, ""):
            break
        out[str(key)] = row[1] if len(row) > 1 and row[1] is not None else ""
    return out


def write_config(xlam: str | Path, config: dict[str, str | bool]) -> None:
    """Replace the config sheet of an add-in file in place (member order and timestamps kept)."""
    xlam = Path(xlam)
    staged = xlam.with_name(xlam.name + ".tmp")
    with zipfile.ZipFile(xlam) as src, zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = config_sheet_xml(config) if info.filename == SHEET_PART else src.read(info.filename)
            dst.writestr(info, data, compresslevel=9)
    os.replace(staged, xlam)


def log_file() -> Path:
    """Where the buttons write tracebacks: %LOCALAPPDATA%\\tidu\\tidu-excel.log on Windows."""
    base = os.environ.get("LOCALAPPDATA") or os.path.join(Path.home(), ".local", "state")
    return Path(base) / "tidu" / "tidu-excel.log"
