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
import zipfile
from pathlib import Path

import pytest
from tidu.engine import guard, reader
from tidu.engine.consolidate import consolidate
from tidu.engine.reader import _COUNTING_SHEETS, READ_SHEETS, read_submission
from tidu.workbook.builder import build_workbook

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
        expected = {n for n in original.namelist() if n.endswith((".xml", ".rels"))
                    and not n.startswith(("xl/worksheets/", "xl/theme/", "docProps/"))}
        assert names - worksheets == expected
        assert {"xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml", "_rels/.rels"} <= names
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


def test_stored_zip_round_trips_through_zipfile():
    members = [("xl/workbook.xml", b"<workbook/>"), ("空的.xml", b""), ("xl/大.xml", bytes(range(256)) * 5000)]
    data = guard._stored_zip([(name, content, zipfile.crc32(content)) for name, content in members])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        assert [(i.filename, zf.read(i)) for i in zf.infolist()] == members
