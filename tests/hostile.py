"""Makers of hostile and broken files, built in a folder (used by tests and bench/bench_hostile.py).

Each maker writes one file into ``folder`` from a good tidu workbook ``good`` (where it needs
one) and returns its path. The makers never touch ../shared.
"""

from __future__ import annotations

import shutil
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "calamine-tests"

_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
       'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
       'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
       'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
       'officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
       '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
       '<sheet name="服务活动" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
               'spreadsheetml/2006/main"><sheetData>')
_SHEET_TAIL = "</sheetData></worksheet>"


def _package(path: Path, sheet_xml: bytes | Callable[[zipfile.ZipFile], None], prolog: str = "",
             workbook: str = _WB, rels: str = _WB_RELS) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", rels)
        if callable(sheet_xml):
            sheet_xml(zf)
        else:
            zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return path


def entity_bomb(folder: Path, good: Path) -> Path:
    """Billion laughs in a sheet part."""
    lol = '<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)) + "]>"
    xml = (f'<?xml version="1.0"?>{lol}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    return _package(folder / "实体炸弹.xlsx", xml.encode())


def external_entity(folder: Path, good: Path) -> Path:
    """XXE: an external entity that would read a local file."""
    xml = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
           '<c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>')
    return _package(folder / "外部实体.xlsx", xml.encode())


def zip_bomb(folder: Path, good: Path, megabytes: int = 300) -> Path:
    """A sheet part that inflates to hundreds of megabytes (millions of cells) from a small file."""
    row = b"".join(b'<c r="%s1"><v>0</v></c>' % col.encode() for col in ("A", "B", "C", "D", "E", "F", "G", "H"))

    def write(zf: zipfile.ZipFile) -> None:
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(_SHEET_HEAD.encode())
            block = b'<row r="1">' + row + b"</row>"
            chunk = block * (1024 * 1024 // len(block))
            for _ in range(megabytes):
                fh.write(chunk)
            fh.write(_SHEET_TAIL.encode())

    return _package(folder / "压缩炸弹.xlsx", write)


def far_cells(folder: Path, good: Path) -> Path:
    """Two cells, at A1 and XFD1048576: a dense reader allocates 17 billion cells (calamine aborts)."""
    xml = (_SHEET_HEAD + '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c>'
           "</row>" + _SHEET_TAIL)
    return _package(folder / "两个远端单元格.xlsx", xml.encode())


def far_row_without_refs(folder: Path, good: Path) -> Path:
    """Cells without r=: their place follows the row's r= and the cell before (row 1,048,576 here)."""
    cells = "".join(f"<c><v>{i}</v></c>" for i in range(6))
    xml = _SHEET_HEAD + '<row r="1"><c><v>1</v></c></row><row r="1048576">' + cells + "</row>" + _SHEET_TAIL
    return _package(folder / "无坐标远端单元格.xlsx", xml.encode())


def rows_without_refs(folder: Path, good: Path) -> Path:
    """Rows and cells with no r= at all: each row follows the one before (1,100 rows of 5,000 cells)."""
    row = "<row>" + "<c><v>1</v></c>" * 5000 + "</row>"
    xml = _SHEET_HEAD + row * 1100 + _SHEET_TAIL
    return _package(folder / "无坐标大表.xlsx", xml.encode())


def _two_parts(far: bytes) -> Callable[[zipfile.ZipFile], None]:
    def write(zf: zipfile.ZipFile) -> None:
        zf.writestr("xl/worksheets/sheet1.xml", far)
        zf.writestr("xl/worksheets/sheet2.xml", (_SHEET_HEAD + '<row r="1"><c r="A1"><v>1</v></c></row>'
                                                 + _SHEET_TAIL).encode())
    return write


_FAR = (_SHEET_HEAD + '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c>'
        "</row>" + _SHEET_TAIL).encode()
_TWO_RELS = _WB_RELS.replace("</Relationships>", '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/'
                             'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>'
                             "</Relationships>")


def duplicate_sheet_name(folder: Path, good: Path) -> Path:
    """Two sheets named 服务活动: the first (which a reader takes) is a bomb, the second harmless."""
    workbook = _WB.replace('<sheet name="服务活动" sheetId="1" r:id="rId1"/>',
                           '<sheet name="服务活动" sheetId="1" r:id="rId1"/><sheet name="服务活动" sheetId="2" '
                           'r:id="rId2"/>')
    return _package(folder / "重名工作表.xlsx", _two_parts(_FAR), workbook=workbook, rels=_TWO_RELS)


def strict_namespace(folder: Path, good: Path) -> Path:
    """The sheet's r:id in the Strict OOXML relationships namespace, pointing at a bomb part."""
    workbook = _WB.replace("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                           "http://purl.oclc.org/ooxml/officeDocument/relationships")
    return _package(folder / "严格命名空间.xlsx", _FAR, workbook=workbook)


def million_styled_rows(folder: Path, good: Path) -> Path:
    """A real tidu workbook whose 服务活动 sheet carries a million styled, empty rows."""
    path = folder / "百万空行.xlsx"
    part = _sheet_part(good, "服务活动")
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == part:
                end = data.rindex(b"</sheetData>")
                rows = b"".join(b'<row r="%d" s="1" customFormat="1" ht="15"/>' % i for i in range(60000, 1060000))
                data = data[:end] + rows + data[end:]
            dst.writestr(info, data)
    return path


def _sheet_part(path: Path, name: str) -> str:
    import re

    with zipfile.ZipFile(path) as zf:
        workbook = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet name="{name}" sheetId="\d+" r:id="(rId\d+)"', workbook).group(1)
    target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"', rels)
    return "xl/" + (target.group(1) or target.group(2)).lstrip("/").removeprefix("xl/")


def _file_with(name: str, data: bytes) -> Callable[[Path, Path], Path]:
    def make(folder: Path, good: Path) -> Path:
        (folder / name).write_bytes(data)
        return folder / name
    return make


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _realworld_copy(name: str, source: str, stand_in: bytes) -> Callable[[Path, Path], Path]:
    """A real-world file when ../shared is beside the checkout, else a minimal stand-in."""
    def make(folder: Path, good: Path) -> Path:
        if (REALWORLD / source).exists():
            shutil.copyfile(REALWORLD / source, folder / name)
        else:
            (folder / name).write_bytes(stand_in)
        return folder / name
    return make


xls_renamed = _realworld_copy("旧版xls改名.xlsx", "date.xls", _OLE2 + b"\x00" * 504 + "Workbook".encode("utf-16-le"))
password_protected = _realworld_copy("有密码.xlsx", "pass_protected.xlsx",
                                     _OLE2 + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le"))
csv_renamed = _file_with("csv改名.xlsx", "统一社会信用代码,企业名称\n91530100MA6K000001,某公司\n".encode())
html_renamed = _file_with("网页改名.xlsx",
                          "<html><body><table><tr><td>活动编号</td></tr></table></body></html>".encode())
empty_file = _file_with("空文件.xlsx", b"")


def truncated(folder: Path, good: Path) -> Path:
    path = folder / "传输中断.xlsx"
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def bit_flipped(folder: Path, good: Path) -> Path:
    """Bytes flipped inside the compressed 服务活动 sheet."""
    path = folder / "比特翻转.xlsx"
    data = bytearray(good.read_bytes())
    part = _sheet_part(good, "服务活动")
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo(part)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 20, start + min(info.compress_size, 400), 7):
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def missing_sheet_part(folder: Path, good: Path) -> Path:
    path = folder / "缺少工作表部件.xlsx"
    part = _sheet_part(good, "服务活动")
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != part:
                dst.writestr(info, src.read(info.filename))
    return path


def with_macros(folder: Path, good: Path) -> Path:
    """The good workbook saved as .xlsm with a VBA project (never run, only flagged)."""
    path = folder / f"{good.stem}.xlsm"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
                data = data.replace(b"</Types>", b'<Default Extension="bin" ContentType="application/'
                                                 b'vnd.ms-office.vbaProject"/></Types>')
            dst.writestr(info, data)
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"Attribute VB_Name")
    return path


# --- one name, two members: the guard and calamine must mean the same member by each name ----------

def _raw_zip(path: Path, members: list[tuple[bytes, bytes, bytes]]) -> Path:
    """A zip written byte by byte from (name, content, extra field) members, deflated, names unflagged:
    names and fields zipfile would not write (a NUL, a backslash, two members of one name)."""
    local, central, offset = [], [], 0
    for name, content, extra in members:
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        packed, crc = packer.compress(content) + packer.flush(), zlib.crc32(content)
        header = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(packed), len(content),
                             len(name), 0) + name
        central.append(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(packed),
                                   len(content), len(name), len(extra), 0, 0, 0, 0, offset) + name + extra)
        local += [header, packed]
        offset += len(header) + len(packed)
    directory = b"".join(central)
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), offset, 0)
    path.write_bytes(b"".join([*local, directory, end]))
    return path


def _members(good: Path) -> list[tuple[bytes, bytes, bytes]]:
    with zipfile.ZipFile(good) as zf:
        return [(info.filename.encode(), zf.read(info), b"") for info in zf.infolist()]


def aliased_part_backslash(folder: Path, good: Path) -> Path:
    """A bomb at 服务活动's part spelt with backslashes: calamine reads \\ as / and takes the later member."""
    part = _sheet_part(good, "服务活动")
    return _raw_zip(folder / "反斜杠别名.xlsx", [*_members(good), (part.replace("/", "\\").encode(), _FAR, b"")])


def aliased_part_case(folder: Path, good: Path) -> Path:
    """A bomb at 服务活动's part in capitals: calamine finds parts ignoring case and takes the later member."""
    part = _sheet_part(good, "服务活动")
    return _raw_zip(folder / "大小写别名.xlsx", [*_members(good), (part.upper().encode(), _FAR, b"")])


def duplicate_member(folder: Path, good: Path) -> Path:
    """Two members named as 服务活动's part, a bomb and the real one."""
    part = _sheet_part(good, "服务活动").encode()
    members = _members(good)
    return _raw_zip(folder / "重名部件.xlsx", [(part, _FAR, b""), *members])


def nul_in_name(folder: Path, good: Path) -> Path:
    """The real sheet named "<part>\\0x", which zipfile reads as "<part>", and a bomb named "<part>",
    which calamine reads: the guard would check the one and calamine parse the other."""
    part = _sheet_part(good, "服务活动").encode()
    members = [(name + b"\x00x" if name == part else name, data, extra) for name, data, extra in _members(good)]
    return _raw_zip(folder / "文件名含空字符.xlsx", [(part, _FAR, b""), *members])


def unicode_path_field(folder: Path, good: Path) -> Path:
    """A bomb named xl/zz.bin for zipfile, carrying an Info-ZIP Unicode Path field that names it
    服务活动's part for calamine's zip library."""
    part = _sheet_part(good, "服务活动").encode()
    name = b"xl/zz.bin"
    field = struct.pack("<HHBI", 0x7075, 5 + len(part), 1, zlib.crc32(name)) + part
    return _raw_zip(folder / "另附文件名.xlsx", [*_members(good), (name, _FAR, field)])


def workbook_elsewhere(folder: Path, good: Path) -> Path:
    """_rels/.rels leads calamine to a second workbook in x2/, whose 服务活动 is a bomb; the real one
    stays in xl/ for a guard that reads xl/workbook.xml."""
    part = _sheet_part(good, "服务活动")
    members = _members(good)
    copies = [(b"x2/" + name[3:], _FAR if name.decode() == part else data, b"")
              for name, data, _ in members if name.startswith(b"xl/")]
    members = [(name, data.replace(b'Target="xl/workbook.xml"', b'Target="x2/workbook.xml"') if name == b"_rels/.rels"
                else data, extra) for name, data, extra in members]
    return _raw_zip(folder / "另一个工作簿.xlsx", members + copies)


NAME_TRICKS = {"aliased-part-backslash": aliased_part_backslash, "aliased-part-case": aliased_part_case,
               "duplicate-member": duplicate_member, "nul-in-name": nul_in_name,
               "unicode-path-field": unicode_path_field, "workbook-elsewhere": workbook_elsewhere}


REJECTED_CASES = {
    "entity-bomb": entity_bomb, "external-entity": external_entity, "zip-bomb": zip_bomb,
    "far-cells": far_cells, "xls-renamed": xls_renamed, "csv-renamed": csv_renamed, "html-renamed": html_renamed,
    "empty": empty_file, "password": password_protected, "truncated": truncated, "bit-flipped": bit_flipped,
    "missing-sheet-part": missing_sheet_part, "far-row-without-refs": far_row_without_refs,
    "rows-without-refs": rows_without_refs, "duplicate-sheet-name": duplicate_sheet_name,
    "strict-namespace": strict_namespace, **NAME_TRICKS,
}
