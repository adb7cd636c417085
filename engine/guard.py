"""Checks on a submitted file before any spreadsheet parser sees it.

A submitted file is hostile until checked: it may be a zip bomb, carry XML entity declarations,
be an .xls / CSV / web page renamed .xlsx, be encrypted, truncated, or declare two cells so far
apart that a dense reader would try to allocate hundreds of gigabytes (python-calamine aborts the
process on such files). Everything here reads bounded amounts with the standard library.

Cost matters (every submission passes here before calamine reads it), so the work is tiered:
each XML part's prolog is read from a small head, and a worksheet is first scanned by two
C-speed regex searches that prove its bound for the form spreadsheet writers use; only a sheet
they cannot clear is measured further (see _check_extent).

The parts calamine opens (the sheets checked, the workbook, the relationships, styles and shared
strings) are kept as the guard inflated them and handed over as a stored zip
(:attr:`Inspection.parts`): the reader parses exactly the bytes that were checked, not the file
read again, and does not inflate them a second time. So that the guard and calamine mean the
same member by each name, whichever reads the file, names that two members share once case and
slashes are ignored, names with NUL and a second name in an extra field are refused, and the
package must lead to its workbook at xl/ (see :func:`_reader_key`, :func:`_check_document_folder`).
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree

# ISA-L's inflate: the same streams as zlib's, three times as fast (the guard inflates every sheet
# it checks before calamine reads it again)
from isal.isal_zlib import crc32, decompressobj
from isal.isal_zlib import error as InflateError

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 10_000
MAX_UNCOMPRESSED = 512 * 1024 * 1024  # all members together
MAX_RATIO = 150  # uncompressed / compressed, for members over RATIO_FLOOR
RATIO_FLOOR = 4 * 1024 * 1024
MAX_SHEET_CELLS = 5_000_000  # rows × columns spanned by the valued cells of a sheet we read
PROLOG_BYTES = 64 * 1024  # the XML prolog (where DOCTYPE would be) must end within this
HEAD_BYTES = 256  # first look at a part's prolog; more is read only while the root has not started
CHUNK_BYTES = 4 * 1024 * 1024  # decompressed worksheet bytes scanned at a time
_READ_BYTES = 1024 * 1024  # compressed bytes read at a time
_EXTRA_ROOM = 64  # bytes read beyond a local header's name for its extra field (more is read if needed)
#: Inflated parts handed to the reader at most (a big centre's are about 2 MB); beyond, it reads the file
#: itself, so a huge sheet is not held twice in memory.
KEEP_BYTES = 16 * 1024 * 1024

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then file name and extra field lengths
_LOCAL_SIGNATURE = b"PK\x03\x04"

# Prolog: the root element is the first "<name" outside comments and processing instructions
# (a "<a" inside a comment must not end the prolog early and hide a DOCTYPE after it).
_PROLOG_MARKUP = re.compile(rb"<(?:(!--)|(\?)|[A-Za-z_])")

# Tier 1, the fast path. A cell is a "c" element; a reader places it by its first r attribute.
# When every cell tag is written `<c r="` + one letter + at most _FAST_DIGITS digits + `"` and
# none has a namespace prefix, no cell lies beyond column Z or row 10**_FAST_DIGITS - 1, so the
# sheet is bounded without listing a single cell. Two searches find anything else: the first
# stops only at "<c", the second only at a ':' (rare in a sheet), so both run near memory speed.
_FAST_DIGITS = max(d for d in range(1, 8) if 26 * (10**d - 1) <= MAX_SHEET_CELLS)
_NOT_PLAIN_CELL = re.compile(rb'<c(?! r="[A-Z][0-9]{1,%d}+")[\s/>]' % _FAST_DIGITS)
_PREFIXED_CELL = re.compile(rb":c[\s/>]")  # <x:c ...>: quick-xml matches the local name only

# Tier 2: every cell in the usual form with any 1-3 letter, 1-7 digit reference; C-speed findall of
# the references. A cell certainly self-closing (<c r="A1" s="1"/>) holds no value: readers skip it.
_NOT_USUAL_CELL = re.compile(rb'<c(?! r="[A-Z]{1,3}[0-9]{1,7}")[\s/>]')
_USUAL_CELL = re.compile(rb"""<c r="([A-Z]{1,3})([0-9]{1,7})"([^>"'<]*+(?:(?:"[^"<>]*+"|'[^'<>]*+')[^>"'<]*+)*+>)?""")

# Tier 3, anything else: every c / row start tag (any prefix; a quoted '>' or '<' does not end
# it, as in quick-xml), placed tag by tag as a reader would.
_TAG_START = re.compile(rb"<(?:[^\s/>:<]*:)?(?:c|row)[\s/>]")
_TAG = re.compile(rb"""<(?:[^\s/>:<]*:)?(c|row)(?=[\s/>])([^>"']*+(?:(?:"[^"]*+"|'[^']*+')[^>"']*+)*+)>""")
_ATTRIBUTE = re.compile(rb"""\s*([^\s=/>"']+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_LOOSE_R = re.compile(rb"""(?<![\w:.-])r\s*=\s*["']?([A-Za-z]*)([0-9]+)""")
_CELL_REF = re.compile(rb"([A-Za-z]+)([0-9]+)")
_ROW_REF = re.compile(rb"[0-9]+")


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
    #: The parts a cell reader needs, as checked, in a zip whose members are stored (not compressed);
    #: None when they would exceed KEEP_BYTES (the reader then opens the file itself).
    parts: bytes | None = None


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
    seen: dict[str, str] = {}  # the name as the reader looks it up → the member's name
    for info in infos:
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise Rejected("file-unsafe", f"“{info.filename}”解压后膨胀 {ratio} 倍（压缩炸弹），已拒绝")
        if info.flag_bits & 0x1:
            raise Rejected("file-encrypted", "工作簿内容已加密；请取消密码后再报送")
        # zipfile and the reader's zip library must see one name for each member, and one member
        # for each name: zipfile cuts a name at NUL and ignores the Info-ZIP Unicode Path field, and
        # calamine finds a part ignoring case and reading \ as / (the last of two wins).
        if "\x00" in info.orig_filename or _has_extra_field(info.extra, _UNICODE_PATH_FIELD):
            raise Rejected("file-unsafe", f"压缩包中“{info.filename[:60]}”的文件名经过伪装"
                                          "（含空字符或另附一个文件名），疑为恶意构造的文件，已拒绝")
        key = _reader_key(info.filename)
        if key in seen:
            raise Rejected("file-unsafe", f"压缩包中“{seen[key][:60]}”与“{info.filename[:60]}”指同一个部件"
                                          "（仅大小写或斜杠不同，或重名），疑为恶意构造的文件，已拒绝")
        seen[key] = info.filename
    if total > MAX_UNCOMPRESSED:
        raise Rejected("file-unsafe", f"解压后共 {total // (1024 * 1024)} MB，超过上限，疑为压缩炸弹")
    return {info.filename: info for info in infos}


_UNICODE_PATH_FIELD = 0x7075
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _reader_key(name: str) -> str:
    """A part's name as calamine looks it up: a backslash read as /, ASCII letters in lower case."""
    return name.replace("\\", "/").translate(_ASCII_LOWER)


def _has_extra_field(extra: bytes, wanted: int) -> bool:
    """Whether a zip extra field block (id, size, data ...) holds a field of id ``wanted``."""
    pos = 0
    while pos + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, pos)
        if kind == wanted:
            return True
        pos += 4 + size
    return False


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


class _Package:
    """The members of an open zip, decompressed in bounded pieces.

    zipfile reads the central directory; the common members (stored or deflated) are then read
    straight from the file: a prolog check inflates a few hundred bytes instead of zipfile's 4 KB
    minimum per open, and a sheet is inflated in large pieces. The checks are zipfile's (local
    header signature and name, a stream cut short, the declared size and CRC of a member read to
    its end), with one stricter: a member that inflates beyond its declared size is refused, not
    cut at that size (a reader that inflates the whole stream would see bytes the guard had not).
    """

    def __init__(self, fh: BinaryIO, zf: zipfile.ZipFile):
        self.fh, self.zf = fh, zf
        self._whole: dict[str, bytes] = {}  # member → its bytes, for the parts read whole

    def pieces(self, info: zipfile.ZipInfo, size: int, read: int = _READ_BYTES) -> Iterator[bytes]:
        """The member's bytes in pieces of at most ``size``; once all is read, its length and CRC must
        be the declared ones."""
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x20:
            with self.zf.open(info) as member:  # bzip2, lzma, patched data: zipfile's own reader
                while piece := member.read(size):
                    yield piece
            return
        pending, left = self._first_bytes(info, read if info.compress_type == zipfile.ZIP_DEFLATED else size)
        inflater = decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        total = crc = 0
        while True:
            if not pending and left > 0:
                pending = self.fh.read(min(left, read if inflater is not None else max(read, size)))
                if not pending:
                    raise EOFError(f"{info.filename}: the file ends inside this member")
                left -= len(pending)
            if inflater is None:
                if not pending:
                    break
                piece, pending = pending[:size], pending[size:]
            else:
                # asking for no more than the rest (+1, to see an overrun) keeps zlib's buffers tight
                piece = inflater.decompress(pending, min(size, info.file_size - total + 1))
                pending = inflater.unconsumed_tail
                if not piece:
                    if pending:
                        raise zlib.error(f"{info.filename}: compressed data makes no progress")
                    if left <= 0:
                        break  # nothing more can come; the stream must have ended
            if piece:
                total += len(piece)
                if total > info.file_size:
                    raise zipfile.BadZipFile(f"{info.filename}: more data than declared")
                crc = crc32(piece, crc)
                yield piece
            if inflater is not None and inflater.eof:
                break
        if inflater is not None and not inflater.eof:
            raise EOFError("Compressed file ended before the end-of-stream marker was reached")
        if total != info.file_size or crc != info.CRC:
            raise zipfile.BadZipFile(f"Bad CRC-32 or size for file {info.orig_filename!r}")

    def head(self, info: zipfile.ZipInfo, size: int) -> bytes:
        """The member's first ``size`` bytes (all of it, if shorter)."""
        if info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & 0x20:
            data, left = self._first_bytes(info, 2 * size)  # most prologs: one read, one inflate
            head = decompressobj(-15).decompress(data, size)
            if len(head) == size or (not left and len(head) == info.file_size):
                return head
        head, pieces = b"", self.pieces(info, size, read=size)
        try:
            for piece in pieces:
                head += piece
                if len(head) >= size:
                    break
        finally:
            pieces.close()
        return head[:size]

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """The whole member, inflated once however often it is asked for (the parts checked and then
        handed to the reader; at most KEEP_BYTES of sheets, and small parts such as core.xml)."""
        if info.filename not in self._whole:
            self._whole[info.filename] = b"".join(self.pieces(info, max(info.file_size, 1)))
        return self._whole[info.filename]

    def _first_bytes(self, info: zipfile.ZipInfo, want: int) -> tuple[bytes, int]:
        """Check the local header as zipfile does; return the member's first (up to ``want``)
        compressed bytes, read with the header in one go, and how many compressed bytes remain."""
        name = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
        self.fh.seek(info.header_offset)
        first = min(info.compress_size, want)
        buffer = self.fh.read(_LOCAL_HEADER.size + len(name) + _EXTRA_ROOM + first)
        if len(buffer) < _LOCAL_HEADER.size:
            raise zipfile.BadZipFile("Truncated file header")
        signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(buffer)
        if signature != _LOCAL_SIGNATURE:
            raise zipfile.BadZipFile("Bad magic number for file header")
        if name_length != len(name) or buffer[_LOCAL_HEADER.size:_LOCAL_HEADER.size + len(name)] != name:
            raise zipfile.BadZipFile(f"File name in directory {info.orig_filename!r} and header differ.")
        start = _LOCAL_HEADER.size + name_length + extra_length
        if start > len(buffer):  # a long extra field: read past it
            self.fh.seek(info.header_offset + start)
            return b"", info.compress_size
        data = buffer[start:start + info.compress_size]
        return data, info.compress_size - len(data)


def _root_start(head: bytes) -> int | None:
    """Where the root element starts, past comments and processing instructions; None if not in ``head``."""
    pos = 0
    while match := _PROLOG_MARKUP.search(head, pos):
        if match.group(1):
            end, skip = head.find(b"-->", match.end()), 3
        elif match.group(2):
            end, skip = head.find(b"?>", match.end()), 2
        else:
            return match.start()
        if end < 0:
            return None
        pos = end + skip
    return None


def _check_xml_prolog(package: _Package, infos: dict[str, zipfile.ZipInfo]) -> None:
    """No DOCTYPE or ENTITY (entity bombs, external entities) in any XML part.

    A small head is read first; only while the root element has not started is more read, up to
    PROLOG_BYTES, past which a part is refused (a DOCTYPE could hide after a long comment).
    """
    for name, info in infos.items():
        if not name.endswith((".xml", ".rels", ".vml")):
            continue
        head = package.head(info, HEAD_BYTES)
        root = _root_start(head)
        if root is None and len(head) >= HEAD_BYTES:
            head = package.head(info, PROLOG_BYTES)
            root = _root_start(head)
            if root is not None and root + 2 > PROLOG_BYTES:  # its "<" and first letter lie past the limit
                root = None
        prolog = (head[:root] if root is not None else head).upper()
        if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
            raise Rejected("file-unsafe", f"“{name}”含有 XML 实体声明（可能是实体炸弹或外部实体攻击），已拒绝")
        if root is None and len(head) >= PROLOG_BYTES:
            raise Rejected("file-unsafe", f"“{name}”开头异常（{PROLOG_BYTES // 1024} KB 内没有内容），已拒绝")


def _is_relationship_id(attribute: str) -> bool:
    """r:id in any namespace spelling (Transitional or Strict OOXML)."""
    return attribute.startswith("{") and attribute.endswith("}id") and "relationships" in attribute


def _sheet_parts(package: _Package, infos: dict[str, zipfile.ZipInfo]) -> dict[str, str]:
    """Sheet name → part name, from workbook.xml and its relationships (prolog already checked).

    Two sheets of one name (Excel forbids it, case-insensitively) are refused: a reader may take
    the first while a check looks at the second.
    """
    workbook = ElementTree.fromstring(package.read(infos["xl/workbook.xml"]))
    rels_name = "xl/_rels/workbook.xml.rels"
    targets = {}
    if rels_name in infos:
        for rel in ElementTree.fromstring(package.read(infos[rels_name])):
            target = rel.get("Target", "")
            part = target[1:] if target.startswith("/") else "xl/" + target  # as calamine joins them
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


def _blocks(pieces: Iterator[bytes]) -> Iterator[tuple[bytes, int, bool]]:
    """The sheet's XML as (buffer, end, last): each block ``buffer[:end]`` ends just before a '<', so
    a tag with no '<' inside it is never cut; the last block is the remainder. Scanners take
    ``end`` as their end position, so no block is copied.

    A run of more than CHUNK_BYTES with no '<' after its first byte (a giant text or tag; no
    writer makes one) is passed on whole rather than carried: it holds no further tag start.
    """
    tail = b""
    try:
        for piece in pieces:
            data = tail + piece if tail else piece
            cut = data.rfind(b"<")
            if cut < 0 or (cut == 0 and len(data) > CHUNK_BYTES):
                yield data, len(data), False
                tail = b""
            else:
                if cut:
                    yield data, cut, False
                tail = data[cut:]
    finally:
        pieces.close()
    yield tail, len(tail), True


def _plainly_bounded(blocks: Iterator[tuple[bytes, int, bool]]) -> bool:
    """Tier 1: every cell tag in the plain form, none prefixed (two searches per block)."""
    try:
        for data, end, _ in blocks:
            if _NOT_PLAIN_CELL.search(data, 0, end) or _PREFIXED_CELL.search(data, 0, end):
                return False
    finally:
        blocks.close()
    return True


def _usual_extent(blocks: Iterator[tuple[bytes, int, bool]]) -> tuple[int, int] | None:
    """Tier 2: (rows, columns) spanned by valued cells when every cell is in the usual form, else None."""
    max_row = max_col = 0
    try:
        for data, end, _ in blocks:
            # A prefixed cell is a cell: with ':' read as '<', <x:c r="B2"> is held to the usual form
            # too (the swap only adds '<'s, so it cannot hide a tag).
            data = data.replace(b":", b"<")
            if _NOT_USUAL_CELL.search(data, 0, end):
                return None
            columns, rows = set(), set()
            for letters, digits, rest_of_tag in _USUAL_CELL.findall(data, 0, end):
                if not rest_of_tag.endswith(b"/>"):  # a tag too odd to read to its end counts as valued
                    columns.add(letters)
                    rows.add(digits)
            if columns:
                max_col = max(max_col, max(map(_col_number, columns)))
                max_row = max(max_row, max(map(int, rows)))
    finally:
        blocks.close()
    return max_row, max_col


def _first_r(attrs: bytes) -> tuple[bytes | None, list[bytes]]:
    """The value of the first attribute named exactly r, as quick-xml reads it.

    Attributes that do not parse stop the walk; any r= in the rest is returned as a loose candidate
    (a lenient reader might still find it), so a malformed tag can only make the guard stricter.
    """
    pos, end = 0, len(attrs.rstrip(b" \t\r\n/"))
    while pos < end:
        match = _ATTRIBUTE.match(attrs, pos)
        if match is None:
            return None, [m.group(1) + m.group(2) for m in _LOOSE_R.finditer(attrs, pos)]
        if match.group(1) == b"r":
            return (match.group(2) if match.group(2) is not None else match.group(3)), []
        pos = match.end()
    return None, []


def _general_extent(blocks: Iterator[tuple[bytes, int, bool]], sheet: str) -> tuple[int, int]:
    """Tier 3: place every cell tag by tag, as a reader would (a cell without r= follows the one before)."""
    max_row = max_col = 0
    row = col = 0
    for data, end, last in blocks:  # (left unclosed on a refusal: nothing more is read from it)
        starts = _TAG_START.finditer(data, 0, end)
        for match in _TAG.finditer(data, 0, end):
            start = next(starts, None)
            if start is None or start.start() != match.start():
                _refuse_broken_tags(sheet)  # a c/row tag with a '<' inside: a fake tag, or one cut short
            value, loose = _first_r(match.group(2))
            if match.group(1) == b"row":
                ref = _ROW_REF.fullmatch(value) if value is not None else None
                row, col = (int(ref.group()) if ref else row + 1), 0
                max_row = max([max_row, *(int(_ROW_REF.search(c).group()) for c in loose)])
                continue
            ref = _CELL_REF.fullmatch(value) if value is not None else None
            if ref:
                col, row = _col_number(ref.group(1).upper()), int(ref.group(2))
            else:
                col, row = col + 1, max(row, 1)
            max_col, max_row = max(max_col, col), max(max_row, row)
            for candidate in loose:
                if loose_ref := _CELL_REF.search(candidate):
                    max_col = max(max_col, _col_number(loose_ref.group(1).upper()))
                    max_row = max(max_row, int(loose_ref.group(2)))
        # A start left unmatched can only be the sheet's very end (a truncated part: readers fail on it).
        if next(starts, None) is not None and (not last or next(starts, None) is not None):
            _refuse_broken_tags(sheet)
    return max_row, max_col


def _refuse_broken_tags(sheet: str) -> None:
    raise Rejected("file-unsafe", f"工作表《{sheet[:40]}》的单元格标记残缺或相互嵌套，疑为恶意构造的文件，已拒绝")


def _check_extent(package: _Package, info: zipfile.ZipInfo, sheet: str, content: bytes | None = None) -> None:
    """Reject a sheet whose cells span more than MAX_SHEET_CELLS (dense readers allocate it all).

    Tier 1 proves the bound for the plain form in two searches per block; failing that the sheet is
    measured: tier 2 (usual form, C-speed findall of references) or else tier 3 (tag by tag,
    placing cells without r= as a reader would), so no spelling hides a cell. Each tier reads the
    sheet from its start (``content``, when the sheet is kept whole, else inflated again), so the
    figures in a refusal come from one method.
    """
    def pieces() -> Iterator[bytes]:
        if content is None:
            return package.pieces(info, CHUNK_BYTES)
        return (content[start:start + CHUNK_BYTES] for start in range(0, max(len(content), 1), CHUNK_BYTES))

    if _plainly_bounded(_blocks(pieces())):
        return
    extent = _usual_extent(_blocks(pieces()))
    if extent is None:
        extent = _general_extent(_blocks(pieces()), sheet)
    max_row, max_col = extent
    if max_row * max_col > MAX_SHEET_CELLS:
        raise Rejected("file-unsafe", f"工作表《{sheet[:40]}》的数据范围达 {max_row} 行 × {max_col} 列，远超正常台账，"
                                      "疑为恶意构造的文件，已拒绝")


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _saved_at(package: _Package, infos: dict[str, zipfile.ZipInfo]) -> dt.datetime | None:
    if "docProps/core.xml" not in infos:
        return None
    try:
        core = ElementTree.fromstring(package.read(infos["docProps/core.xml"]))
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
    with path.open("rb", buffering=0) as fh:  # exact reads: members are read where they lie
        _sniff(fh.read(8192), path)
        try:
            with zipfile.ZipFile(fh) as zf:
                return _inspect_package(_Package(fh, zf), zf, sheets)
        except (zipfile.BadZipFile, UnicodeDecodeError):  # the latter: a member name not in its declared UTF-8
            raise Rejected("file-unreadable", "文件已损坏或不完整（可能传输中断），请重新导出后报送") from None
        except (zipfile.LargeZipFile, NotImplementedError, EOFError, zlib.error, InflateError):
            raise Rejected("file-unreadable", "文件中的压缩数据已损坏，请重新导出后报送") from None


def _check_document_folder(package: _Package, infos: dict[str, zipfile.ZipInfo]) -> None:
    """calamine finds the workbook through the package's relationships (``_rels/.rels``): they must
    lead to xl/, where the guard reads it (without them calamine refuses the file itself)."""
    if "_rels/.rels" not in infos:
        return
    for rel in ElementTree.fromstring(package.read(infos["_rels/.rels"])).iter():
        if rel.tag.rpartition("}")[2] == "Relationship" and rel.get("Type", "").endswith(
                "/relationships/officeDocument"):
            target = rel.get("Target", "")
            folder = target[:target.rfind("/") + 1].removeprefix("/")  # calamine's: up to the last /
            if folder != "xl/":
                raise Rejected("file-unsafe", f"工作簿主体指向“{target[:60]}”而不是 xl/workbook.xml，"
                                              "疑为恶意构造的文件，已拒绝")


#: What calamine opens besides the sheets it reads (looked up as :func:`_reader_key` does).
_READER_PARTS = ("_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/workbook.xml", "xl/sharedStrings.xml",
                 "xl/styles.xml")


def _inspect_package(package: _Package, zf: zipfile.ZipFile, sheets: Iterable[str]) -> Inspection:
    infos = _check_members(zf)
    _format_of(infos)
    _check_xml_prolog(package, infos)
    try:
        _check_document_folder(package, infos)
    except ElementTree.ParseError:
        raise Rejected("file-unreadable", "包关系 (_rels/.rels) 已损坏") from None
    try:
        parts = _sheet_parts(package, infos)
    except ElementTree.ParseError:
        raise Rejected("file-unreadable", "工作簿结构 (xl/workbook.xml) 已损坏") from None
    for sheet in sheets:
        part = parts.get(sheet)
        if part is not None and part not in infos:
            raise Rejected("file-unreadable", f"工作表《{sheet}》的内容在文件中缺失或无法定位，文件不完整")
    # Every worksheet part a read sheet leads to is checked, and so is every worksheet part
    # no sheet names (a reader could be steered to it); sheets we never read are not parsed.
    named = set(parts.values())
    wanted = {parts[s] for s in sheets if parts.get(s) in infos}
    orphans = {n for n in infos if n.startswith("xl/worksheets/") and n.endswith(".xml")} - named
    names = {part: name for name, part in parts.items()}
    by_key = {_reader_key(name): name for name in infos}  # one each: _check_members refused collisions
    handed = sorted(wanted | {by_key[key] for key in map(_reader_key, _READER_PARTS) if key in by_key})
    keep = sum(infos[n].file_size for n in handed) <= KEEP_BYTES
    for part in sorted(wanted | orphans):
        if part in infos:
            content = package.read(infos[part]) if keep and part in wanted else None
            _check_extent(package, infos[part], names.get(part, part), content)
    macros = "xl/vbaProject.bin" in infos
    return Inspection(macros=macros, saved_at=_saved_at(package, infos),
                      parts=_stored_zip([(infos[n], package.read(infos[n])) for n in handed]) if keep else None)


_STORED_LOCAL = struct.Struct("<4s5H3I2H")
_STORED_CENTRAL = struct.Struct("<4s6H3I5H2I")
_STORED_END = struct.Struct("<4s4H2IH")


def _stored_zip(members: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    """A zip of the members' inflated contents, stored uncompressed, each named by the very bytes of
    its name in the submitted file (UTF-8 if flagged so, else CP437, as zipfile read it).

    Written here rather than with zipfile, which would compute every CRC again (a millisecond a
    file): each CRC was checked against the member's own as it was inflated. The parts are at most
    KEEP_BYTES, so the classic format (no Zip64) holds them.
    """
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for info, content in members:
        utf8 = info.flag_bits & 0x800
        encoded = info.orig_filename.encode("utf-8" if utf8 else "cp437")
        crc = info.CRC
        # version 2.0, flags: the name's encoding (bit 11), method 0 (stored), no time, sizes
        local = _STORED_LOCAL.pack(b"PK\x03\x04", 20, utf8, 0, 0, 0x21, crc, len(content), len(content),
                                   len(encoded), 0)
        central.append(_STORED_CENTRAL.pack(b"PK\x01\x02", 20, 20, utf8, 0, 0, 0x21, crc, len(content),
                                            len(content), len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
        out += (local, encoded, content)
        offset += len(local) + len(encoded) + len(content)
    directory = b"".join(central)
    end = _STORED_END.pack(b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), offset, 0)
    return b"".join([*out, directory, end])
