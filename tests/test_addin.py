"""tidu.xlam: built from text sources, reproducibly; checked by olevba and run in LibreOffice."""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from oletools.olevba import VBA_Parser
from tidu.engine.cli.main import main
from tidu.xlmacros.addin.build import BAS, MODULE, build_addin, build_selftest_workbook, vba_source
from tidu.xlmacros.addin.buttons import BUTTONS, TAB_LABEL
from tidu.xlmacros.addin.customui import NAMESPACE, customui_xml

SYSTEM_PYTHON = "/usr/bin/python3"
LO_MACRO = Path(__file__).with_name("lo_macro.py")


@pytest.fixture(scope="module")
def addin(tmp_path_factory) -> Path:
    return build_addin(tmp_path_factory.mktemp("addin") / "tidu.xlam")


def _code(text: str) -> str:
    """VBA source without the Attribute lines the editor adds, with uniform line ends."""
    lines = text.replace("\r\n", "\n").split("\n")
    return "\n".join(line for line in lines if not line.startswith("Attribute ")).strip()


def test_build_is_reproducible(addin, tmp_path):
    again = build_addin(tmp_path / "again.xlam")
    assert again.read_bytes() == addin.read_bytes()


def test_cli_builds_the_addin(tmp_path, capsys):
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
    assert [b.get("label") for b in buttons] == ["校验", "汇总", "差距", "导出上报"]
    assert all(b.get("imageMso") and re.search(r"[\u4e00-\u9fff]", b.get("supertip")) for b in buttons)


def test_every_on_action_has_its_sub_and_every_runpython_target_exists():
    source = BAS.read_text(encoding="utf-8")
    subs = dict(re.findall(r'Public Sub (\w+)\(control As Object\)\s+RunPython TiduCommand\("(\w+)"\)', source))
    ribbon = importlib.import_module("tidu.xlmacros.ribbon")
    for b in BUTTONS:
        assert subs.get(b.callback) == b.entry, f"{b.callback} missing or calls another entry"
        assert callable(getattr(ribbon, b.entry))
    on_actions = re.findall(r'onAction="(\w+)"', customui_xml())
    assert sorted(on_actions) == sorted(subs)
    command = re.search(r'TiduCommand = "import (\S+) as ribbon; ribbon\." & entry', source)
    assert command and command.group(1) == "tidu.xlmacros.ribbon"


def test_vba_text_is_code_page_1252():
    vba_source().encode("cp1252")
    assert not re.search(r"[\u4e00-\u9fff]", BAS.read_text(encoding="utf-8"))


def test_olevba_extracts_exactly_our_module(addin):
    parser = VBA_Parser(str(addin))
    modules = {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    parser.close()
    assert _code(modules[MODULE]) == _code(BAS.read_text(encoding="utf-8"))
    assert "Sub RunPython" in modules["xlwings"] or "Function RunPython" in modules["xlwings"]
    assert "RibbonMyAddin" not in modules  # the quickstart's sample callback is gone


def test_config_sheet_names_our_udf_module(addin):
    with zipfile.ZipFile(addin) as zf:
        assert b"tidu.xlmacros.udfs" in zf.read("xl/worksheets/sheet1.xml")


def _uno_available() -> bool:
    return bool(shutil.which("soffice")) and Path(SYSTEM_PYTHON).exists() and subprocess.run(
        [SYSTEM_PYTHON, "-c", "import uno"], capture_output=True).returncode == 0


@pytest.mark.libreoffice
def test_libreoffice_compiles_and_runs_our_module(tmp_path):
    if not _uno_available():
        if os.environ.get("CI"):
            pytest.fail("CI needs LibreOffice with python3-uno (.ci/run installs them)")
        pytest.skip("LibreOffice with python3-uno is not installed")
    workbook = build_selftest_workbook(tmp_path / "selftest.xlsm")
    parser = VBA_Parser(str(workbook))
    same = {Path(n).stem: c for _, _, n, c in parser.extract_macros()}[MODULE]
    parser.close()
    assert _code(same) == _code(vba_source())
    uri = f"vnd.sun.star.script:VBAProject.{MODULE}.TiduSelfTest?language=Basic&location=document"
    done = subprocess.run([SYSTEM_PYTHON, str(LO_MACRO), str(workbook), uri, str(tmp_path / "profile")],
                          capture_output=True, text=True, timeout=180)
    assert done.stdout.strip() == "ok", done.stderr[-2000:]
