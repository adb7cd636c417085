"""Shared fixtures: the shipped plan, and workbooks built once per test session."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# xlwings' remote engine (xlwings PRO, PolyForm Noncommercial 1.0.0, which covers government
# institutions) runs the Excel front doors on Linux; it reads this before xlwings is imported.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
# Checked plans are kept (engine.plan_cache) in a folder of the test run's own, not the user's.
if "TIDU_CACHE_DIR" not in os.environ:
    os.environ["TIDU_CACHE_DIR"] = tempfile.mkdtemp(prefix="tidu-test-cache-")
    atexit.register(shutil.rmtree, os.environ["TIDU_CACHE_DIR"], ignore_errors=True)

import pytest
from tidu.engine.plan import load_plan
from tidu.schemas.plan import Plan
from tidu.workbook.builder import build_workbook, workbook_filename

KUNMING = "昆明市中小企业服务中心"


@pytest.fixture(scope="session")
def plan_report():
    return load_plan()


@pytest.fixture(scope="session")
def plan(plan_report) -> Plan:
    return plan_report.plan


@pytest.fixture(scope="session")
def built_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("built")


@pytest.fixture(scope="session")
def kunming_book(plan_report, built_dir) -> Path:
    """The blank workbook of the Kunming prefecture centre."""
    path = built_dir / workbook_filename(plan_report.plan, KUNMING)
    return build_workbook(path, KUNMING, plan_report)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """`tidu demo` once per test session, and a `tidu consolidate --json` of its submissions."""
    from tidu.engine.cli.main import main

    base = tmp_path_factory.mktemp("demo")
    out = base / "demo"
    assert main(["demo", "-o", str(out), "--as-of", "2021-09-30"]) == 0
    report, js = base / "again.xlsx", base / "demo.json"
    assert main(["consolidate", str(out / "报送台账"), "-o", str(report), "--as-of", "2021-09-30",
                 "--json", str(js)]) == 0
    return {"out": out, "submissions": out / "报送台账", "report": report, "json": js,
            "demo_report": out / "全省汇总_2021.xlsx"}
