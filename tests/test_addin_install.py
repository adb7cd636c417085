"""`tidu addin install|uninstall|bundle`, on Linux with the Windows places injected.

The downloaded-file mark is the NTFS stream ``tidu.xlam:Zone.Identifier``; on Linux the same
path is an ordinary file whose name ends in ``:Zone.Identifier``, so the same code path runs.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from tidu.engine.cli.main import main
from tidu.xlmacros.addin import bundle as bundle_module
from tidu.xlmacros.addin.build import build_addin
from tidu.xlmacros.addin.config import read_config
from tidu.xlmacros.addin.install import ADDIN_NAME, install_addin, is_marked, uninstall_addin, zone_mark

from tidu import __version__

PYTHON = r"C:\Users\clerk\AppData\Local\tidu\venv\Scripts\python.exe"
ZONE = "[ZoneTransfer]\r\nZoneId=3\r\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_addin(tmp_path_factory.mktemp("src") / ADDIN_NAME)


def _xlstart(tmp_path: Path) -> Path:
    return tmp_path / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART"


def test_install_copies_writes_the_interpreter_and_clears_the_mark(tmp_path, built):
    xlstart = _xlstart(tmp_path)
    xlstart.mkdir(parents=True)
    zone_mark(xlstart / ADDIN_NAME).write_text(ZONE)  # a mark left by an earlier download
    result = install_addin(xlstart, PYTHON, built)
    target = xlstart / ADDIN_NAME
    assert result.path == target and result.changed
    config = read_config(target)
    assert config["Interpreter_Win"] == PYTHON
    assert config["UDF Modules"] == "tidu.xlmacros.udfs"
    assert not is_marked(target)
    # the VBA project is untouched by the config rewrite
    with zipfile.ZipFile(built) as a, zipfile.ZipFile(target) as b:
        assert a.read("xl/vbaProject.bin") == b.read("xl/vbaProject.bin")


def test_install_is_idempotent(tmp_path, built):
    xlstart = _xlstart(tmp_path)
    first = install_addin(xlstart, PYTHON, built)
    before = (xlstart / ADDIN_NAME).read_bytes()
    second = install_addin(xlstart, PYTHON, built)
    assert first.changed and not second.changed
    assert (xlstart / ADDIN_NAME).read_bytes() == before
    other = install_addin(xlstart, r"D:\Python312\python.exe", built)
    assert other.changed and read_config(xlstart / ADDIN_NAME)["Interpreter_Win"] == r"D:\Python312\python.exe"


def test_uninstall_removes_and_is_idempotent(tmp_path, built):
    xlstart = _xlstart(tmp_path)
    install_addin(xlstart, PYTHON, built)
    assert uninstall_addin(xlstart).changed
    assert not (xlstart / ADDIN_NAME).exists()
    assert not uninstall_addin(xlstart).changed


def test_cli_install_and_uninstall_in_chinese(tmp_path, capsys):
    xlstart = _xlstart(tmp_path)
    assert main(["addin", "install", "--xlstart", str(xlstart), "--interpreter", PYTHON]) == 0
    out = capsys.readouterr().out
    assert str(xlstart / ADDIN_NAME) in out and PYTHON in out and re.search(r"[\u4e00-\u9fff]", out)
    assert read_config(xlstart / ADDIN_NAME)["Interpreter_Win"] == PYTHON  # built here, then configured
    assert main(["addin", "uninstall", "--xlstart", str(xlstart)]) == 0
    assert not (xlstart / ADDIN_NAME).exists()


def test_cli_install_without_a_startup_folder_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.delenv("APPDATA", raising=False)
    assert main(["addin", "uninstall"]) == 2
    assert "--xlstart" in capsys.readouterr().err


def test_bundle_without_network(tmp_path, monkeypatch):
    calls = []

    def fake_download(args: list[str]) -> None:
        calls.append(args)
        dest = Path(args[args.index("--dest") + 1])
        python = args[args.index("--python-version") + 1].replace(".", "")
        (dest / f"pydantic_core-2.0-cp{python}-cp{python}-win_amd64.whl").write_bytes(b"")

    def fake_wheel(project: Path, out: Path) -> None:
        (out / f"tidu-{__version__}-py3-none-any.whl").write_bytes(b"")

    result = bundle_module.make_bundle(tmp_path / "bundle", ("3.11", "3.12"), download=fake_download,
                                       wheel=fake_wheel)
    assert [a[a.index("--python-version") + 1] for a in calls] == ["3.11", "3.12"]
    for args in calls:
        assert args[args.index("--platform") + 1] == "win_amd64" and "--only-binary=:all:" in args
        wanted = " ".join(args)
        # every runtime dependency, the Windows-only pywin32 and the pinned xlwings
        for name in ("pydantic", "pandas", "python-calamine", "pywin32", "colorama", "xlwings==0.37.8"):
            assert name in wanted
        assert any(a.endswith(f"tidu-{__version__}-py3-none-any.whl") for a in args)
    assert result.addin.name == "tidu.xlam" and read_config(result.addin)["UDF Modules"] == "tidu.xlmacros.udfs"
    script = result.script.read_bytes().decode("utf-8")
    assert "\r\n" in script and "--no-index" in script and f"tidu=={__version__}" in script
    # the Python install.cmd makes is the one the add-in is built to start
    env = re.search(r'set "ENV=([^"]+)"', script).group(1)
    assert read_config(result.addin)["Interpreter_Win"] == env + r"\Scripts\python.exe"
    assert "Unblock-File" in script and "-m tidu addin install" in script and "-m tidu doctor" in script
    assert len(result.wheels) == 3


def test_bundle_never_asks_an_index_for_tidu(tmp_path, monkeypatch):
    monkeypatch.setattr(bundle_module, "source_tree", lambda: None)
    calls = []
    with pytest.raises(bundle_module.BundleError):
        bundle_module.make_bundle(tmp_path / "b", download=calls.append, wheel=lambda p, o: None)
    assert calls == []
