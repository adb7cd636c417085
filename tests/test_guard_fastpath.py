"""The guard's fast paths refuse everything the slow ones did, at every edge.

guard.inspect clears a worksheet with two regex searches when every cell tag is in the plain form
(`<c r="` + one letter + at most five digits, no prefix), and reads each XML part's prolog from a
small head.
Each case below sits just past an edge of those shortcuts: the odd cell comes late in a big sheet,
or a block boundary falls inside it, or the DOCTYPE comes after a long comment. A file the guard
accepts is then read by python-calamine, the real consumer, to show its extent is what was allowed.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest
import python_calamine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tidu.engine import guard

from . import hostile

SHEET = "服务活动"  # the sheet tests/hostile.py packages
HEAD, TAIL = hostile._SHEET_HEAD, hostile._SHEET_TAIL
COLUMNS = "ABCDEFGHIJKLM"  # 13, as the activity sheet


def _rows(count: int, columns: str = COLUMNS) -> str:
    """``count`` rows of plain numeric cells (about 35 bytes a cell)."""
    return "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}" s="1"><v>{r}</v></c>' for c in columns) + "</row>"
                   for r in range(1, count + 1))


BIG = _rows(3000)  # 1.4 MB: one block at the shipped block size, 21 at 64 KB
NARROW = _rows(3000, "A")


def _sheet(body: str, last: str = "") -> bytes:
    return (HEAD + body + last + TAIL).encode()


def _verdict(path: Path) -> str | None:
    try:
        guard.inspect(path, [SHEET])
    except guard.Rejected as rejected:
        return rejected.code
    return None


def _calamine_cells(path: Path) -> int:
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET).to_python()
    return len(rows) * max((len(row) for row in rows), default=0)


# (case, sheet body, cell appended in a last row or rows, verdict): None = accepted
EXTENT_CASES = [
    ("plain", BIG, "", None),
    ("two-letter-column-late", BIG, '<row r="3001"><c r="AA3001"><v>1</v></c></row>', None),
    ("two-letter-column-late-and-far", BIG, '<row r="300000"><c r="ZZ300000"><v>1</v></c></row>', "file-unsafe"),
    ("six-digit-row-late", BIG, '<row r="100000"><c r="A100000"><v>1</v></c></row>', None),
    ("six-digit-row-late-wide", BIG, '<row r="999999"><c r="M999999"><v>1</v></c></row>', "file-unsafe"),
    ("seven-digit-row-late-one-column", NARROW, '<row r="1048576"><c r="A1048576"><v>1</v></c></row>', None),
    ("seven-digit-row-late", BIG, '<row r="1048576"><c r="A1048576"><v>1</v></c></row>', "file-unsafe"),
    ("eight-digit-row", BIG, '<row r="3001"><c r="A99999999"><v>1</v></c></row>', "file-unsafe"),
    ("leading-zeros", BIG, '<row r="3001"><c r="XFD0001048576"><v>1</v></c></row>', "file-unsafe"),
    ("far-cell-late", BIG, '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "file-unsafe"),
    ("far-cell-self-closing", BIG, '<row r="3001"><c r="XFD1048576" s="1"/></row>', None),
    ("cell-without-r-late", BIG, '<row r="3001"><c><v>1</v></c></row>', None),
    ("cells-without-r-far-row", BIG, '<row r="1048576">' + "<c><v>1</v></c>" * 6 + "</row>", "file-unsafe"),
    ("row-without-r-many-cells", BIG, "<row>" + "<c><v>1</v></c>" * 2000 + "</row>", "file-unsafe"),
    ("prefixed-cell-late", BIG, '<row r="3001"><x:c r="B3001"><v>1</v></x:c></row>', None),
    ("prefixed-cell-late-and-far", BIG, '<row r="3001"><x:c r="XFD1048576"><v>1</v></x:c></row>', "file-unsafe"),
    ("prefixed-row-and-cells-without-r", BIG, '<x:row r="1048576">' + "<x:c><v>1</v></x:c>" * 6 + "</x:row>",
     "file-unsafe"),
    ("lowercase-ref", BIG, '<row r="3001"><c r="xfd1048576"><v>1</v></c></row>', "file-unsafe"),
    ("single-quoted-ref", BIG, "<row r=\"3001\"><c r='XFD1048576'><v>1</v></c></row>", "file-unsafe"),
    ("spaces-around-equals", BIG, '<row r="3001"><c r = "XFD1048576"><v>1</v></c></row>', "file-unsafe"),
    ("tab-before-r", BIG, '<row r="3001"><c\tr="XFD1048576"><v>1</v></c></row>', "file-unsafe"),
    ("newline-before-r", BIG, '<row r="3001"><c\nr="XFD1048576"><v>1</v></c></row>', "file-unsafe"),
    ("r-not-first", BIG, '<row r="3001"><c s="1" r="XFD1048576"><v>1</v></c></row>', "file-unsafe"),
    ("quoted-gt-before-r", BIG, '<row r="3001"><c s=">" r="XFD1048576"><v>1</v></c></row>', "file-unsafe"),
    ("quoted-lt-before-r", BIG, '<row r="3001"><c s="<" r="XFD1048576"><v>1</v></c></row>', "file-unsafe"),
    ("slash-in-a-value-after-r", BIG, '<row r="3001"><c r="XFD1048576" x="a/b"><v>1</v></c></row>', "file-unsafe"),
    ("r-in-another-namespace", BIG, '<row r="3001"><c x:r="XFD1048576"><v>1</v></c></row>', None),
    ("far-cell-in-a-comment", BIG, '<!-- <c r="XFD1048576"><v>1</v></c> -->', "file-unsafe"),
]


@pytest.fixture(params=[guard.CHUNK_BYTES, 64 * 1024], ids=["default-blocks", "64KB-blocks"])
def block_size(request, monkeypatch):
    """Every case runs with the shipped block size and with blocks small enough to cut the sheet."""
    monkeypatch.setattr(guard, "CHUNK_BYTES", request.param)
    return request.param


@pytest.mark.parametrize(("case", "body", "last", "verdict"), EXTENT_CASES, ids=[c[0] for c in EXTENT_CASES])
def test_sheet_extent(tmp_path, block_size, case, body, last, verdict):
    path = hostile._package(tmp_path / f"{case}.xlsx", _sheet(body, last))
    assert _verdict(path) == verdict
    if verdict is None:  # what the guard let through, the reader reads within the bound
        assert 0 < _calamine_cells(path) <= guard.MAX_SHEET_CELLS


# The last row, moved across a block boundary a byte at a time: (case, row, verdict)
BOUNDARY_CASES = [
    ("far", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "file-unsafe"),
    ("far-prefixed", '<row r="1048576"><x:c r="XFD1048576"><v>1</v></x:c></row>', "file-unsafe"),
    ("far-quoted-lt", '<row r="2"><c s="<" r="XFD1048576"><v>1</v></c></row>', "file-unsafe"),
    ("far-without-r", '<row r="1048576">' + "<c><v>1</v></c>" * 6 + "</row>", "file-unsafe"),
    ("near", '<row r="4"><c r="B4"><v>1</v></c></row>', None),
    ("near-prefixed", '<row r="4"><x:c r="B4"><v>1</v></x:c></row>', None),
    ("near-r-not-first", '<row r="4"><c s="1" r="B4"><v>1</v></c></row>', None),
    ("near-without-r", '<row r="4">' + "<c><v>1</v></c>" * 6 + "</row>", None),
]


@pytest.mark.parametrize(("case", "row", "verdict"), BOUNDARY_CASES, ids=[c[0] for c in BOUNDARY_CASES])
def test_a_block_boundary_anywhere_in_the_last_row(tmp_path, monkeypatch, case, row, verdict):
    """Blocks of 97 bytes, the row shifted a byte at a time: a boundary falls on every byte of it."""
    monkeypatch.setattr(guard, "CHUNK_BYTES", 97)
    verdicts = set()
    for shift in range(97):
        body = _rows(3, "AB") + " " * shift  # whitespace between rows moves the last row along
        verdicts.add(_verdict(hostile._package(tmp_path / f"{shift}.xlsx", _sheet(body, row))))
    assert verdicts == {verdict}


def test_a_long_text_run_across_blocks_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(guard, "CHUNK_BYTES", 1024)
    text = '<row r="2"><c r="A2" t="inlineStr"><is><t>' + "长" * 3000 + "</t></is></c></row>"
    path = hostile._package(tmp_path / "long-text.xlsx", _sheet(_rows(1), text))
    assert _verdict(path) is None
    assert _calamine_cells(path) == 2 * len(COLUMNS)


_DOCTYPE = '<!DOCTYPE x [<!ENTITY a "b">]>'
_ROOT = HEAD.split("?>", 1)[1]  # <worksheet ...><sheetData>
PROLOG_CASES = [
    ("plain", '<?xml version="1.0"?>', None),
    ("doctype", '<?xml version="1.0"?>' + _DOCTYPE, "file-unsafe"),
    ("lowercase-doctype", '<?xml version="1.0"?>' + _DOCTYPE.lower(), "file-unsafe"),
    ("doctype-after-3KB-comment", '<?xml version="1.0"?><!--' + "x" * 3000 + "-->" + _DOCTYPE, "file-unsafe"),
    ("3KB-comment-only", '<?xml version="1.0"?><!--' + "x" * 3000 + "-->", None),
    ("doctype-after-a-comment-holding-a-tag", '<?xml version="1.0"?><!-- <a> -->' + _DOCTYPE, "file-unsafe"),
    ("doctype-after-a-pi-holding-a-tag", '<?xml version="1.0"?><?pi <a>?>' + _DOCTYPE, "file-unsafe"),
    ("doctype-after-70KB-of-blanks", '<?xml version="1.0"?>' + " " * 70_000 + _DOCTYPE, "file-unsafe"),
    ("root-after-70KB-comment", '<?xml version="1.0"?><!--' + "x" * 70_000 + "-->", "file-unsafe"),
    ("root-after-60KB-comment", '<?xml version="1.0"?><!--' + "x" * 60_000 + "-->", None),
]


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "docProps/core.xml"])
@pytest.mark.parametrize(("case", "prolog", "verdict"), PROLOG_CASES, ids=[c[0] for c in PROLOG_CASES])
def test_xml_prolog(tmp_path, part, case, prolog, verdict):
    sheet = _sheet(_rows(2))
    if part == "xl/worksheets/sheet1.xml":
        sheet = (prolog + _ROOT + _rows(2) + TAIL).encode()
        members = {}
    else:
        members = {part: prolog + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
                                  'metadata/core-properties"/>'}

    def write(zf: zipfile.ZipFile) -> None:
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, text in members.items():
            zf.writestr(name, text)

    path = hostile._package(tmp_path / f"{case}.xlsx", write)
    assert _verdict(path) == verdict


# A field of the sheet's entry, in its local header and in the directory, and its false value
_LIES = {
    "stream-cut-short": (18, 20, lambda info: info.compress_size // 2),
    "inflates-beyond-its-declared-size": (22, 24, lambda info: info.file_size // 2),
    "wrong-crc": (14, 16, lambda info: info.CRC ^ 1),
}


@pytest.mark.parametrize("lie", sorted(_LIES))
def test_a_sheet_whose_entry_lies_is_refused(tmp_path, lie):
    path = hostile._package(tmp_path / f"{lie}.xlsx", _sheet(_rows(200)))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    name = info.filename.encode()
    central = next(i for i in range(len(data))
                   if data[i:i + 4] == b"PK\x01\x02" and data[i + 46:i + 46 + len(name)] == name)
    local_offset, central_offset, value = _LIES[lie]
    for at in (info.header_offset + local_offset, central + central_offset):
        struct.pack_into("<L", data, at, value(info))
    path.write_bytes(bytes(data))
    assert _verdict(path) == "file-unreadable"


# Cells as a hostile writer might spell them: any prefix, quote, spacing, case, attribute order.
_refs = st.tuples(st.text("ABCXYZabxz", min_size=1, max_size=3), st.text("0123456789", min_size=1, max_size=8))
_cell = st.builds(
    lambda prefix, sep, before, quote, ref, empty: (
        f"<{prefix}c{sep}{before}r={quote}{ref[0]}{ref[1]}{quote}" + ("/>" if empty else f"><v>1</v></{prefix}c>")),
    st.sampled_from(["", "x:"]), st.sampled_from([" ", "\t", "\n", "  "]),
    st.sampled_from(["", 's="1" ', 'x:r="A1" ']), st.sampled_from(['"', "'"]), _refs, st.booleans())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_cell, min_size=1, max_size=12))
def test_the_fast_path_never_clears_what_the_reader_model_refuses(cells):
    """Whenever the fast tier clears a sheet, the tag-by-tag tier finds it within the bound too."""
    xml = _sheet('<row r="1">' + "".join(cells) + "</row>")
    if guard._plainly_bounded(guard._blocks(piece for piece in [xml])):
        rows, columns = guard._general_extent(guard._blocks(piece for piece in [xml]), SHEET)
        assert rows * columns <= guard.MAX_SHEET_CELLS
