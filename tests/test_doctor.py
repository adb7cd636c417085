"""`tidu doctor`: the real run on this Linux machine, and the Windows checks with the registry,
the file system and subprocesses faked."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from tidu.engine.cli import doctor
from tidu.engine.cli.doctor import Check, Machine, Status
from tidu.xlmacros.addin.build import build_addin
from tidu.xlmacros.addin.install import ADDIN_NAME, install_addin, zone_mark

from tidu import __version__

OFFICE = r"Software\Microsoft\Office\16.0\Excel"
SECURITY = OFFICE + r"\Security"
POLICY = r"Software\Policies\Microsoft\Office\16.0\Excel\Security"
USERCHOICE = r"Software\Microsoft\Windows\CurrentVersion\Explorer\FileExts\.xlsx\UserChoice"


class FakeRegistry:
    """HKEY_CURRENT_USER as a dict: key → {value name: value}; subkeys derived from the key paths."""

    def __init__(self, values: dict[str, dict[str, object]]):
        self.values = values

    def value(self, key, name):
        return self.values.get(key, {}).get(name)

    def subkeys(self, key):
        prefix = key + "\\"
        return sorted({k[len(prefix):].split("\\")[0] for k in self.values if k.startswith(prefix)})


def _registry(**security) -> FakeRegistry:
    values = {SECURITY: dict(security),
              SECURITY + r"\Trusted Locations\Location2": {"Path": "%APPDATA%\\Microsoft\\Excel\\XLSTART"},
              USERCHOICE: {"ProgId": "Excel.Sheet.12"}}
    return FakeRegistry(values)


def _probe_ok(cmd, timeout):
    return subprocess.CompletedProcess(cmd, 0, stdout=f"{__version__}|0.37.8|C:\\tidu\\venv\n", stderr="")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_addin(tmp_path_factory.mktemp("src") / ADDIN_NAME)


@pytest.fixture
def windows(tmp_path, built, monkeypatch) -> Machine:
    """A Windows PC with the add-in installed, Excel's default trust settings and Excel for .xlsx."""
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    xlstart = tmp_path / "Roaming" / "Microsoft" / "Excel" / "XLSTART"
    python = tmp_path / "venv" / "Scripts" / "python.exe"
    python.parent.mkdir(parents=True)
    python.write_bytes(b"")
    (tmp_path / "venv" / "xlwings64-0.37.8.dll").write_bytes(b"")
    install_addin(xlstart, str(python), built)
    return Machine(windows=True, registry=_registry(VBAWarnings=2), xlstart=xlstart, executable=str(python),
                   bits=64, python=(3, 11, 9), run=_probe_ok, excel=False)


def _by_key(machine: Machine) -> dict[str, Check]:
    return {c.key: c for c in doctor.run_checks(machine)}


def test_a_good_windows_pc_passes(windows):
    checks = _by_key(windows)
    assert {k: c.status for k, c in checks.items() if k != "selftest"} == {
        k: Status.OK for k in ("python", "addin", "interpreter", "versions", "dll", "trust", "wps")}
    assert checks["selftest"].status == Status.UNKNOWN  # no Excel in the fake


@pytest.mark.parametrize(("change", "key"), [
    ("old_python", "python"),
    ("marked", "addin"),
    ("not_installed", "addin"),
    ("no_tidu", "interpreter"),
    ("no_dll", "dll"),
    ("locations_disabled", "trust"),
    ("xlstart_untrusted", "trust"),
    ("internet_blocked_and_marked", "trust"),
    ("wps", "wps"),
    ("addin_other_version", "versions"),
])
def test_each_problem_is_found_with_its_fix(windows, change, key, built, tmp_path):
    reg = windows.registry.values
    target = windows.xlstart / ADDIN_NAME
    if change == "old_python":
        windows.python = (3, 10, 11)
    elif change == "marked":
        zone_mark(target).write_text("[ZoneTransfer]\r\nZoneId=3\r\n")
    elif change == "not_installed":
        target.unlink()
    elif change == "no_tidu":
        missing = "ModuleNotFoundError: No module named 'tidu'"
        windows.run = lambda cmd, t: subprocess.CompletedProcess(cmd, 1, "", missing)
    elif change == "no_dll":
        (tmp_path / "venv" / "xlwings64-0.37.8.dll").unlink()
    elif change == "locations_disabled":
        reg[POLICY] = {"AllLocationsDisabled": 1}
    elif change == "xlstart_untrusted":
        reg[SECURITY + r"\Trusted Locations\Location2"] = {"Path": r"C:\Somewhere\Else"}
        reg[SECURITY]["VBAWarnings"] = 3  # "signed macros only"
    elif change == "internet_blocked_and_marked":
        reg[SECURITY]["blockcontentexecutionfrominternet"] = 1
        zone_mark(target).write_text("[ZoneTransfer]\r\nZoneId=3\r\n")
    elif change == "wps":
        reg[USERCHOICE] = {"ProgId": "KET.Xlsx.12"}
    elif change == "addin_other_version":
        windows.run = lambda cmd, t: subprocess.CompletedProcess(cmd, 0, "9.9.9|0.37.8|C:\\tidu\\venv\n", "")
    check = _by_key(windows)[key]
    assert check.status == Status.FIX
    assert check.fix and re.search(r"[\u4e00-\u9fff]", check.fix)
    assert "解决：" in check.line()


def test_doctor_exit_status_follows_the_checks(windows, monkeypatch, capsys):
    monkeypatch.setattr(Machine, "here", classmethod(lambda cls: windows))
    from tidu.engine.cli.main import main

    assert main(["doctor"]) == 0
    windows.registry.values[USERCHOICE] = {"ProgId": "WPS.Xlsx"}
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "[需处理]" in out and "WPS" in out


def test_doctor_on_this_linux_machine_answers_in_chinese():
    # how long it takes is measured in bench/bench_xlmacros.py, not here
    done = subprocess.run([sys.executable, "-m", "tidu", "doctor"], capture_output=True, text=True, timeout=60)
    assert done.returncode in (0, 1), done.stderr
    lines = done.stdout.strip().splitlines()
    assert all(re.search(r"[\u4e00-\u9fff]", line) for line in lines)
    # one line per check; on Linux the Windows-only ones say they cannot be checked
    assert sum(line.startswith("[无法检查]") for line in lines) >= 4
    assert any(line.startswith("[通过] Python") for line in lines)
