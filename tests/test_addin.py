"""tidu.xlam, checked against its real consumers: xlwings' own VBA (read back out of the built
add-in with olevba), calamine for its sheets, and LibreOffice running our VBA modules."""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import io
import json
import os
import re
import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
import xlwings
from oletools.olevba import VBA_Parser
from python_calamine import CalamineWorkbook
from tidu.engine.cli.main import main
from tidu.xlmacros import ribbon, udfs
from tidu.xlmacros.addin import vbatext
from tidu.xlmacros.addin.build import BAS, MODULE, build_addin, build_selftest_workbook, vba_source
from tidu.xlmacros.addin.buttons import BUTTONS, TAB_LABEL
from tidu.xlmacros.addin.customui import NAMESPACE, customui_xml

from tidu import __version__

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = "/usr/bin/python3"
LO_MACRO = Path(__file__).with_name("lo_macro.py")
# Words VBA reserves: a wrapper parameter named like one does not compile (and takes every UDF down)
VBA_RESERVED = {"date", "string", "integer", "long", "double", "boolean", "variant", "object", "single", "byte",
                "currency", "error", "end", "exit", "for", "next", "if", "then", "else", "to", "step", "sub",
                "function", "property", "dim", "as", "new", "set", "let", "get", "call", "type", "with", "loop",
                "do", "while", "wend", "select", "case", "and", "or", "not", "xor", "is", "like", "mod", "me",
                "nothing", "empty", "null", "true", "false", "option", "private", "public", "static", "const",
                "global", "on", "goto", "resume", "stop", "open", "close", "input", "print", "name", "kill",
                "lock", "unlock", "len", "line", "seek", "each", "in", "preserve", "redim", "erase", "friend",
                "optional", "paramarray", "byval", "byref", "declare", "lib", "alias", "event", "raiseevent",
                "implements", "enum", "attribute", "debug", "array", "spc", "tab", "binary", "random", "access",
                "append", "output", "shared", "write", "width", "date$", "lset", "rset", "typeof"}


@pytest.fixture(scope="module")
def addin(tmp_path_factory) -> Path:
    return build_addin(tmp_path_factory.mktemp("addin") / "tidu.xlam")


@pytest.fixture(scope="module")
def modules(addin) -> dict[str, str]:
    """The add-in's VBA modules as olevba extracts them."""
    parser = VBA_Parser(str(addin))
    try:
        return {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


@pytest.fixture(scope="module")
def xlwings_vba(modules) -> str:
    """xlwings' own module as embedded in the add-in (what Excel will run)."""
    return modules["xlwings"]


def _code(text: str) -> str:
    """VBA source without the Attribute lines the editor adds, with uniform line ends."""
    lines = text.replace("\r\n", "\n").split("\n")
    return "\n".join(line for line in lines if not line.startswith("Attribute ")).strip()


def _const(source: str, name: str) -> str:
    found = re.findall(rf'^\s*Public Const {name} As String = "([^"]*)"', source, re.M)
    assert len(found) == 1, f"{name} defined {len(found)} times"
    return found[0]


def _sheet_names(addin: Path) -> list[str]:
    return CalamineWorkbook.from_filelike(io.BytesIO(addin.read_bytes())).sheet_names


def _config_rows(addin: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(addin.read_bytes())).get_sheet_by_name(sheet).to_python()


# --- the config sheet, as xlwings' VBA reads it ---------------------------------------------


def _conf_sheet_name_the_vba_reads(vba: str) -> str:
    """The sheet name xlwings' GetConfigFromSheet opens: ``wb.Sheets(<const> & "<suffix>")``."""
    body = re.search(r"Function GetConfigFromSheet\(.*?End Function", vba, re.S).group(0)
    const, suffix = re.search(r'Set sht = wb\.Sheets\((\w+) & "([^"]+)"\)', body).groups()
    return _const(vba, const) + suffix


def test_config_sheet_is_named_as_the_vba_reads_it(addin, xlwings_vba):
    name = _conf_sheet_name_the_vba_reads(xlwings_vba)
    assert name == "tidu.conf"  # the project is tidu
    assert name in _sheet_names(addin)
    # GetConfig looks the sheet up by the same expression before reading it
    assert re.search(r'SheetExists\(ThisWorkbook, PROJECT_NAME & "\.conf"\)', xlwings_vba)


def _keys_the_vba_reads(vba: str) -> set[str]:
    return set(re.findall(r'GetConfig\("([^"]+)"', vba))


def test_every_key_we_write_is_one_the_vba_reads(addin, xlwings_vba):
    # GetConfigFromSheet stores column A upper-cased (d.Add UCase(cell.Value), cell.Offset(0, 1).Value)
    assert "d.Add UCase(cell.Value), cell.Offset(0, 1).Value" in xlwings_vba
    rows = _config_rows(addin, _conf_sheet_name_the_vba_reads(xlwings_vba))
    keys = [row[0] for row in rows if row and row[0] != ""]
    read = _keys_the_vba_reads(xlwings_vba)
    assert keys and all(k.upper() in read for k in keys), (keys, sorted(read))
    config = {row[0].upper(): row[1] for row in rows}
    assert config["UDF MODULES"] == "tidu.xlmacros.udfs"
    # the offline bundle's Python until tidu addin install writes this PC's
    assert config["INTERPRETER_WIN"] == r"%LOCALAPPDATA%\tidu\venv\Scripts\python.exe"
    importlib.import_module(config["UDF MODULES"])


def test_config_keys_are_contiguous_from_a1(addin):
    # the VBA reads from A1 down to the first empty key (Range("A1").End(xlDown))
    rows = _config_rows(addin, "tidu.conf")
    keys = [row[0] for row in rows]
    assert "" not in keys[: len([k for k in keys if k])]


# --- the VBA project ------------------------------------------------------------------------


def test_project_name_constant_is_tidu(xlwings_vba):
    assert _const(xlwings_vba, "PROJECT_NAME") == "tidu"


def test_embedded_xlwings_module_is_the_installed_xlwings_one(xlwings_vba):
    installed = (Path(xlwings.__file__).parent / "xlwings_custom_addin.bas").read_text(encoding="cp1252")
    strip = lambda s: re.sub(r'PROJECT_NAME As String = "[^"]*"', "", _code(s))  # noqa: E731
    assert strip(xlwings_vba) == strip(installed)


def test_xlwings_is_pinned_to_the_embedded_vba_version(xlwings_vba):
    embedded = _const(xlwings_vba, "XLWINGS_VERSION")
    assert embedded == xlwings.__version__
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    pins = [d.split(";")[0].replace(" ", "") for d in deps if re.match(r"xlwings\b", d)]
    assert pins == [f"xlwings=={embedded}"]
    assert f"xlwings=={embedded}" in [r.replace(" ", "") for r in importlib.metadata.requires("tidu")]


def test_tidu_version_is_inside_the_addin(modules, addin):
    assert _const(modules[vbatext.MODULE], "TIDU_VERSION") == __version__  # what each click sends
    with zipfile.ZipFile(addin) as zf:
        core = ElementTree.fromstring(zf.read("docProps/core.xml"))
    cp = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"
    assert core.find(f"{cp}version").text == __version__
    assert __version__ in core.find("{http://purl.org/dc/elements/1.1/}title").text  # Excel's add-ins dialog


@pytest.mark.parametrize("function", udfs.UDFS, ids=lambda f: f.__name__)
def test_each_cell_function_has_one_vba_wrapper(modules, function):
    everything = "\n".join(modules.values())
    found = re.findall(rf"^Function {function.__name__}\((.*)\)\s*$", everything, re.M)
    assert len(found) == 1
    params = [p.strip() for p in found[0].split(",")]
    assert params == list(inspect.signature(function).parameters)
    assert not {p.lower() for p in params} & VBA_RESERVED
    body = re.search(rf"^Function {function.__name__}\(.*?^End Function", everything, re.M | re.S).group(0)
    # add-in wrappers act on the active workbook (xlwings' generator, for an .xlam)
    assert f'XLPy.CallUDF("tidu.xlmacros.udfs", "{function.__name__}"' in body and "ActiveWorkbook" in body


def test_there_are_five_cell_functions(modules):
    names = re.findall(r"^Function (TIDU_\w+)\(", "\n".join(modules.values()), re.M)
    assert sorted(names) == sorted(f.__name__ for f in udfs.UDFS)
    assert len(names) == 5
    assert "#Const App = \"Microsoft Excel\"" in modules["xlwings_udfs"]


def test_olevba_extracts_exactly_our_module(modules):
    assert _code(modules[MODULE]) == _code(BAS.read_text(encoding="utf-8"))
    assert "Function RunPython" in modules["xlwings"]
    assert "RibbonMyAddin" not in modules  # the quickstart's sample callback is gone


def test_vba_text_is_code_page_1252(modules):
    vba_source().encode("cp1252")
    assert not re.search(r"[\u4e00-\u9fff]", BAS.read_text(encoding="utf-8"))
    for code in modules.values():
        assert not re.search(r"[\u4e00-\u9fff]", code)


# --- ribbon and callbacks -------------------------------------------------------------------


def test_build_is_reproducible(addin, tmp_path):
    again = build_addin(tmp_path / "again.xlam")
    assert again.read_bytes() == addin.read_bytes()


def test_cli_builds_the_addin(tmp_path):
    assert main(["addin", "build", "-o", str(tmp_path / "x.xlam")]) == 0
    assert zipfile.is_zipfile(tmp_path / "x.xlam")


def test_ribbon_xml(addin):
    with zipfile.ZipFile(addin) as zf:
        xml = zf.read("customUI/customUI.xml").decode("utf-8")
    assert xml == customui_xml()
    root = ElementTree.fromstring(xml)
    ns = {"ui": NAMESPACE}
    assert root.find(".//ui:tab", ns).get("label") == TAB_LABEL
    buttons = root.findall(".//ui:button", ns)
    assert [b.get("label") for b in buttons] == ["校验", "汇总", "差距", "评估", "导出上报"]
    assert all(b.get("imageMso") and re.search(r"[\u4e00-\u9fff]", b.get("supertip")) for b in buttons)


def test_every_on_action_has_its_sub_and_every_entry_exists():
    source = BAS.read_text(encoding="utf-8")
    subs = dict(re.findall(r'Public Sub (\w+)\(control As Object\)\s+TiduRun "(\w+)"', source))
    for b in BUTTONS:
        assert subs.get(b.callback) == b.entry, f"{b.callback} missing or calls another entry"
        assert b.entry in ribbon.ENTRIES
    assert sorted(re.findall(r'onAction="(\w+)"', customui_xml())) == sorted(subs)


def _procedure(source: str, name: str) -> str:
    return re.search(rf"(Sub|Function) {name}\(.*?End (Sub|Function)", source, re.S).group(0)


def test_a_click_is_guarded_before_python_runs():
    source = BAS.read_text(encoding="utf-8")
    run = _procedure(source, "TiduRun")
    assert run.index("On Error GoTo failed") < run.index("TiduBlocked()") < run.index("RunPython")
    assert "Exit Sub" in run[run.index("TiduBlocked()"):run.index("RunPython")]
    blocked = _procedure(source, "TiduBlocked")
    # Protected View first (ActiveWorkbook is Nothing there too), then no workbook, then the interpreter
    order = [blocked.index(s) for s in ("ActiveProtectedViewWindow", "ActiveWorkbook Is Nothing",
                                        "TiduInterpreterProblem(")]
    assert order == sorted(order)
    for key in re.findall(r'TiduText\("(\w+)"\)', source):
        assert key in vbatext.TEXTS


# --- LibreOffice runs our modules -------------------------------------------------------------


def _uno_available() -> bool:
    return bool(shutil.which("soffice")) and Path(SYSTEM_PYTHON).exists() and subprocess.run(
        [SYSTEM_PYTHON, "-c", "import uno"], capture_output=True).returncode == 0


@pytest.mark.libreoffice
def test_libreoffice_compiles_and_runs_our_modules(tmp_path):
    if not _uno_available():
        if os.environ.get("CI"):
            pytest.fail("CI needs LibreOffice with python3-uno (.ci/run installs them)")
        pytest.skip("LibreOffice with python3-uno is not installed")
    workbook = build_selftest_workbook(tmp_path / "selftest.xlsm")
    parser = VBA_Parser(str(workbook))
    same = {Path(n).stem: c for _, _, n, c in parser.extract_macros()}[MODULE]
    parser.close()
    assert _code(same) == _code(vba_source())
    uris = [f"vnd.sun.star.script:VBAProject.{module}.{function}?language=Basic&location=document"
            for module, function in ((MODULE, "TiduSelfTest"), (vbatext.MODULE, "TiduTextDump"))]
    done = subprocess.run([SYSTEM_PYTHON, str(LO_MACRO), str(workbook), str(tmp_path / "profile"), *uris],
                          capture_output=True, text=True, timeout=180)
    results = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert len(results) == 2, done.stderr[-2000:]
    assert results[0] == f"ok {__version__}"
    # the Chinese texts, as LibreOffice assembles them from ChrW, are the ones in vbatext.TEXTS
    assert results[1].split("\n")[:-1] == list(vbatext.TEXTS.values())


@pytest.mark.libreoffice
def test_libreoffice_reads_the_config_sheet(addin, tmp_path):
    """A spreadsheet application reads tidu.conf as xlwings' VBA will (LibreOffice does not open
    add-ins, so the copy it gets declares itself an ordinary macro workbook)."""
    from .libreoffice import recalculate

    copy = tmp_path / "tidu-as-workbook.xlsm"
    with zipfile.ZipFile(addin) as src, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "[Content_Types].xml":
                data = data.replace(b"addin.macroEnabled.main+xml", b"sheet.macroEnabled.main+xml")
            dst.writestr(name, data)
    csv = recalculate(copy, tmp_path, "csv")  # the first (only) sheet: tidu.conf
    rows = [line.split(",", 1) for line in csv.read_text(encoding="utf-8").splitlines()]
    assert {k.upper(): v for k, v in rows} == {
        "INTERPRETER_WIN": r"%LOCALAPPDATA%\tidu\venv\Scripts\python.exe", "UDF MODULES": "tidu.xlmacros.udfs",
        "USE UDF SERVER": "FALSE", "SHOW CONSOLE": "FALSE"}
