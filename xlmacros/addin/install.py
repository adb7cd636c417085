"""`tidu addin install` / `uninstall`: the add-in in the user's Excel startup folder.

XLSTART (``%APPDATA%\\Microsoft\\Excel\\XLSTART``) is a trusted location by default, so Excel
opens the add-in at start and runs its macros without a prompt. Install copies the add-in
there with this Python's path in its ``tidu.conf`` sheet and removes the downloaded-file mark
(the ``Zone.Identifier`` stream that makes Office block macros from the internet). Both are
idempotent and return the Chinese lines that say what they did. Windows places come in as
arguments, so the logic runs (and is tested) anywhere.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from tidu.xlmacros.addin.config import KEY_INTERPRETER, default_config, read_config, write_config

ADDIN_NAME = "tidu.xlam"
ZONE_STREAM = ":Zone.Identifier"  # NTFS alternate data stream written by browsers and mail clients


class InstallError(Exception):
    """Install or uninstall could not be done; the message says why in Chinese."""


@dataclass(frozen=True)
class InstallResult:
    path: Path
    changed: bool
    lines: tuple[str, ...]


def default_xlstart(environ: dict[str, str] | None = None) -> Path | None:
    """The user's Excel startup folder, from %APPDATA% (None where there is no such variable)."""
    appdata = (environ if environ is not None else os.environ).get("APPDATA")
    return Path(appdata) / "Microsoft" / "Excel" / "XLSTART" if appdata else None


def default_interpreter(executable: str | None = None) -> str:
    """The python.exe the add-in should start: this one (pythonw.exe is swapped for python.exe,
    whose errors reach xlwings' log instead of vanishing)."""
    exe = Path(executable or sys.executable)
    if exe.name.lower() == "pythonw.exe":
        exe = exe.with_name("python.exe")
    return str(exe)


def zone_mark(path: Path) -> Path:
    """The downloaded-file mark of ``path``: on NTFS the stream ``path:Zone.Identifier``."""
    return Path(str(path) + ZONE_STREAM)


def is_marked(path: Path) -> bool:
    """Whether the file still carries the mark of the web (False where streams do not exist)."""
    try:
        return zone_mark(path).exists()
    except (OSError, ValueError):
        return False


def clear_mark(path: Path) -> bool:
    """Remove the mark; True when there was one."""
    try:
        os.remove(zone_mark(path))
        return True
    except FileNotFoundError:
        return False
    except OSError:  # not NTFS, or no streams: nothing to clear
        return False


def _staged_addin(source: Path | None, interpreter: str, folder: Path) -> Path:
    """The add-in as it should be installed: built (or copied from ``source``) with our config."""
    staged = folder / ADDIN_NAME
    if source is None:
        from tidu.xlmacros.addin.build import build_addin

        build_addin(staged, interpreter=interpreter)
    else:
        shutil.copyfile(source, staged)
        config = {k: v for k, v in read_config(staged).items() if k != KEY_INTERPRETER}
        write_config(staged, {**default_config(interpreter), **config})
    return staged


def install_addin(xlstart: Path, interpreter: str, source: Path | None = None) -> InstallResult:
    """Put the add-in into ``xlstart`` with ``interpreter`` in its config; clear its mark."""
    if not PureWindowsPath(interpreter).name.lower().startswith("python"):  # either kind of slash
        raise InstallError(f"解释器路径 {interpreter} 不是 python.exe")
    target = xlstart / ADDIN_NAME
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        staged = _staged_addin(source, interpreter, Path(tmp))
        same = target.is_file() and target.read_bytes() == staged.read_bytes()
        if not same:
            try:
                xlstart.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(staged, target)
            except PermissionError:
                raise InstallError(f"无法写入 {target}：Excel 可能正在使用它。"
                                   "请关闭所有 Excel 窗口后再运行。") from None
            lines.append(f"已安装加载项：{target}")
        else:
            lines.append(f"加载项已是最新，无需更改：{target}")
    lines.append(f"加载项将使用的 Python：{interpreter}")
    if clear_mark(target):
        lines.append("已去掉加载项的“来自网络”标记（Zone.Identifier），Excel 不会再因此阻止它的宏。")
    lines.append("Excel 启动文件夹（XLSTART）默认是受信任位置。请关闭并重新打开 Excel，功能区会出现“企业梯度培育”。")
    return InstallResult(target, not same, tuple(lines))


def uninstall_addin(xlstart: Path) -> InstallResult:
    """Remove the add-in from ``xlstart`` (nothing to do when it is not there)."""
    target = xlstart / ADDIN_NAME
    if not target.exists():
        return InstallResult(target, False, (f"加载项未安装，无需卸载（{target} 不存在）。",))
    try:
        target.unlink()
    except PermissionError:
        raise InstallError(f"无法删除 {target}：Excel 可能正在使用它。请关闭所有 Excel 窗口后再运行。") from None
    clear_mark(target)
    return InstallResult(target, True, (f"已卸载加载项：{target}。重新打开 Excel 后功能区不再显示“企业梯度培育”。",))
