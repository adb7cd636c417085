"""Walking a submission folder: every entry accounted for, nothing followed out of the folder.

A folder from a mailbox export or a shared drive may hold symlinks (to files elsewhere, to
folders, looping, dangling), FIFOs, names that are not UTF-8 (what ``unzip`` leaves for names
written on Windows in GBK), and absurd nesting. The walk is iterative with a depth bound, never
follows a link, and lists every entry it does not read with the reason.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

MAX_DEPTH = 32  # sub-folder levels below the submission folder that are read


@dataclass(frozen=True)
class Entry:
    """One thing found in the folder: a file to read (``skip`` None) or a reason it is not read."""

    path: str  # the real path, usable with open() (may hold surrogate escapes)
    skip: str | None = None
    size: int = 0  # bytes, of a file to read (as the walk found it)


def display_name(path: str | os.PathLike[str]) -> str:
    """A path as a person can read it: names that are not UTF-8 are tried as GBK (Windows zip
    archives), anything still undecodable is shown as U+FFFD, never an encoding error."""
    raw = os.fsencode(path)
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def walk(root: str | Path, exclude: frozenset[str] = frozenset()) -> list[Entry]:
    """Every entry under ``root`` in a stable order (sorted by path); files to read and skips."""
    root = os.path.abspath(root)
    real_root = os.path.realpath(root)
    found: list[Entry] = []
    stack: list[tuple[str, int]] = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            with os.scandir(folder) as it:
                children = sorted(it, key=lambda e: os.fsencode(e.name))
        except OSError as exc:
            found.append(Entry(folder, f"无法打开此文件夹（{exc.strerror or exc}）"))
            continue
        for child in children:
            path = child.path
            if os.path.abspath(path) in exclude:
                continue
            reason = _skip_reason(child, real_root)
            if reason == _DESCEND:
                if depth + 1 > MAX_DEPTH:
                    found.append(Entry(path, f"文件夹层级超过 {MAX_DEPTH} 层，未读取其中的文件"))
                else:
                    stack.append((path, depth + 1))
                continue
            # the stat _skip_reason took is cached in the DirEntry: the size costs no second call
            found.append(Entry(path, reason, 0 if reason else child.stat(follow_symlinks=False).st_size))
    return sorted(found, key=lambda e: os.fsencode(e.path))


_DESCEND = "\x00descend"


def _skip_reason(entry: os.DirEntry, root: str) -> str | None:
    """None to read the file, _DESCEND for a real sub-folder, else why the entry is not read."""
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError:
        return "文件在汇总过程中消失或无法访问"
    if stat.S_ISLNK(info.st_mode):
        return _link_reason(entry.path, root)
    if stat.S_ISDIR(info.st_mode):
        return _DESCEND
    if not stat.S_ISREG(info.st_mode):
        return "不是普通文件（管道、设备或套接字），未读取"
    return None


def _link_reason(path: str, root: str) -> str:
    """Links are never followed: say where this one points."""
    try:
        target = os.path.realpath(path, strict=True)
    except (OSError, RuntimeError):
        return "符号链接的目标不存在或循环指向，未读取"
    inside = os.path.commonpath([root, target]) == root
    if not inside:
        return "符号链接指向报送文件夹以外，未读取"
    if os.path.isdir(target):
        return f"符号链接的文件夹，指向文件夹内的“{_rel(target, root)}”（按原文件夹读取），未重复读取"
    return f"符号链接，指向文件夹内的“{_rel(target, root)}”（按原文件读取），未重复读取"


def _rel(target: str, root: str) -> str:
    return display_name(os.path.relpath(target, root))
