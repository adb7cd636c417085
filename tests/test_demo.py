"""`tidu demo`: the whole job on generated submissions, as a new user runs it (one run per session)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import openpyxl
from tidu.engine.uscc import is_valid


def test_demo_writes_the_report_and_its_figures(demo_run, plan):
    assert demo_run["demo_report"].exists()
    data = json.loads(demo_run["json"].read_text(encoding="utf-8"))
    counts = Counter(f["status"] for f in data["files"])
    assert counts == {"used": len(plan.centre_names()) - 1, "superseded": 1, "rejected": 1, "skipped": 1}
    assert len(data["missing"]) == 1
    assert {f["code"] for f in data["findings"] if f["severity"] == "error"} >= {"uscc-invalid", "date-outside-year"}
    assert all(p["sessions"] > 0 for p in data["province"]["progress"])
    assert data["duplicates"]  # the 小巨人 are cultivated by units and the provincial centre alike


def test_demo_entries_are_realistic(demo_run):
    # valid Yunnan credit codes on the rosters
    path = next(demo_run["submissions"].glob("昆明市中小企业服务中心_*.xlsx"))
    book = openpyxl.load_workbook(path, read_only=True)
    codes = [r[0] for r in book["培育企业"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert codes and sum(is_valid(c) and c[2:4] == "53" for c in codes) >= len(codes) - 3
    assert not list(Path(demo_run["out"]).glob(".~tidu-*"))


def test_demo_prints_the_province(tmp_path, capsys, plan):
    from tidu.engine.cli.main import _print_consolidation
    from tidu.engine.consolidate import consolidate

    result = consolidate(tmp_path, None, None)  # an empty folder: everyone is missing
    _print_consolidation(result, tmp_path / "r.xlsx")
    printed = capsys.readouterr().out
    assert "国家级小巨人" in printed and "未报送" in printed
