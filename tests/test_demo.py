"""`tidu demo`: the whole job on generated submissions, as a new user runs it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import openpyxl
from tidu.engine.cli.main import main
from tidu.engine.uscc import is_valid


def test_demo(tmp_path, capsys, plan):
    out = tmp_path / "demo"
    assert main(["demo", "-o", str(out), "--as-of", "2021-09-30"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    report = out / "全省汇总_2021.xlsx"
    assert printed[-1].endswith(str(report)) and report.exists()
    assert any(line.startswith("国家级小巨人") for line in printed)  # the summary table
    js = tmp_path / "demo.json"
    assert main(["consolidate", str(out / "报送台账"), "-o", str(tmp_path / "again.xlsx"), "--as-of", "2021-09-30",
                 "--json", str(js)]) == 0
    data = json.loads(js.read_text(encoding="utf-8"))
    counts = Counter(f["status"] for f in data["files"])
    assert counts == {"used": len(plan.centre_names()) - 1, "superseded": 1, "rejected": 1, "skipped": 1}
    assert len(data["missing"]) == 1
    assert {f["code"] for f in data["findings"] if f["severity"] == "error"} >= {"uscc-invalid", "date-outside-year"}
    assert all(p["sessions"] > 0 for p in data["province"]["progress"])
    assert data["duplicates"]  # the 小巨人 are cultivated by units and the provincial centre alike
    # the generated entries are realistic: valid Yunnan credit codes on the rosters
    book = openpyxl.load_workbook(next((out / "报送台账").glob("昆明市中小企业服务中心_*.xlsx")), read_only=True)
    codes = [r[0] for r in book["培育企业"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert codes and sum(is_valid(c) and c[2:4] == "53" for c in codes) >= len(codes) - 3
    assert not list(Path(out).glob(".~tidu-*"))
