"""`tidu addin build`: tidu.xlam from text sources kept in the repository.

The base is the ribbon add-in that ``xlwings quickstart --addin --ribbon`` produces (shipped
inside the xlwings package): its VBA project keeps xlwings' own module (RunPython) and gets
our callbacks module from ``tidu_ribbon.bas`` (written with pyOpenVBA, pure Python); its ribbon
is replaced by the XML generated from ``buttons.BUTTONS``; its config sheet names our UDF
module. The zip is rewritten in a fixed order with fixed timestamps, so the same sources give
the same bytes.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from pyopenvba import ExcelFile
from tidu.workbook.xl import atomic_path
from tidu.xlmacros.addin.customui import customui_xml

BAS = Path(__file__).with_name("tidu_ribbon.bas")
MODULE = "TiduRibbon"
SAMPLE_MODULE = "RibbonMyAddin"  # the quickstart's sample callback, replaced by ours
UDF_MODULES = "tidu.xlmacros.udfs"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
CUSTOMUI = "customUI/customUI.xml"
CONFIG_SHEET = "xl/worksheets/sheet1.xml"  # the add-in's xlwings.conf sheet


def xlwings_base() -> Path:
    """The xlwings ribbon add-in template, located without importing xlwings."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("xlwings 未安装：pip install xlwings")
    return Path(spec.origin).parent / "quickstart_addin_ribbon.xlam"


def vba_source() -> str:
    """Our VBA module as the VBA editor stores it: CRLF lines, code page 1252 only."""
    text = BAS.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\n", "\r\n")
    text.encode("cp1252")  # raises for any character VBA cannot hold (Chinese goes in the ribbon XML)
    return text


def _with_vba_project(base: Path, target: Path) -> None:
    """The base's VBA project, its sample callback module replaced by ours."""
    shutil.copyfile(base, target)
    with ExcelFile(str(target)) as book:
        project = book.vba_project()
        if SAMPLE_MODULE in book.module_names():
            project.delete_module(SAMPLE_MODULE)
        project.add_module(MODULE, vba_source())
        book.save()


def _config_sheet(xml: bytes) -> bytes:
    """Fill "UDF Modules" on the xlwings.conf sheet (row 6 of the template) with ours."""
    row = re.search(rb'<row r="6"[^>]*>.*?</row>', xml)
    if row is None:
        return xml
    cell = b'<c r="B6" s="1" t="inlineStr"><is><t>' + UDF_MODULES.encode() + b"</t></is></c>"
    fixed = re.sub(rb"</row>$", cell + b"</row>", row.group(0)).replace(b'spans="1:1"', b'spans="1:2"')
    return xml[: row.start()] + fixed + xml[row.end():]


def _rewrite(source: Path, target: Path, replace: dict[str, bytes]) -> None:
    """Copy a package member by member, sorted, with fixed timestamps (reproducible bytes)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in sorted(src.namelist()):
            data = replace.get(name, src.read(name))
            if name == CONFIG_SHEET:
                data = _config_sheet(data)
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, data, compresslevel=9)


def build_addin(output: str | Path = "tidu.xlam", base: Path | None = None) -> Path:
    """Build tidu.xlam at ``output`` (written atomically) and return its path."""
    output = Path(output)
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "staged.xlam"
        _with_vba_project(base or xlwings_base(), staged)
        with atomic_path(output) as out:
            _rewrite(staged, out, {CUSTOMUI: customui_xml().encode("utf-8")})
    return output


def build_selftest_workbook(output: str | Path) -> Path:
    """An ordinary .xlsm whose VBA project holds our module, written the same way as in the
    add-in, for LibreOffice to compile and run (it cannot compile xlwings' own module)."""
    output = Path(output)
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "selftest.xlsm"
        with ExcelFile.create_new(str(staged)) as book:
            book.vba_project().add_module(MODULE, vba_source())
            book.save()
        with atomic_path(output) as out:
            _rewrite(staged, out, {})
    return output
