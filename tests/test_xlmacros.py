"""The Excel front doors through xlwings' own remote engine: real Book/Range code, real workbooks.

Each test builds and fills a workbook with ``workbook/``, turns it into the payload Excel would
send (tests/xlpayload.py), runs an entry point on ``xw.Book(json=payload)`` and asserts on the
actions xlwings would send back to Excel.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
from tidu.engine.check import check_file
from tidu.engine.sheet_outputs import findings_rows, progress_rows
from tidu.schemas import contract as c
from tidu.workbook.builder import build_workbook
from tidu.xlmacros import ribbon

from tidu import __version__

from .sample import CENTRE, E9, rows
from .xlpayload import apply, open_payload, payload

BAD = {"activity:0:date": dt.date(2020, 1, 1), "activity:1:tier": "微型企业", "activity:2:evidence": None,
       "signin:2:uscc": E9, "activity:0:attendees": 2.5}
ENTRY = {c.ROSTER.name, c.ACTIVITY.name, c.SIGNIN.name}


@pytest.fixture(scope="module")
def bad_book(tmp_path_factory, plan_report) -> Path:
    path = tmp_path_factory.mktemp("xw") / "bad.xlsx"
    return build_workbook(path, CENTRE, plan_report, rows=rows(BAD))


@pytest.fixture(scope="module")
def good_book(tmp_path_factory, plan_report) -> Path:
    path = tmp_path_factory.mktemp("xw") / "good.xlsx"
    return build_workbook(path, CENTRE, plan_report, rows=rows())


def _sheet_index(data, name: str) -> int:
    return [s["name"] for s in data["sheets"]].index(name)


def _as_sent(rows):
    """Values as xlwings sends them to Excel: None as an empty cell, numbers as floats."""
    return [["" if v is None else float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in row]
            for row in rows]


def _press(data, entry, *args):
    book = open_payload(copy.deepcopy(data))
    result = entry(book, *args)
    return result, book.json()["actions"]


def _cells(actions, func: str) -> list[tuple[int, int, int, object]]:
    return [(a["sheet_position"], a["start_row"] + 1, a["start_column"] + 1, a["args"][0])
            for a in actions if a["func"] == func]


def test_validate_writes_findings_with_links(bad_book):
    data = payload(bad_book)
    report, actions = _press(data, ribbon.validate)
    expected = check_file(bad_book, as_of=report.as_of)
    assert [(f.code, f.sheet, f.row, f.column) for f in report.findings] == [
        (f.code, f.sheet, f.row, f.column) for f in expected.findings]
    writes = [a for a in actions if a["func"] == "setValues"]
    assert len(writes) == 1  # one bulk write
    write = writes[0]
    assert write["sheet_position"] == _sheet_index(data, c.FINDINGS)
    assert (write["start_row"], write["start_column"]) == (1, 0)
    assert [row[:7] for row in write["values"]] == _as_sent(findings_rows(report))
    links = {row[1]: row[7] for row in write["values"]}
    assert links["date-outside-year"] == "=HYPERLINK(\"#'服务活动'!B2\",\"服务活动!B2\")"


def test_validate_fills_and_annotates_offending_cells(bad_book):
    data = payload(bad_book)
    report, actions = _press(data, ribbon.validate)
    act, sign = _sheet_index(data, c.ACTIVITY.name), _sheet_index(data, c.SIGNIN.name)
    fills = {(s, r, col): colour for s, r, col, colour in _cells(actions, "setRangeColor")}
    assert fills[(act, 2, 2)] == ribbon.FILLS["error"]  # 活动日期 of row 2
    assert fills[(act, 3, 4)] == ribbon.FILLS["error"]  # 服务梯度 of row 3
    assert fills[(sign, 4, 2)] == ribbon.FILLS["warning"]  # a sign-in not on the roster
    assert (act, 4, 12) not in fills  # info findings (no 佐证材料) are not coloured
    notes = {(a["sheet_position"], a["args"][0]): a["args"][1] for a in actions if a["func"] == "addNote"}
    assert "2020-01-01" in notes[(act, "$B$2")]
    assert len(fills) == len({(f.sheet, f.row, f.column) for f in report.findings if f.severity != "info"})


def test_validate_never_touches_what_the_clerk_typed(bad_book):
    data = payload(bad_book)
    _, actions = _press(data, ribbon.validate)
    entry = {_sheet_index(data, name) for name in ENTRY | {c.META}}
    assert not [a for a in actions if a["sheet_position"] in entry and a["func"] in {"setValues", "rangeClearContents",
                                                                                    "rangeClear", "setFormula"}]


def test_pressing_validate_twice_gives_the_same_workbook(bad_book):
    data = payload(bad_book)
    _, first = _press(data, ribbon.validate)
    after_first = apply(copy.deepcopy(data), first)
    _, second = _press(after_first, ribbon.validate)
    after_second = apply(copy.deepcopy(after_first), second)
    assert after_second["sheets"] == after_first["sheets"]  # values and notes
    # fills: the second press first removes exactly the first press's fills, then puts the same ones back
    cleared = [(s, r, col) for s, r, col, colour in _cells(second, "setRangeColor") if colour is None]
    painted_first = [(s, r, col) for s, r, col, _ in _cells(first, "setRangeColor")]
    assert sorted(cleared) == sorted(painted_first)
    assert [x for x in _cells(second, "setRangeColor") if x[3] is not None] == _cells(first, "setRangeColor")


def test_validate_a_clean_workbook_leaves_no_marks(good_book):
    _, actions = _press(payload(good_book), ribbon.validate)
    assert _cells(actions, "setRangeColor") == [] and _cells(actions, "addNote") == []


def test_rollup_writes_the_engine_figures(good_book):
    data = payload(good_book)
    report, actions = _press(data, ribbon.rollup)
    progress = _sheet_index(data, c.PROGRESS)
    block = next(n for n in data["names"] if n["name"] == c.NAME_PROGRESS_ENGINE)
    first_row = int("".join(ch for ch in block["address"].split(":")[0] if ch.isdigit()))
    write = next(a for a in actions if a["func"] == "setValues" and a["start_row"] == first_row)
    assert write["sheet_position"] == progress and write["start_column"] == 0
    assert write["values"] == _as_sent(progress_rows(report.progress, report.as_of))
    assert [row[0] for row in write["values"]] == [*(p.tier for p in report.progress), "合计"]
    caption = next(a for a in actions if a["func"] == "setValues" and a["start_row"] == first_row - 2)
    assert str(report.as_of) in caption["values"][0][0]


def test_flag_gaps_colours_each_tier(good_book):
    data = payload(good_book)
    report, actions = _press(data, ribbon.flag_gaps)
    fills = [colour for *_, colour in _cells(actions, "setRangeColor")]
    assert len(fills) == len(report.progress)
    behind = [p.behind_pace for p in report.progress]
    assert [f == ribbon.FLAG_FILLS["behind"] for f in fills] == [bool(b) for b in behind]
    assert len(_cells(actions, "addNote")) == sum(1 for p in report.progress
                                                  if p.sessions_target is not None or p.enterprises_target)


def test_export_refuses_a_workbook_with_errors(bad_book, tmp_path):
    saved = []
    result, actions = _press(payload(bad_book), ribbon.export_submission, tmp_path,
                             lambda book, path: saved.append(path))
    assert result is None and saved == []
    alerts = [a for a in actions if a["func"] == "alert"]
    assert len(alerts) == 1 and "不能导出" in alerts[0]["args"][0]
    assert not [a for a in actions if a["func"] == "setValues"]


def test_export_stamps_meta_and_saves_a_named_copy(good_book, tmp_path):
    data = payload(good_book)
    saved = []
    result, actions = _press(data, ribbon.export_submission, tmp_path, lambda book, path: saved.append(path))
    assert saved == [result] and result.parent == tmp_path
    assert result.name.startswith(f"{CENTRE}_报送_") and result.suffix == ".xlsx"
    meta = _sheet_index(data, c.META)
    stamp = next(a for a in actions if a["func"] == "setValues")
    exported_row = list(c.META_KEYS).index("exported_at") + 2
    assert (stamp["sheet_position"], stamp["start_row"] + 1, stamp["start_column"] + 1) == (meta, exported_row, 2)
    assert dt.datetime.fromisoformat(stamp["values"][0][0]).date() == dt.date.today()


# --- a click, as the add-in's RunPython makes it (ribbon.click) --------------------------------


@pytest.fixture
def log(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "logs" / "tidu-excel.log"
    monkeypatch.setattr(ribbon, "log_file", lambda: path)
    return path


def _click(data, entry, version=__version__):
    book = open_payload(copy.deepcopy(data))
    ribbon.click(entry, version, book)
    return book.json()["actions"]


def _alerts(actions) -> list[str]:
    return [a["args"][0] for a in actions if a["func"] == "alert"]


def test_a_click_from_another_addin_version_says_what_to_run_and_changes_nothing(good_book, log):
    actions = _click(payload(good_book), "validate_caller", "0.0.1")
    [message] = _alerts(actions)
    assert "0.0.1" in message and __version__ in message and "tidu addin install" in message
    assert not [a for a in actions if a["func"] in {"setValues", "setRangeColor", "addNote", "rangeClearContents"}]


def test_validate_click_shows_counts_and_the_results_sheet(bad_book, log):
    data = payload(bad_book)
    actions = _click(data, "validate_caller")
    report = check_file(bad_book)
    errors = sum(1 for f in report.findings if f.severity == "error")
    [message] = _alerts(actions)
    assert f"错误 {errors} 条" in message
    activated = [a["args"][0] for a in actions if a["func"] == "activateSheet"]
    assert activated == [_sheet_index(data, c.FINDINGS)]
    funcs = [a["func"] for a in actions]
    # screen updating off before the first write, back on after the last one
    assert funcs.index("setScreenUpdating") < funcs.index("setValues")
    screen = [a["args"][0] for a in actions if a["func"] == "setScreenUpdating"]
    assert screen == [False, True]
    last_write = max(i for i, f in enumerate(funcs) if f in {"setValues", "setRangeColor", "addNote"})
    assert last_write < len(funcs) - 1 - funcs[::-1].index("setScreenUpdating")
    assert not log.exists()


def test_rollup_click_shows_totals_and_the_progress_sheet(good_book, log):
    data = payload(good_book)
    actions = _click(data, "rollup_caller")
    report = check_file(good_book)
    [message] = _alerts(actions)
    assert f"服务活动 {sum(p.sessions for p in report.progress)} 场" in message
    assert [a["args"][0] for a in actions if a["func"] == "activateSheet"] == [_sheet_index(data, c.PROGRESS)]


def test_an_error_becomes_a_chinese_message_naming_the_log_with_the_traceback(good_book, log, monkeypatch):
    def broken(book):
        raise RuntimeError("boom")

    monkeypatch.setitem(ribbon.ENTRIES, "validate_caller", broken)
    actions = _click(payload(good_book), "validate_caller")
    [message] = _alerts(actions)
    assert str(log) in message and "RuntimeError" in message
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "boom" in text
    assert [a["args"][0] for a in actions if a["func"] == "setScreenUpdating"] == [False, True]


def test_export_click_needs_a_saved_workbook(good_book, log):
    # the remote engine's book has no folder (like a workbook never saved: "工作簿1")
    actions = _click(payload(good_book), "export_submission_caller")
    [message] = _alerts(actions)
    assert "保存" in message
    assert not [a for a in actions if a["func"] == "setValues"]


@pytest.mark.parametrize(("fullname", "folder"), [
    ("工作簿1", None),
    ("good.xlsx", None),
    (r"C:\台账\昆明.xlsx", "C:\\台账"),
    ("/home/clerk/台账/昆明.xlsx", "/home/clerk/台账"),
])
def test_saved_folder(fullname, folder):
    class Book:
        pass

    book = Book()
    book.fullname = fullname
    found = ribbon.saved_folder(book)
    assert (None if found is None else str(found)) == folder
