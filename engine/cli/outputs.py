"""Where the command line may write: checked before any work starts (exit 2 in Chinese otherwise).

An output never names an input or another output, and its folder must be writable. A file that
already exists inside the submission folder may only be replaced when it is tidu's own earlier
output (the report carries a marker; the JSON starts with the consolidation's first key).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from tidu.engine.consolidate import REPORT_MARKER
from tidu.engine.folder import display_name


class OutputError(ValueError):
    """An output location that must not be used; the message is Chinese."""


def _resolved(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _is_ours(path: Path) -> bool:
    """An earlier tidu report or consolidation JSON (which may be replaced)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
        if head.lstrip().startswith(b'{\n  "plan"') or head.lstrip().startswith(b'{"plan"'):
            return True
        with zipfile.ZipFile(path) as zf:
            return REPORT_MARKER.encode() in zf.read("docProps/core.xml")[:65536]
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def _writable_place(path: Path, what: str) -> None:
    """The output's folder exists or can be made, and can be written."""
    parent = path.parent
    while not parent.exists():
        if parent.is_symlink() or parent == parent.parent:
            break
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise OutputError(f"{what} {display_name(path)} 的上级路径 {display_name(parent)} 是一个文件，不是文件夹")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{what} {display_name(path)} 所在的文件夹 {display_name(parent)} 没有写入权限")


def check_outputs(inputs: Iterable[Path], outputs: Mapping[str, Path | None], folders: Mapping[str, Path] = {},
                  input_dir: Path | None = None) -> None:
    """Raise :class:`OutputError` unless every output (and output folder) may be written."""
    given = {what: _resolved(p) for what, p in outputs.items() if p is not None}
    sources = {_resolved(p) for p in inputs}
    root = _resolved(input_dir) if input_dir is not None else None
    seen: dict[Path, str] = {}
    for what, path in [*given.items(), *((w, _resolved(p)) for w, p in folders.items())]:
        if path in seen:
            raise OutputError(f"{what}和{seen[path]}是同一个路径 {display_name(path)}，请分别给出不同的文件名")
        seen[path] = what
    for what, path in given.items():
        if path in sources and not _is_ours(path):
            raise OutputError(f"{what} {display_name(path)} 是输入文件之一，不能覆盖；请换一个文件名")
        if path.is_dir():
            raise OutputError(f"{what} {display_name(path)} 是一个文件夹，请给出文件名")
        if root is not None and (root == path or root in path.parents) and path.exists() and not _is_ours(path):
            raise OutputError(f"{what} {display_name(path)} 是报送文件夹中的一个文件，不能覆盖；请换一个文件名或位置")
        _writable_place(path, what)
    for what, folder in folders.items():
        path = _resolved(folder)
        if root is not None and (path == root or path in root.parents):
            raise OutputError(f"{what} {display_name(path)} 不能是报送文件夹本身或它的上级文件夹")
        if path.exists() and not path.is_dir():
            raise OutputError(f"{what} {display_name(path)} 已经是一个文件，不是文件夹")
        _writable_place(path / "x", what)
