"""The guard hands the reader the parts it checked (``Inspection.parts``), not the file to read again.

python-calamine parses a stored zip of what the guard inflated and checked: the sheets read, the
workbook, its relationships, styles and shared strings. So a file changed on disk between the
check and the parse is not parsed, and nothing is inflated twice. Parts over KEEP_BYTES are not
kept; the reader then opens the file itself, with the same result.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from tidu.engine import guard, reader
from tidu.engine.consolidate import consolidate
from tidu.engine.reader import _COUNTING_SHEETS, READ_SHEETS, read_submission
from tidu.workbook.builder import build_workbook

from . import hostile
from .sample import rows

CENTRE = "昆明市中小企业服务中心"


@pytest.fixture(scope="module")
def filled(tmp_path_factory, plan_report) -> Path:
    return build_workbook(tmp_path_factory.mktemp("handoff") / "昆明.xlsx", CENTRE, plan_report, rows=rows())


def _sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name → its part, as the guard resolves them."""
    with open(path, "rb") as fh, zipfile.ZipFile(fh) as zf:
        return guard._sheet_parts(guard._Package(fh, zf), {i.filename: i for i in zf.infolist()})


@pytest.mark.parametrize("sheets", [_COUNTING_SHEETS, READ_SHEETS], ids=["consolidation", "screening"])
def test_parts_are_the_checked_members_inflated(filled, sheets):
    parts = guard.inspect(filled, sheets).parts
    assert parts is not None
    by_sheet = _sheet_parts(filled)
    with zipfile.ZipFile(filled) as original, zipfile.ZipFile(io.BytesIO(parts)) as handed:
        assert handed.testzip() is None  # every CRC right
        assert {i.compress_type for i in handed.infolist()} == {zipfile.ZIP_STORED}
        names = set(handed.namelist())
        worksheets = {n for n in names if n.startswith("xl/worksheets/")}
        assert worksheets == {by_sheet[s] for s in sheets if s in by_sheet}
        # besides the sheets read, exactly what calamine opens: nothing it never reads is held
        assert names - worksheets == {"_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/workbook.xml",
                                      "xl/sharedStrings.xml", "xl/styles.xml"}
        for name in names:
            assert handed.read(name) == original.read(name), name


def test_reader_parses_the_checked_bytes_not_the_file_again(tmp_path, filled, kunming_book, monkeypatch):
    """A file swapped right after the check (here for a blank workbook; it could be one the guard
    would refuse): what is read is what was checked."""
    path = tmp_path / "换过的.xlsx"
    shutil.copy(filled, path)
    expected = read_submission(str(filled), indicators=False)
    checked = guard.inspect

    def swapped_after_the_check(file, sheets=()):
        inspection = checked(file, sheets)
        shutil.copy(kunming_book, path)
        return inspection

    monkeypatch.setattr(reader.guard, "inspect", swapped_after_the_check)
    submission, findings = read_submission(str(path), indicators=False)
    assert submission is not None and expected[0] is not None and expected[0].enterprises
    assert submission.enterprises == expected[0].enterprises
    assert submission.activities == expected[0].activities
    assert submission.participants == expected[0].participants
    assert [f.code for f in findings] == [f.code for f in expected[1]]


def test_parts_over_the_limit_are_read_from_the_file_alike(filled, monkeypatch):
    kept = read_submission(str(filled), indicators=False)
    monkeypatch.setattr(guard, "KEEP_BYTES", 1024)
    assert guard.inspect(filled, _COUNTING_SHEETS).parts is None
    assert read_submission(str(filled), indicators=False) == kept


def test_a_consolidation_reads_the_same_with_and_without_parts(tmp_path, filled, plan_report, monkeypatch):
    shutil.copy(filled, tmp_path / filled.name)
    day = dt.date(2021, 12, 31)
    with_parts = consolidate(tmp_path, plan_report, day, workers=1)
    monkeypatch.setattr(guard, "KEEP_BYTES", 0)
    without = consolidate(tmp_path, plan_report, day, workers=1)
    assert with_parts.province == without.province
    assert [(f.code, f.row) for f in with_parts.findings] == [(f.code, f.row) for f in without.findings]
    assert sum(p.sessions for p in with_parts.province) > 0  # the sample has sessions: something was counted


def _info(name: str, content: bytes, utf8: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.flag_bits, info.CRC = (0x800 if utf8 else 0), zipfile.crc32(content)
    return info


# (name, content, whether the submitted file flagged its name as UTF-8)
MEMBERS = [("xl/workbook.xml", b"<workbook/>", False), ("空的.xml", b"", True),
           ("xl/大.xml", bytes(range(256)) * 5000, True),
           ("xl/üñ.xml", b"<a/>", False),  # bytes 0x81 0xA4 read as CP437, as zipfile reads an unflagged name
           ("xl/" + "°" * 22_000 + ".xml", b"<b/>", False)]  # 22,000 bytes in CP437, 66,000 in UTF-8


def test_stored_zip_keeps_each_name_as_the_file_wrote_it():
    data = guard._stored_zip([(_info(name, content, utf8), content) for name, content, utf8 in MEMBERS])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        assert [(i.filename, zf.read(i), bool(i.flag_bits & 0x800)) for i in zf.infolist()] == MEMBERS
    assert b"xl/\x81\xa4.xml" in data  # the very bytes, not their UTF-8 spelling


# calamine by path, in a process of its own (it aborts on a bomb) capped at 1 GiB: 服务活动's rows, or None
_CALAMINE_BY_PATH = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from python_calamine import CalamineWorkbook
print(repr(CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_name("服务活动").to_python()))
"""


def _activity_rows_by_path(path: Path) -> str | None:
    done = subprocess.run([sys.executable, "-c", _CALAMINE_BY_PATH, str(path)], capture_output=True, text=True,
                          timeout=120)
    return done.stdout if done.returncode == 0 else None


@pytest.mark.parametrize("case", sorted(hostile.NAME_TRICKS))
def test_a_name_the_guard_and_calamine_would_resolve_apart_is_refused(tmp_path, filled, case):
    """Two readers of one zip: each trick makes calamine's zip library and zipfile mean different
    members by one name (or calamine find the workbook elsewhere). The guard refuses the file."""
    path = hostile.NAME_TRICKS[case](tmp_path, filled)
    with pytest.raises(guard.Rejected) as refused:
        guard.inspect(path, _COUNTING_SHEETS)
    assert refused.value.code == "file-unsafe"
    if case != "duplicate-member":  # (of two members of one name both readers take the last, the real one)
        # the trick is real: calamine reading the file itself does not parse the sheet the guard would check
        assert _activity_rows_by_path(path) != _activity_rows_by_path(filled)


def test_padding_in_parts_calamine_never_opens_does_not_make_the_reader_open_the_file(tmp_path, filled):
    """Only the parts calamine opens count toward KEEP_BYTES: 17 MB of noise elsewhere cannot make
    the reader go back to the file (where a swapped file would be read)."""
    import os

    path = tmp_path / "填充.xlsx"
    with zipfile.ZipFile(filled) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("xl/pad.xml", b"<a>" + os.urandom(17 * 1024 * 1024).hex().encode()[:17 * 1024 * 1024] + b"</a>")
    assert guard.inspect(path, _COUNTING_SHEETS).parts is not None
