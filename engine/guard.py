"""Checks on a submitted file before any spreadsheet parser sees it.

A submitted file is hostile until checked: it may be a zip bomb, carry XML entity declarations,
be an .xls / CSV / web page renamed .xlsx, be encrypted, truncated, or declare two cells so far
apart that a dense reader would try to allocate hundreds of gigabytes (python-calamine aborts the
process on such files). Everything here reads bounded amounts with the standard library.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 10_000
MAX_UNCOMPRESSED = 512 * 1024 * 1024  # all members together
MAX_RATIO = 150  # uncompressed / compressed, for members over RATIO_FLOOR
RATIO_FLOOR = 4 * 1024 * 1024
MAX_SHEET_CELLS = 5_000_000  # rows × columns spanned by the valued cells of a sheet we read
PROLOG_BYTES = 64 * 1024  # the XML prolog (where DOCTYPE would be) must end within this

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Cells with content, written the usual way (r first, no namespace prefix): one C-speed pass.
_VALUED_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]{1,7}"[^>/]*>')
_VALUED_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"[^>/]*>')
# Anything else (a prefix such as <x:c, or attributes in another order) takes the general path.
_UNUSUAL_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:(?:c|row)\b|<c(?:\s(?!r=)|>)|<row(?:\s(?![^>]*\br=)|>)")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(c|row)\b([^>]*)>")
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_ROW_NUMBER = re.compile(rb'\br="([0-9]{1,7})"')
_ROOT = re.compile(rb"<[A-Za-z_]")


class Rejected(Exception):
    """The file must not be parsed. ``code`` is a finding code, ``reason`` Chinese text."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


@dataclass(frozen=True)
class Inspection:
    """What the guard learnt about a file that may be parsed."""

    macros: bool = False
    saved_at: dt.datetime | None = None  # docProps/core.xml dcterms:modified


def _sniff(head: bytes, path: Path) -> None:
    """Reject anything that is not a zip package, naming what it looks like."""
    if not head:
        raise Rejected("file-format", "空文件（0 字节）")
    if head.startswith(_OLE2):
        raw = path.read_bytes()[: 4 * 1024 * 1024]
        if "EncryptedPackage".encode("utf-16-le") in raw:
            raise Rejected("file-encrypted", "工作簿设置了打开密码；请取消密码后另存为 .xlsx 再报送")
        raise Rejected("file-format", "这是旧版 Excel 97-2003 (.xls) 文件；请在 Excel/WPS 中另存为 .xlsx 再报送")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table")) or b"<html" in text[:512]:
        raise Rejected("file-format", "这是网页 (HTML) 文件，不是 Excel 工作簿；请在 Excel/WPS 中另存为 .xlsx")
    if text.startswith(b"<?xml") or text.startswith(b"<"):
        raise Rejected("file-format", "这是 XML 文件，不是 .xlsx 工作簿；请在 Excel/WPS 中另存为 .xlsx")
    if _looks_like_text(head):
        raise Rejected("file-format", "这是 CSV 或文本文件，不是 Excel 工作簿；请使用标准台账模板")
    raise Rejected("file-format", "无法识别的文件格式，不是 .xlsx 工作簿")


def _looks_like_text(head: bytes) -> bool:
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _check_members(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise Rejected("file-unsafe", f"压缩包内文件过多（{len(infos)} 个），疑为恶意文件")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise Rejected("file-unsafe", f"“{info.filename}”解压后膨胀 {ratio} 倍（压缩炸弹），已拒绝")
        if info.flag_bits & 0x1:
            raise Rejected("file-encrypted", "工作簿内容已加密；请取消密码后再报送")
    if total > MAX_UNCOMPRESSED:
        raise Rejected("file-unsafe", f"解压后共 {total // (1024 * 1024)} MB，超过上限，疑为压缩炸弹")
    return {info.filename: info for info in infos}


def _format_of(names: Iterable[str]) -> None:
    names = set(names)
    if "mimetype" in names and "content.xml" in names:
        raise Rejected("file-format", "这是 OpenDocument 表格 (.ods)；请在 WPS/LibreOffice 中另存为 .xlsx 再报送")
    if "xl/workbook.bin" in names:
        raise Rejected("file-format", "这是 Excel 二进制工作簿 (.xlsb)；请另存为 .xlsx 再报送")
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        if "word/document.xml" in names:
            raise Rejected("file-format", "这是 Word 文档，不是 Excel 工作簿")
        raise Rejected("file-unreadable", "压缩包中缺少工作簿主体 (xl/workbook.xml)，文件不完整或不是 .xlsx")


def _read_head(zf: zipfile.ZipFile, name: str) -> bytes:
    with zf.open(name) as fh:
        return fh.read(PROLOG_BYTES)


def _check_xml_prolog(zf: zipfile.ZipFile, names: Iterable[str]) -> None:
    """No DOCTYPE or ENTITY (entity bombs, external entities) in any XML part."""
    for name in names:
        if not name.endswith((".xml", ".rels", ".vml")):
            continue
        head = _read_head(zf, name)
        root = _ROOT.search(head)
        prolog = head[: root.start()] if root else head
        if b"<!DOCTYPE" in prolog.upper() or b"<!ENTITY" in prolog.upper():
            raise Rejected("file-unsafe", f"“{name}”含有 XML 实体声明（可能是实体炸弹或外部实体攻击），已拒绝")
        if root is None and len(head) >= PROLOG_BYTES:
            raise Rejected("file-unsafe", f"“{name}”开头异常（{PROLOG_BYTES // 1024} KB 内没有内容），已拒绝")


def _is_relationship_id(attribute: str) -> bool:
    """r:id in any namespace spelling (Transitional or Strict OOXML)."""
    return attribute.startswith("{") and attribute.endswith("}id") and "relationships" in attribute


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → part name, from workbook.xml and its relationships (prolog already checked).

    Two sheets of one name (Excel forbids it, case-insensitively) are refused: a reader may take
    the first while a check looks at the second.
    """
    workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels_name = "xl/_rels/workbook.xml.rels"
    targets = {}
    if rels_name in zf.NameToInfo:
        for rel in ElementTree.fromstring(zf.read(rels_name)):
            target = rel.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[rel.get("Id")] = part
    parts: dict[str, str] = {}
    seen: set[str] = set()
    for el in workbook.iter():
        if el.tag.endswith("}sheet") or el.tag == "sheet":
            name = el.get("name", "")
            if name.casefold() in seen:
                raise Rejected("file-unsafe",
                               f"工作表名称“{name[:40]}”重复出现（Excel 不允许），疑为恶意构造的文件，已拒绝")
            seen.add(name.casefold())
            rid = next((v for k, v in el.attrib.items() if _is_relationship_id(k)), "")
            parts[name] = targets.get(rid, "")
    return parts


def _check_extent(zf: zipfile.ZipFile, part: str, sheet: str) -> None:
    """Reject a sheet whose cells span more than MAX_SHEET_CELLS (dense readers allocate it all).

    The usual form (every cell with its r="A1") takes one C-speed regex pass. Anything else
    (prefixed tags, rows or cells without r=, whose place follows the one before) is walked tag
    by tag, placing each cell as a reader would, so no spelling hides a far-away cell.
    """
    max_row = max_col = 0
    row = col = 0  # the position the next cell without r= takes (general path)
    tail = b""
    with zf.open(part) as fh:
        while chunk := fh.read(1024 * 1024):
            data = tail + chunk
            cut = data.rfind(b"<")
            scan, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
            if _UNUSUAL_CELL.search(scan):
                for match in _CELL_TAG.finditer(scan):
                    kind, attrs = match.group(1), match.group(2)
                    ref = _CELL_REF.search(attrs) if kind == b"c" else _ROW_NUMBER.search(attrs)
                    if kind == b"row":
                        row, col = (int(ref.group(1)) if ref else row + 1), 0
                        continue
                    if ref:
                        col, row = _col_number(ref.group(1)), int(ref.group(2))
                    else:
                        col, row = col + 1, max(row, 1)
                    max_col, max_row = max(max_col, col), max(max_row, row)
            elif (bound := _quick_bound(scan)) is not None:
                max_row, max_col = max(max_row, bound[0]), max(max_col, bound[1])
            else:
                # C-speed: distinct column letters (a handful) and the row numbers as one map
                columns = set(_VALUED_COLUMN.findall(scan))
                if columns:
                    max_col = max(max_col, max(map(_col_number, columns)))
                    max_row = max(max_row, max(map(int, _VALUED_ROW.findall(scan))))
    if max_row * max_col > MAX_SHEET_CELLS:
        raise Rejected("file-unsafe", f"工作表《{sheet[:40]}》的数据范围达 {max_row} 行 × {max_col} 列，远超正常台账，"
                                      "疑为恶意构造的文件，已拒绝")


_ROW_TAG = re.compile(rb'<row r="([0-9]{1,7})"')
_MULTI_LETTER = re.compile(rb'<c r="[A-Z]{2}')
_SINGLE_LETTER = re.compile(rb'<c r="([A-Z])')


def _quick_bound(scan: bytes) -> tuple[int, int] | None:
    """An upper bound (rows, columns) of the usual form's cells without listing them, or None when
    a precise count is needed. Columns: the highest single letter used (no two-letter column);
    rows: no cell number has more digits than the highest row tag, so all lie below 10^digits."""
    if _MULTI_LETTER.search(scan):
        return None
    letters = set(_SINGLE_LETTER.findall(scan))
    col = max(letters)[0] - 64 if letters else 0
    rows = _ROW_TAG.findall(scan)
    if not col:
        return (0, 0)
    if not rows:
        return None
    digits = len(str(max(map(int, rows))))
    if re.search(rb'<c r="[A-Z][0-9]{%d}' % (digits + 1), scan):
        return None
    bound = 10**digits - 1
    return (bound, col) if bound * col <= MAX_SHEET_CELLS else None


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _saved_at(zf: zipfile.ZipFile) -> dt.datetime | None:
    if "docProps/core.xml" not in zf.NameToInfo:
        return None
    try:
        core = ElementTree.fromstring(zf.read("docProps/core.xml"))
    except ElementTree.ParseError:
        return None
    for el in core.iter():
        if el.tag.endswith("}modified") and el.text:
            try:
                return dt.datetime.fromisoformat(el.text.strip().replace("Z", "+00:00")).replace(tzinfo=None)
            except ValueError:
                return None
    return None


def inspect(path: str | Path, sheets: Iterable[str] = ()) -> Inspection:
    """Raise :class:`Rejected` unless ``path`` is a plausible, safe .xlsx/.xlsm package.

    ``sheets`` are the sheet names the caller will read; their extent is checked.
    """
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise Rejected("file-unsafe", f"文件有 {size // (1024 * 1024)} MB，超过 {limit} MB 上限")
    with path.open("rb") as fh:
        head = fh.read(8192)
    _sniff(head, path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = _check_members(zf)
            _format_of(infos)
            _check_xml_prolog(zf, infos)
            try:
                parts = _sheet_parts(zf)
            except ElementTree.ParseError:
                raise Rejected("file-unreadable", "工作簿结构 (xl/workbook.xml) 已损坏") from None
            for sheet in sheets:
                part = parts.get(sheet)
                if part is not None and part not in infos:
                    raise Rejected("file-unreadable", f"工作表《{sheet}》的内容在文件中缺失或无法定位，文件不完整")
            # Every worksheet part a read sheet leads to is checked, and so is every worksheet part
            # no sheet names (a reader could be steered to it); sheets we never read are not parsed.
            named = set(parts.values())
            wanted = {parts[s] for s in sheets if parts.get(s)}
            orphans = {n for n in infos if n.startswith("xl/worksheets/") and n.endswith(".xml")} - named
            names = {part: name for name, part in parts.items()}
            for part in sorted(wanted | orphans):
                if part in infos:
                    _check_extent(zf, part, names.get(part, part))
            macros = "xl/vbaProject.bin" in infos
            return Inspection(macros=macros, saved_at=_saved_at(zf))
    except zipfile.BadZipFile:
        raise Rejected("file-unreadable", "文件已损坏或不完整（可能传输中断），请重新导出后报送") from None
    except (zipfile.LargeZipFile, NotImplementedError, EOFError, zlib.error):
        raise Rejected("file-unreadable", "文件中的压缩数据已损坏，请重新导出后报送") from None
