"""`tidu doctor`: diagnose this PC's install of the Excel add-in, one Chinese line per check.

Each check says what it found and, when something is wrong, how to fix it. Checks that need
Windows, the registry or Excel say so on other systems instead of failing. Exit status 0 when
nothing needs fixing, 1 when something does. The registry, the places on disk and the runner of
subprocesses are arguments (``Machine``), so the Windows checks are tested with fakes on Linux.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from tidu.engine.cli.main import EXIT_FINDINGS, EXIT_OK

from tidu import __version__


class Status(StrEnum):
    OK = "ok"
    FIX = "fix"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return {"ok": "通过", "fix": "需处理", "unknown": "无法检查"}[self.value]


@dataclass(frozen=True)
class Check:
    key: str  # stable id for tests and scripts
    status: Status
    text: str
    fix: str = ""

    def line(self) -> str:
        return f"[{self.status.label}] {self.text}" + (f" 解决：{self.fix}" if self.fix else "")


class Registry(Protocol):
    def value(self, key: str, name: str) -> Any:
        """A value under HKEY_CURRENT_USER\\key (None when missing)."""

    def subkeys(self, key: str) -> list[str]:
        """Names of the subkeys of HKEY_CURRENT_USER\\key ([] when missing)."""


class WinRegistry:
    """HKEY_CURRENT_USER through winreg (Windows only)."""

    def value(self, key: str, name: str) -> Any:
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key) as k:
                return winreg.QueryValueEx(k, name)[0]
        except OSError:
            return None

    def subkeys(self, key: str) -> list[str]:
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key) as k:
                out, i = [], 0
                while True:
                    try:
                        out.append(winreg.EnumKey(k, i))
                    except OSError:
                        return out
                    i += 1
        except OSError:
            return []


Runner = Callable[[list[str], float], "subprocess.CompletedProcess[str]"]


def _run(cmd: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, encoding="utf-8", errors="replace")


@dataclass
class Machine:
    """What the checks look at. ``registry`` None: not Windows (registry checks cannot run)."""

    windows: bool = field(default_factory=lambda: sys.platform.startswith("win"))
    registry: Registry | None = None
    xlstart: Path | None = None
    executable: str = sys.executable
    bits: int = 64 if sys.maxsize > 2**32 else 32
    python: tuple[int, int, int] = tuple(sys.version_info[:3])  # type: ignore[assignment]
    run: Runner = _run
    excel: bool = False  # Excel is installed (COM class registered)

    @classmethod
    def here(cls) -> Machine:
        from tidu.xlmacros.addin.install import default_xlstart

        windows = sys.platform.startswith("win")
        return cls(windows=windows, registry=WinRegistry() if windows else None, xlstart=default_xlstart(),
                   excel=windows and _excel_registered())


def _excel_registered() -> bool:
    import winreg

    try:
        winreg.OpenKey(winreg.HKEY_CLASSES_ROOT, r"Excel.Application\CLSID").Close()
        return True
    except OSError:
        return False


# --- the checks --------------------------------------------------------------------------------


def check_python(m: Machine) -> Check:
    version = ".".join(map(str, m.python))
    if m.python[:2] < (3, 11):
        return Check("python", Status.FIX, f"Python {version}（{m.bits} 位）低于 3.11。",
                     "安装 Python 3.11 或更高版本（需要 Windows 8.1 或更高），再重新安装 tidu。")
    return Check("python", Status.OK, f"Python {version}（{m.bits} 位）：{m.executable}")


def addin_path(m: Machine) -> Path | None:
    return m.xlstart / "tidu.xlam" if m.xlstart else None


def _addin_config(m: Machine) -> dict[str, Any] | None:
    from tidu.xlmacros.addin.config import read_config

    path = addin_path(m)
    if path is None or not path.is_file():
        return None
    try:
        return read_config(path)
    except Exception:  # a damaged add-in file: reported by check_addin_place
        return None


def addin_version(path: Path) -> str | None:
    """The TIDU_VERSION constant inside an add-in file (None when unreadable)."""
    from pyopenvba import ExcelFile
    from tidu.xlmacros.addin.vbatext import MODULE

    try:
        with ExcelFile(str(path)) as book:
            source = book.get_module(MODULE)
    except Exception:
        return None
    found = re.search(r'TIDU_VERSION As String = "([^"]+)"', source or "")
    return found.group(1) if found else None


def check_addin_place(m: Machine) -> Check:
    from tidu.xlmacros.addin.install import is_marked

    path = addin_path(m)
    if path is None:
        return Check("addin", Status.UNKNOWN, "本机不是 Windows，没有 Excel 启动文件夹，无法检查加载项的安装位置。")
    if not path.is_file():
        return Check("addin", Status.FIX, f"加载项未安装（{path} 不存在）。", "运行 tidu addin install。")
    if is_marked(path):
        return Check("addin", Status.FIX, f"加载项 {path} 仍带有“来自网络”标记，Excel 会阻止它的宏。",
                     "运行 tidu addin install（会去掉标记），或右键文件 → 属性 → 勾选“解除锁定”。")
    return Check("addin", Status.OK, f"加载项已安装在 Excel 启动文件夹：{path}")


def interpreter(m: Machine) -> str:
    """The python.exe the add-in will start (its tidu.conf), else this one."""
    import os

    from tidu.xlmacros.addin.config import KEY_INTERPRETER

    config = _addin_config(m) or {}
    return os.path.expandvars(str(config.get(KEY_INTERPRETER) or m.executable))  # %LOCALAPPDATA%, as the VBA


IMPORT_PROBE = ("import sys, tidu, tidu.xlmacros.ribbon, tidu.xlmacros.udfs, xlwings; "
                "print(tidu.__version__, xlwings.__version__, sys.prefix, sep='|')")


def check_interpreter(m: Machine) -> tuple[Check, list[str]]:
    config = _addin_config(m)
    exe = interpreter(m)
    if config is not None and not config.get("Interpreter_Win"):
        return Check("interpreter", Status.FIX, "加载项没有配置 Python 路径。", "运行 tidu addin install。"), []
    try:
        done = m.run([exe, "-c", IMPORT_PROBE], 30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check("interpreter", Status.FIX, f"加载项使用的 Python（{exe}）无法运行：{exc}",
                     "重新安装 Python 和 tidu，再运行 tidu addin install。"), []
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return Check("interpreter", Status.FIX, f"加载项使用的 Python（{exe}）不能导入 tidu.xlmacros：{last}",
                     f"运行 \"{exe}\" -m pip install tidu（离线安装包：运行 install.cmd）。"), []
    return Check("interpreter", Status.OK, f"加载项使用的 Python 能导入 tidu.xlmacros：{exe}"), \
        done.stdout.strip().split("|")


def pinned_xlwings() -> str | None:
    """The xlwings version tidu's metadata pins (``xlwings==X``)."""
    import importlib.metadata

    for req in importlib.metadata.requires("tidu") or []:
        found = re.match(r"^xlwings\s*==\s*([\w.]+)", req)
        if found:
            return found.group(1)
    return None


def check_versions(m: Machine, probe: list[str]) -> Check:
    from tidu.engine.version import version_advice
    from tidu.xlmacros.addin.build import xlwings_addin_source

    xlwings_here = probe[1] if len(probe) > 1 else None
    pin = pinned_xlwings()
    vba = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', xlwings_addin_source())
    vba_version = vba.group(1) if vba else None
    parts = [f"tidu {__version__}", f"xlwings {xlwings_here or '?'}（要求 {pin or '?'}，加载项 VBA {vba_version}）"]
    if xlwings_here and (xlwings_here != vba_version or (pin and xlwings_here != pin)):
        return Check("versions", Status.FIX, "，".join(parts) + "：xlwings 版本不一致。",
                     f"运行 python -m pip install xlwings=={pin or vba_version}，再运行 tidu addin install。")
    path = addin_path(m)
    if path is not None and path.is_file():
        built = addin_version(path)
        parts.append(f"加载项 {built or '?'}")
        package = probe[0] if probe else __version__
        advice = version_advice(built, package)
        if advice:
            return Check("versions", Status.FIX, "，".join(parts) + "：版本不一致。", advice)
    return Check("versions", Status.OK, "版本一致：" + "，".join(parts))


def dll_name(bits: int, xlwings_version: str) -> str:
    return f"xlwings{bits}-{xlwings_version}.dll"


def check_dll(m: Machine, probe: list[str]) -> Check:
    """The DLL the cell functions' wrappers load into Excel: xlwings64-<v>.dll for 64-bit Office,
    xlwings32-<v>.dll for 32-bit (xlwings' Windows wheel installs both into the Python folder)."""
    if not m.windows:
        return Check("dll", Status.UNKNOWN, "xlwings 的 DLL（单元格函数需要）只在 Windows 上安装，本机无法检查。")
    if len(probe) < 3:
        return Check("dll", Status.UNKNOWN, "加载项使用的 Python 不能运行，无法检查 xlwings 的 DLL。")
    exe = Path(interpreter(m))
    folders = [exe.parent, exe.parent.parent, Path(probe[2])]  # as xlwings' XLPyLoadDLL looks, and sys.prefix
    found = sorted({name for bits in (64, 32) for name in [dll_name(bits, probe[1])]
                    if any((f / name).is_file() for f in folders)})
    if found:
        return Check("dll", Status.OK, f"单元格函数需要的 xlwings DLL 已安装：{'、'.join(found)}。")
    return Check("dll", Status.FIX, f"找不到 {dll_name(64, probe[1])}（单元格函数 TIDU_… 需要它）。",
                 f"运行 \"{exe}\" -m pip install --force-reinstall xlwings=={probe[1]}。")


OFFICE_VERSIONS = ("16.0", "15.0", "14.0")


def _office_keys(reg: Registry) -> list[str]:
    return [v for v in OFFICE_VERSIONS if reg.subkeys(rf"Software\Microsoft\Office\{v}\Excel")]


def _security(reg: Registry, version: str, name: str) -> Any:
    """A Trust Center value; a group policy overrides the user's own setting."""
    policy = reg.value(rf"Software\Policies\Microsoft\Office\{version}\Excel\Security", name)
    return policy if policy is not None else reg.value(rf"Software\Microsoft\Office\{version}\Excel\Security", name)


def _trusted_locations(reg: Registry, version: str) -> list[str]:
    out = []
    for root in (rf"Software\Microsoft\Office\{version}\Excel\Security\Trusted Locations",
                 rf"Software\Policies\Microsoft\Office\{version}\Excel\Security\Trusted Locations"):
        for sub in reg.subkeys(root):
            path = reg.value(rf"{root}\{sub}", "Path")
            if path:
                out.append(str(path))
    return out


def check_trust(m: Machine) -> Check:
    reg = m.registry
    if reg is None:
        return Check("trust", Status.UNKNOWN, "Excel 的信任中心设置在 Windows 注册表中，本机无法检查。")
    versions = _office_keys(reg)
    if not versions:
        return Check("trust", Status.UNKNOWN, "注册表中没有找到 Excel 的设置（可能未安装 Excel 或从未打开过）。")
    v = versions[0]
    problems, fixes = [], []
    if _security(reg, v, "AllLocationsDisabled") == 1 or reg.value(
            rf"Software\Policies\Microsoft\Office\{v}\Excel\Security\Trusted Locations", "AllLocationsDisabled") == 1:
        problems.append("已禁用所有受信任位置")
        fixes.append("请单位信息管理员在组策略中允许受信任位置，或给加载项数字签名")
    xlstart = str(m.xlstart or "")
    trusted = _trusted_locations(reg, v)
    if xlstart and trusted and not any(_same_place(t, xlstart) for t in trusted):
        problems.append("Excel 启动文件夹不在受信任位置中")
        fixes.append(f"文件 → 选项 → 信任中心 → 信任中心设置 → 受信任位置 → 添加 {xlstart}")
    warnings = _security(reg, v, "VBAWarnings")
    if warnings in (3, 4) and problems:
        problems.append("宏设置为" + ("“仅运行数字签名的宏”" if warnings == 3 else "“禁用所有宏”"))
        fixes.append("受信任位置中的加载项不受此设置限制：先解决上面的受信任位置问题")
    blocked = _security(reg, v, "blockcontentexecutionfrominternet")
    path = addin_path(m)
    if blocked == 1 and path is not None and path.is_file():
        from tidu.xlmacros.addin.install import is_marked

        if is_marked(path):
            problems.append("已阻止来自网络的宏，而加载项仍带有“来自网络”标记")
            fixes.append("运行 tidu addin install 去掉标记")
    shown = warnings if warnings is not None else "默认"
    text = f"Excel {v} 信任中心：VBAWarnings={shown}，受信任位置 {len(trusted)} 个"
    if problems:
        return Check("trust", Status.FIX, text + "；" + "；".join(problems) + "。", "；".join(fixes) + "。")
    return Check("trust", Status.OK, text + "，加载项所在的启动文件夹可以运行宏。")


def _same_place(trusted: str, folder: str) -> bool:
    import ntpath
    import os

    expanded = trusted
    for name, value in os.environ.items():
        expanded = expanded.replace(f"%{name}%", value)
    norm = lambda p: ntpath.normcase(ntpath.normpath(p)).rstrip("\\")  # noqa: E731
    return norm(expanded) == norm(folder) or norm(folder).startswith(norm(expanded) + "\\")


def check_wps(m: Machine) -> Check:
    reg = m.registry
    if reg is None:
        return Check("wps", Status.UNKNOWN, "打开 .xlsx 的默认程序记录在 Windows 注册表中，本机无法检查。")
    prog = reg.value(r"Software\Microsoft\Windows\CurrentVersion\Explorer\FileExts\.xlsx\UserChoice", "ProgId") or ""
    if re.search(r"wps|ket|kingsoft", str(prog), re.I):
        return Check("wps", Status.FIX, f"双击 .xlsx 会用 WPS 打开（{prog}），WPS 不能运行本加载项。",
                     "右键台账 → 打开方式 → 选择 Excel 并勾选“始终使用此应用”，或在 Excel 中用“文件 → 打开”。")
    return Check("wps", Status.OK, f".xlsx 默认由 {prog or 'Excel'} 打开。")


SELFTEST = r"""
import sys, tempfile, pathlib
import xlwings as xw
from tidu.engine.plan import load_plan
from tidu.workbook.builder import build_workbook
from tidu.xlmacros import ribbon
addin = sys.argv[1]
plan = load_plan()
centre = plan.plan.centre_names()[0]
sample = build_workbook(pathlib.Path(tempfile.mkdtemp()) / "selftest.xlsx", centre, plan)
app = xw.App(visible=False, add_book=False)
try:
    app.display_alerts = False
    app.books.open(addin)
    print(app.macro("'tidu.xlam'!TiduSelfTest")())
    report = ribbon.validate(app.books.open(str(sample)))
    print(len(report.findings))
finally:
    app.kill()
"""


def check_selftest(m: Machine) -> Check:
    path = addin_path(m)
    if not m.windows or not m.excel:
        return Check("selftest", Status.UNKNOWN,
                     "本机没有 Excel，无法做端到端自检（隐藏的 Excel 运行自检宏和一次校验）。")
    if path is None or not path.is_file():
        return Check("selftest", Status.UNKNOWN, "加载项未安装，跳过端到端自检。")
    try:
        done = m.run([interpreter(m), "-c", SELFTEST, str(path)], 120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check("selftest", Status.FIX, f"端到端自检没有完成：{exc}", "关闭所有 Excel 窗口后再运行 tidu doctor。")
    lines = done.stdout.strip().splitlines()
    if done.returncode == 0 and lines and lines[0].startswith("ok"):
        return Check("selftest", Status.OK,
                     f"端到端自检通过：隐藏的 Excel 运行了加载项的自检宏和一次校验（{lines[-1]} 条提示）。")
    last = (done.stderr.strip().splitlines() or lines or ["?"])[-1]
    return Check("selftest", Status.FIX, f"端到端自检失败：{last}",
                 "按上面各项的提示处理；仍失败时把 tidu doctor 的输出发给省中心技术支持。")


def run_checks(m: Machine) -> list[Check]:
    """Every check, in the order a clerk should fix things."""
    checks = [check_python(m), check_addin_place(m)]
    interp, probe = check_interpreter(m)
    checks += [interp, check_versions(m, probe), check_dll(m, probe), check_trust(m), check_wps(m),
               check_selftest(m)]
    return checks


def cmd_doctor(args: argparse.Namespace) -> int:
    machine = Machine.here()
    if args.xlstart:
        machine.xlstart = Path(args.xlstart)
    print(f"tidu {__version__} 安装检查（{'Windows' if machine.windows else sys.platform}）")
    checks = run_checks(machine)
    for check in checks:
        print(check.line())
    fixes = sum(1 for c in checks if c.status == Status.FIX)
    unknown = sum(1 for c in checks if c.status == Status.UNKNOWN)
    print(f"共 {len(checks)} 项：需处理 {fixes} 项，无法检查 {unknown} 项。")
    return EXIT_FINDINGS if fixes else EXIT_OK


def register(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Add ``tidu doctor`` to the command line."""
    doctor = sub.add_parser("doctor", help="检查本机的 Excel 加载项安装（中文，每项一行并给出解决办法）")
    doctor.add_argument("--xlstart", help="Excel 启动文件夹（默认 %%APPDATA%%\\Microsoft\\Excel\\XLSTART）")
    doctor.set_defaults(func=cmd_doctor)
