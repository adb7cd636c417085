"""`tidu addin bundle -o DIR`: an offline install bundle for clerks' Windows PCs.

Built on the province's machine (which has the internet): Windows wheels of tidu and of every
dependency for each supported Python (pip download with a target platform), the add-in, and an
install script that makes a private environment, installs from the wheels with no index,
installs the add-in and runs ``tidu doctor``. The downloader is an argument so tests run
without network.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tidu.xlmacros.addin.build import build_addin

from tidu import __version__

#: Python versions a clerk may have (3.11 is the floor: pyproject's requires-python; Windows 8.1+).
PYTHONS = ("3.11", "3.12", "3.13")
PLATFORMS = ("win_amd64",)  # 64-bit Python; 32-bit Office needs the 32-bit DLL and --platform win32
#: Needed on Windows only (xlwings → pywin32; tqdm, click → colorama): pip evaluates dependency
#: markers on the machine that downloads, so these are named explicitly.
WINDOWS_ONLY = ("pywin32", "colorama")

Downloader = Callable[[list[str]], None]


class BundleError(Exception):
    """The bundle cannot be made here; the message says why in Chinese."""


def pip_download(args: list[str]) -> None:
    """Run ``python -m pip download ARGS`` with this Python (raises on failure)."""
    subprocess.run([sys.executable, "-m", "pip", "download", *args], check=True)


def pip_wheel(project: Path, out: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(project)],
                   check=True)


def requirements() -> list[str]:
    """tidu's own runtime requirements (extras left out) plus the Windows-only ones."""
    reqs = []
    for req in importlib.metadata.requires("tidu") or []:
        if "extra ==" in req:
            continue
        reqs.append(req.split(";")[0].strip())
    return reqs + [name for name in WINDOWS_ONLY if not any(r.lower().startswith(name) for r in reqs)]


def source_tree() -> Path | None:
    """The project folder this tidu runs from (an editable install), where pip can build a wheel."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() else None


INSTALL_CMD = r"""@echo off
chcp 65001 >nul
setlocal
cd /d "%~dp0"
echo 企业梯度培育 tidu {version}：离线安装
echo.
rem 1. 解除锁定：去掉本文件夹中所有文件的“来自网络”标记
powershell -NoProfile -ExecutionPolicy Bypass -Command "Get-ChildItem -Recurse | Unblock-File" >nul 2>nul
rem 2. 找到 Python（python.org 的安装程序带有 py 启动器）
set "PY="
where py >nul 2>nul && set "PY=py -3"
if not defined PY (where python >nul 2>nul && set "PY=python")
if not defined PY (
  echo 没有找到 Python。请先安装 Python 3.11 或更高版本（64 位，需要 Windows 8.1 或更高），再运行本文件。
  pause
  exit /b 2
)
set "ENV=%LOCALAPPDATA%\tidu\venv"
rem 3. 专用的 Python 环境，从本文件夹的 wheels 安装，不连网
%PY% -m venv "%ENV%" || goto failed
"%ENV%\Scripts\python.exe" -m pip install --no-index --find-links "%~dp0wheels" --upgrade tidu=={version} || goto failed
rem 4. 把加载项装进 Excel 启动文件夹（受信任位置），写入上面这个 Python 的路径
"%ENV%\Scripts\python.exe" -m tidu addin install || goto failed
rem 5. 检查本机安装
"%ENV%\Scripts\python.exe" -m tidu doctor
echo.
echo 安装完成。请关闭并重新打开 Excel，功能区会出现“企业梯度培育”。
pause
exit /b 0
:failed
echo.
echo 安装没有完成，请把本窗口截图发给省中心技术支持。
pause
exit /b 1
"""

README_TXT = """企业梯度培育 tidu {version} 离线安装包

1. 把整个文件夹复制到本机（不要在压缩包里直接运行）。
2. 右键 install.cmd → 属性 → 勾选“解除锁定”→ 确定（install.cmd 也会为其余文件解除锁定）。
3. 双击 install.cmd。需要已安装 64 位 Python 3.11 或更高版本（Windows 8.1 或更高）。
4. 关闭并重新打开 Excel。
wheels 文件夹中是 Windows 版的全部依赖（Python {pythons}），安装时不需要连网。
"""


@dataclass(frozen=True)
class Bundle:
    folder: Path
    addin: Path
    script: Path
    wheels: tuple[Path, ...]


def make_bundle(out: Path, pythons: Sequence[str] = PYTHONS, platforms: Sequence[str] = PLATFORMS,
                download: Downloader = pip_download,
                wheel: Callable[[Path, Path], None] = pip_wheel) -> Bundle:
    """Write the bundle into ``out``: wheels/, tidu.xlam, install.cmd, 说明.txt."""
    wheels = out / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    tree = source_tree()
    if tree is None:  # never ask an index for "tidu": another project may carry the name
        raise BundleError("离线安装包要在 tidu 的源代码目录中生成（git clone 后 pip install -e .），"
                          "这样 tidu 自身的 wheel 才与本机版本一致")
    wheel(tree, wheels)  # tidu itself, from this source tree
    wanted = [str(p) for p in wheels.glob(f"tidu-{__version__}-*.whl")]
    if not wanted:
        raise BundleError(f"没有生成 tidu-{__version__} 的 wheel（pip wheel 失败？）")
    for python in pythons:
        for platform in platforms:
            download(["--only-binary=:all:", "--platform", platform, "--python-version", python,
                      "--implementation", "cp", "--dest", str(wheels), *wanted, *requirements()])
    addin = build_addin(out / "tidu.xlam")
    script = out / "install.cmd"
    # CRLF: cmd.exe reads batch files line by line and mis-parses LF-only labels
    script.write_bytes(INSTALL_CMD.format(version=__version__).replace("\n", "\r\n").encode("utf-8"))
    (out / "说明.txt").write_bytes(README_TXT.format(version=__version__, pythons="、".join(pythons))
                                   .replace("\n", "\r\n").encode("utf-8-sig"))
    found = tuple(sorted(wheels.glob("*.whl")))
    return Bundle(out, addin, script, found)

