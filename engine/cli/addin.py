"""`tidu addin build|install|uninstall|bundle`: the Excel add-in (DESIGN §10).

A few lines per command over ``tidu.xlmacros.addin``; Windows places (the Excel startup folder,
the interpreter) can be given on the command line, which is also how the tests run them on Linux.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tidu.engine.cli.main import EXIT_OK, UsageError


def _build_module() -> Any:
    try:
        from tidu.xlmacros.addin import build
    except ImportError as exc:
        raise UsageError(f"生成加载项需要 pyOpenVBA 和 xlwings：pip install tidu（{exc}）") from None
    return build


def cmd_build(args: argparse.Namespace) -> int:
    path = _build_module().build_addin(Path(args.output))
    print(f"已生成加载项：{path}")
    return EXIT_OK


def _xlstart(args: argparse.Namespace) -> Path:
    from tidu.xlmacros.addin.install import default_xlstart

    xlstart = Path(args.xlstart) if args.xlstart else default_xlstart()
    if xlstart is None:
        raise UsageError("找不到 Excel 启动文件夹（没有 %APPDATA%）：加载项只能安装在 Windows 上；"
                         "或用 --xlstart 指定文件夹")
    return xlstart


def cmd_install(args: argparse.Namespace) -> int:
    from tidu.xlmacros.addin.install import InstallError, default_interpreter, install_addin

    _build_module()
    interpreter = args.interpreter or default_interpreter()
    source = Path(args.source) if args.source else None
    if source is not None and not source.is_file():
        raise UsageError(f"加载项文件 {source} 不存在")
    try:
        result = install_addin(_xlstart(args), interpreter, source)
    except InstallError as exc:
        raise UsageError(str(exc)) from None
    print("\n".join(result.lines))
    return EXIT_OK


def cmd_uninstall(args: argparse.Namespace) -> int:
    from tidu.xlmacros.addin.install import InstallError, uninstall_addin

    try:
        result = uninstall_addin(_xlstart(args))
    except InstallError as exc:
        raise UsageError(str(exc)) from None
    print("\n".join(result.lines))
    return EXIT_OK


def cmd_bundle(args: argparse.Namespace) -> int:
    import subprocess

    _build_module()
    from tidu.xlmacros.addin.bundle import PYTHONS, BundleError, make_bundle

    out = Path(args.output)
    if out.exists() and any(out.iterdir()) and not args.force:
        raise UsageError(f"输出文件夹 {out} 不是空的；换一个文件夹，或加 --force 覆盖")
    pythons = tuple(args.python or PYTHONS)
    print(f"正在下载 Windows 版依赖（Python {'、'.join(pythons)}），需要连网，可能要几分钟……")
    try:
        bundle = make_bundle(out, pythons)
    except subprocess.CalledProcessError as exc:
        raise UsageError(f"下载失败（pip 退出码 {exc.returncode}）：请检查网络或 pip 的镜像设置后重试") from None
    except BundleError as exc:
        raise UsageError(str(exc)) from None
    print(f"已生成离线安装包：{bundle.folder}（{len(bundle.wheels)} 个 wheel，加载项 {bundle.addin.name}，"
          f"安装脚本 {bundle.script.name}）")
    print("把整个文件夹复制到办事员的电脑上，双击 install.cmd（步骤见 说明.txt 和 README）。")
    return EXIT_OK


def register(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Add ``tidu addin …`` to the command line."""
    addin = sub.add_parser("addin", help="Excel 加载项（功能区“企业梯度培育”）：生成、安装、卸载、离线安装包")
    addin_sub = addin.add_subparsers(dest="addin_command", metavar="子命令", parser_class=parser_class)
    build = addin_sub.add_parser("build", help="由仓库中的文本源生成 tidu.xlam")
    build.add_argument("-o", "--output", default="tidu.xlam", help="输出文件（默认 tidu.xlam）")
    build.set_defaults(func=cmd_build)

    install = addin_sub.add_parser("install", help="把加载项装进 Excel 启动文件夹，并写入本 Python 的路径")
    install.add_argument("--xlstart", help="Excel 启动文件夹（默认 %%APPDATA%%\\Microsoft\\Excel\\XLSTART）")
    install.add_argument("--interpreter", help="加载项使用的 python.exe（默认：运行本命令的 Python）")
    install.add_argument("--from", dest="source", help="安装这个加载项文件（默认：按本机 tidu 现场生成）")
    install.set_defaults(func=cmd_install)

    uninstall = addin_sub.add_parser("uninstall", help="从 Excel 启动文件夹删除加载项")
    uninstall.add_argument("--xlstart", help="Excel 启动文件夹（默认 %%APPDATA%%\\Microsoft\\Excel\\XLSTART）")
    uninstall.set_defaults(func=cmd_uninstall)

    bundle = addin_sub.add_parser("bundle", help="生成离线安装包：Windows 版 wheel、加载项和安装脚本")
    bundle.add_argument("-o", "--output", required=True, help="输出文件夹")
    bundle.add_argument("--python", action="append", help="支持的 Python 版本（可重复；默认 3.11、3.12、3.13）")
    bundle.add_argument("--force", action="store_true", help="输出文件夹不空时也写入")
    bundle.set_defaults(func=cmd_bundle)
