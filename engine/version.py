"""The tidu version, compared between the Excel add-in and the Python package it calls.

The add-in carries the version it was built from (its VBA constant ``TIDU_VERSION``); every
click sends it to Python, and ``tidu doctor`` reads it from the installed add-in. When the two
differ the clerk is told, in Chinese, what to run. The version itself is written only in
``tidu/__init__.py``.
"""

from __future__ import annotations

from tidu import __version__


def package_version() -> str:
    """The version of the tidu package that is running."""
    return __version__


def version_advice(addin_version: str | None, package: str = __version__) -> str | None:
    """None when the add-in and the package are the same version; otherwise what to do."""
    if addin_version == package:
        return None
    if not addin_version:
        return ("无法读取加载项的版本：加载项文件可能来自旧版本或已损坏。"
                "请在命令提示符中运行：tidu addin install（重新安装加载项）。")
    return (f"Excel 加载项的版本（{addin_version}）与本机 Python 中的 tidu（{package}）不一致。"
            f"请二选一：在命令提示符中运行 tidu addin install，安装与 Python 中 tidu 同版本的加载项；"
            f"或运行 python -m pip install tidu=={addin_version}（离线安装包中运行 install.cmd），"
            f"把 Python 中的 tidu 换成与加载项相同的版本。然后关闭并重新打开 Excel。")
