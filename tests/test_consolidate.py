"""Consolidation: every file accounted for, versions, units summed, enterprises counted once, the report."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from tidu.engine.cli.main import main
from tidu.engine.consolidate import consolidate
from tidu.workbook.builder import build_workbook
from tidu.workbook.report import write_report

from .sample import E1, rows
from .submissions import KM_CENTRE, KM_EXPECTED, KM_PLATFORM, KM_UNIT, QJ_UNIT, make_folder

YEAR_END = dt.date(2021, 12, 31)


@pytest.fixture(scope="module")
def folder(tmp_path_factory, plan_report):
    path = tmp_path_factory.mktemp("submissions")
    expected = make_folder(path, plan_report)
    return path, expected


@pytest.fixture(scope="module")
def result(folder, plan_report):
    return consolidate(folder[0], plan_report, YEAR_END, workers=2)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_every_file_is_accounted_for(folder, result):
    _, expected = folder
    assert {Path(f.file).name: f.status for f in result.files} == expected
    reasons = {Path(f.file).name: f.reason for f in result.files}
    assert all(reasons[name] for name, status in expected.items() if status != "used")


def test_newest_version_is_used(result):
    qj = {Path(f.file).name: f for f in result.files if f.centre == "曲靖市中小企业服务中心"}
    assert qj["曲靖-新.xlsx"].status == "used" and qj["曲靖-旧.xlsx"].status == "superseded"
    assert qj["曲靖-新.xlsx"].exported_at > qj["曲靖-旧.xlsx"].exported_at


def test_units_sum_their_centres_and_count_an_enterprise_once(result):
    got = {p.tier: (p.sessions, p.enterprises, p.visits) for p in result.units[KM_UNIT]}
    assert got == KM_EXPECTED
    qj = {p.tier: (p.sessions, p.enterprises) for p in result.units[QJ_UNIT]}
    assert qj["成长型中小企业"] == (2, 1)  # the newer version's two sessions
    assert len(result.units) == 30


def test_province(result, plan_report):
    province = {p.tier: p for p in result.province}
    assert province["规上工业企业"].sessions == 2 and province["规上工业企业"].enterprises == 1
    assert province["成长型中小企业"].sessions == 2
    assert province["规上工业企业"].sessions_target == 60 and province["规上工业企业"].enterprises_target == 1210
    cells = {(d["category"], d["tier"]): (d["sessions"], d["quota"]) for d in result.by_category}
    assert cells[("政策信息服务", "规上工业企业")] == (2, 10)
    assert cells[("创业服务", "国家级小巨人")] == (0, None)
    assert len(cells) == len(plan_report.plan.categories) * len(plan_report.plan.tiers)


def test_missing_and_duplicates(result, plan_report):
    assert len(result.missing) == len(plan_report.plan.centre_names()) - 3
    assert KM_CENTRE not in result.missing and plan_report.plan.provincial_centre.name in result.missing
    assert [(d["uscc"], d["centres"]) for d in result.duplicates] == [(E1, sorted([KM_CENTRE, KM_PLATFORM]))]


def test_report_workbook(tmp_path, result):
    path = write_report(result, tmp_path / "全省汇总.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["总览", "全省汇总", "分类完成", "任务清单", "问题清单", "报送情况", "重复企业", "图表"]
    ws = book["全省汇总"]
    row = next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] == KM_UNIT and r[1] == "规上工业企业")
    # 目标企业, 服务企业 … 目标场次, 服务场次 … 进度
    assert row[2:4] == (140, 1) and row[6:8] == (2, 2) and row[11] == "正常"
    files = book["报送情况"]
    listed = [r[0] for r in files.iter_rows(min_row=4, max_row=3 + len(result.files), values_only=True)]
    assert sorted(listed) == sorted(Path(f.file).name for f in result.files)
    issues = [r for r in book["问题清单"].iter_rows(min_row=4, values_only=True)]
    listed = [r for r in issues[:issues.index(next(r for r in issues if r[0] is None))]]
    assert len(listed) == sum(1 for f in result.findings if f.severity.value != "info")
    assert all(r[0] in ("错误", "警告") for r in listed)  # no info row one by one
    with zipfile.ZipFile(path) as zf:
        assert {"xl/charts/chart1.xml", "xl/charts/chart2.xml"} <= set(zf.namelist())
    assert not list(tmp_path.glob(".~tidu-*"))  # no temporary left behind


def test_inputs_are_never_modified(tmp_path, plan_report):
    folder = tmp_path / "in"
    make_folder(folder, plan_report)
    before = _digest(folder)
    result = consolidate(folder, plan_report, YEAR_END, workers=1)
    write_report(result, tmp_path / "out.xlsx")
    assert _digest(folder) == before


def test_text_from_submissions_stays_text(tmp_path, plan_report):
    folder = tmp_path / "in"
    folder.mkdir()
    hostile = {"activity:0:tier": '=HYPERLINK("http://example.invalid","点我")',
               "activity:1:category": "=cmd|' /C calc'!A0", "activity:2:tier": "#N/A",
               "roster:1:tier": "小微\x07\x1b[31m"}
    build_workbook(folder / "c.xlsx", KM_CENTRE, plan_report, rows=rows(hostile))
    result = consolidate(folder, plan_report, YEAR_END, workers=1)
    values = {f.value for f in result.findings}
    assert {'=HYPERLINK("http://example.invalid","点我")', "=cmd|' /C calc'!A0", "#N/A"} <= values
    path = write_report(result, tmp_path / "r.xlsx")
    issues = openpyxl.load_workbook(path)["问题清单"]
    cells = [c for row in issues.iter_rows(min_row=2) for c in row if c.value is not None]
    assert all(c.data_type in ("s", "n") for c in cells)
    assert {'=HYPERLINK("http://example.invalid","点我")', "=cmd|' /C calc'!A0", "#N/A"} <= {c.value for c in cells}
    assert not any("\x07" in str(c.value) or "\x1b" in str(c.value) for c in cells)
    with zipfile.ZipFile(path) as zf:
        xml = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/sheet"))
        assert b"<f>" not in xml and b"<hyperlink" not in xml and b't="e"' not in xml
    # a second reader agrees: strings, not errors or formulas
    rows_read = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("问题清单").to_python()
    assert "#N/A" in {v for r in rows_read for v in r}


def test_cli_consolidate_json(tmp_path, folder):
    out, js = tmp_path / "全省.xlsx", tmp_path / "r.json"
    assert main(["consolidate", str(folder[0]), "-o", str(out), "--as-of", "2021-12-31", "--json", str(js)]) == 0
    data = json.loads(js.read_text(encoding="utf-8"))
    assert set(data) >= {"plan", "as_of", "files", "missing", "units", "province", "duplicates", "findings"}
    assert data["plan"] == "yunnan-2021" and data["as_of"] == "2021-12-31"
    assert {f["status"] for f in data["files"]} == {"used", "superseded", "rejected", "skipped"}
    assert set(data["files"][0]) >= {"file", "status", "centre", "unit", "reason"}
    assert len(data["units"]) == 30 and len(data["province"]["progress"]) == 5
    assert set(data["province"]["by_category"][0]) == {"category", "tier", "sessions", "quota"}
    assert data["duplicates"][0]["uscc"] == E1
    assert all("file" in f for f in data["findings"])
    assert out.exists()


def test_cli_empty_folder(tmp_path, plan_report, capsys):
    (tmp_path / "empty").mkdir()
    js = tmp_path / "r.json"
    assert main(["consolidate", str(tmp_path / "empty"), "-o", str(tmp_path / "r.xlsx"), "--json", str(js)]) == 0
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["files"] == [] and len(data["missing"]) == len(plan_report.plan.centre_names())


@pytest.mark.parametrize("case", ["missing-dir", "over-input", "not-xlsx"])
def test_cli_usage_errors(tmp_path, folder, case, capsys):
    target = {"missing-dir": (tmp_path / "nope", tmp_path / "r.xlsx"),
              "over-input": (folder[0], folder[0] / "昆明中心.xlsx"),
              "not-xlsx": (folder[0], tmp_path / "r.csv")}[case]
    before = _digest(folder[0])
    assert main(["consolidate", str(target[0]), "-o", str(target[1])]) == 2
    assert capsys.readouterr().err.startswith("tidu：")
    assert _digest(folder[0]) == before


def test_report_inside_the_folder_is_not_an_input(tmp_path, plan_report):
    folder = tmp_path / "in"
    make_folder(folder, plan_report)
    out = folder / "全省汇总.xlsx"
    for _ in range(2):  # the second run overwrites its own earlier report, never reads it
        assert main(["consolidate", str(folder), "-o", str(out)]) == 0
    data = consolidate(folder, plan_report, YEAR_END, exclude=(out,), workers=1)
    assert str(out) not in {f.file for f in data.files}


def test_two_consolidations_writing_one_report(tmp_path, folder):
    out = tmp_path / "same.xlsx"
    cmd = [sys.executable, "-m", "tidu", "consolidate", str(folder[0]), "-o", str(out)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == "总览" and book["报送情况"].max_row > 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.xlsx", "same_反馈"]  # no temporary left
    assert not [p for p in (tmp_path / "same_反馈").iterdir() if p.name.startswith(".~tidu-")]


def test_cli_names_each_feedback_file_it_could_not_write(tmp_path, folder, monkeypatch, capsys):
    import tidu.workbook.feedback as feedback

    written = feedback._write

    def failing_for_one(path, job, report, year):
        if job.centre == KM_CENTRE:
            raise RuntimeError("磁盘已满")
        written(path, job, report, year)

    monkeypatch.setattr(feedback, "_write", failing_for_one)  # the workers are forked after this
    out = tmp_path / "r.xlsx"
    assert main(["consolidate", str(folder[0]), "-o", str(out), "--as-of", "2021-10-31"]) == 0
    lines = capsys.readouterr().out.splitlines()
    made = sorted(p.name for p in (tmp_path / "r_反馈").glob("*.xlsx"))
    assert made and not any(KM_CENTRE in name for name in made)
    assert f"反馈文件（退回意见）：{len(made)} 份，在 {tmp_path / 'r_反馈'}" in lines
    failed = [line for line in lines if line.startswith("  未能生成：")]
    assert len(failed) == 1 and failed[0].startswith(f"  未能生成：{KM_CENTRE}：") and "磁盘已满" in failed[0]
