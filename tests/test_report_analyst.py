"""The provincial report the analyst acts on (issue 12), on the demo's submissions."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from tidu.workbook.feedback import row_ranges


def _texts(ws) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_report_opens_on_the_overview(demo_run):
    book = openpyxl.load_workbook(demo_run["report"])
    assert book.sheetnames[0] == "总览"
    assert book.active.title == "总览"
    data = json.loads(demo_run["json"].read_text(encoding="utf-8"))
    texts = " ".join(_texts(book["总览"]))
    (missing,) = data["missing"]
    assert missing in texts  # the centre that sent nothing is named on the first sheet
    assert "落后" in texts


def test_overview_ranks_units_by_all_tier_completion(demo_run):
    ws = openpyxl.load_workbook(demo_run["report"])["总览"]
    rows = [r for r in ws.iter_rows(values_only=True) if isinstance(r[10], int) and isinstance(r[11], str)]
    rates = [r[12] for r in rows if isinstance(r[12], float)]
    assert len(rows) == 30 and rates == sorted(rates, reverse=True)
    assert [r[10] for r in rows] == list(range(1, 31))


def test_duplicates_carry_their_kind_cross_unit_first(demo_run):
    data = json.loads(demo_run["json"].read_text(encoding="utf-8"))
    kinds = [d["kind"] for d in data["duplicates"]]
    assert set(kinds) <= {"协同", "跨单位"} and kinds
    assert kinds == sorted(kinds, key=lambda k: k != "跨单位")


def test_one_feedback_file_per_used_centre(demo_run):
    data = json.loads(demo_run["json"].read_text(encoding="utf-8"))
    used = {f["centre"] for f in data["files"] if f["status"] == "used"}
    folder = demo_run["report"].with_name(f"{demo_run['report'].stem}_反馈")
    files = sorted(folder.glob("*_退回意见.xlsx"))
    assert len([f for f in files if "_拒收_" not in f.name]) == len(used)
    centre_of = {x["file"]: x["centre"] for x in data["files"]}
    infos = Counter(centre_of[f["file"]] for f in data["findings"] if f["severity"] == "info")
    centre = max(sorted(used), key=lambda c: infos[c])  # one whose file has infos as well
    assert infos[centre]
    (mine,) = [f for f in files if f.name.startswith(centre.replace("/", "_") + "_退回意见")]
    ws = openpyxl.load_workbook(mine)["退回意见"]
    rows = list(ws.iter_rows(values_only=True))
    findings = [f for f in data["findings"]
                if next(x["centre"] for x in data["files"] if x["file"] == f["file"]) == centre]
    header = next(i for i, r in enumerate(rows) if r[0] == "严重程度")
    end = next(i for i in range(header + 1, len(rows)) if not rows[i][0])
    listed = rows[header + 1:end]
    loud = [f for f in findings if f["severity"] != "info"]
    assert len(listed) == len(loud)  # every error and warning, one row each, with sheet/row/column
    assert sorted((r[6], r[1], r[2], r[3]) for r in listed) == sorted(
        (f["code"], f["sheet"], f["row"] or None, f["column"]) for f in loud)
    # every info, counted by problem with the rows it is on
    quiet = [f for f in findings if f["severity"] == "info"]
    info_header = next((i for i, r in enumerate(rows) if r[0] == "条数"), len(rows))
    grouped = [r for r in rows[info_header + 1:] if isinstance(r[0], int)]
    assert sum(r[0] for r in grouped) == len(quiet)
    assert {r[6] for r in grouped} == {f["code"] for f in quiet}
    for r in grouped:  # the rows each problem is on, as ranges a clerk reads (a long list goes on below)
        at = rows.index(r)
        more = [x[7] for x in itertools.takewhile(lambda x, code=r[6]: x[0] is None and x[6] == code, rows[at + 1:])]
        wanted = {f["row"] for f in quiet if (f["code"], f["sheet"], f["column"] or None) == (r[6], r[1], r[3])}
        assert _expand("、".join([r[7], *more])) == wanted - {None, 0}


def test_feedback_rows_are_as_tall_as_their_wrapped_text(demo_run):
    # LibreOffice and WPS do not size rows on load: each row must be given the height its text needs
    from tidu.workbook.xl import wrapped_lines

    folder = demo_run["report"].with_name(f"{demo_run['report'].stem}_反馈")
    for path in sorted(folder.glob("*_退回意见.xlsx")):
        ws = openpyxl.load_workbook(path)["退回意见"]
        height = _row_height(ws)
        rows = list(ws.iter_rows(values_only=True))
        header = next(i for i, r in enumerate(rows) if r[0] == "严重程度") + 1  # 1-based row numbers
        assert [height(r) for r in (1, header)] == [15, 15]  # the title and the headers: one line
        if not rows[header][0]:  # no error or warning: the empty list is one line too
            assert height(header + 1) == 15, path.name
        for r, row in enumerate(rows[header:], start=header + 1):
            if not row[0]:
                break
            need = max(wrapped_lines(row[4], 44), wrapped_lines(row[5], 36))
            assert need * 15 <= height(r) <= max(need, 2) * 15, (path.name, r)


def _row_height(ws):
    """Row number (1-based) → its height in points, the sheet's default where none is set."""
    default = ws.sheet_format.defaultRowHeight
    return lambda r: default if ws.row_dimensions[r].height is None else ws.row_dimensions[r].height


def _expand(text: str | None) -> set[int]:
    rows: set[int] = set()
    for part in (text or "").split("、"):
        first, _, last = part.partition("–")
        if first:
            rows.update(range(int(first), int(last or first) + 1))
    return rows


@pytest.mark.parametrize(("rows", "text"), [
    ([3], "3"),
    ([3, 4, 5, 8], "3–5、8"),
    ([12, 3, 4, 4, 10, 11], "3–4、10–12"),
    ([], ""),
])
def test_feedback_lists_rows_as_ranges(rows, text):
    assert row_ranges(rows) == text


@pytest.mark.parametrize("rows", [list(range(2, 5000, 2)), list(range(2, 40)), [7]])
def test_a_long_row_list_goes_on_below_whole_numbers_only(rows):
    from tidu.workbook.feedback import _LINES_PER_ROW, _ROWS_PER_LINE, _row_lines

    pieces = _row_lines(row_ranges(rows))
    assert "、".join(pieces) == row_ranges(rows)
    assert all(0 < len(p) <= _ROWS_PER_LINE * _LINES_PER_ROW for p in pieces)
    assert set().union(*map(_expand, pieces)) == set(rows)  # no number cut in two
    assert (len(pieces) > 1) == (len(rows) > 1000)


def test_issue_list_lists_no_info_row(demo_run):
    ws = openpyxl.load_workbook(demo_run["report"])["问题清单"]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    end = next(i for i, r in enumerate(rows) if r[0] is None)
    assert all(r[0] in ("错误", "警告") for r in rows[:end])
    severities = [r[0] for r in rows[:end]]
    assert severities == sorted(severities, key=lambda s: s != "错误")  # errors first
    counted = [r for r in rows[end:] if r[0] == "提示"]
    assert counted and all(isinstance(r[3], int) and r[5] for r in counted)  # infos as counts per centre and code


def test_feedback_folder_never_read_as_input(demo_run, tmp_path):
    folder = demo_run["report"].with_name(f"{demo_run['report'].stem}_反馈")
    assert folder.is_dir() and Path(demo_run["submissions"]) not in folder.parents


def test_every_column_name_fits_the_column_that_names_it():
    from tidu.schemas import contract as c
    from tidu.workbook.xl import COLUMN_NAME_WIDTH, wrapped_lines

    headers = [col.header for sheet in (*c.ENTRY_SHEETS, *c.OPTIONAL_SHEETS) for col in sheet.columns]
    assert [h for h in headers if wrapped_lines(h, COLUMN_NAME_WIDTH) > 1] == []
