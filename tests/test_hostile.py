"""Hostile and broken input: the batch completes, good files are used, the bad one is rejected with a reason."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from tidu.engine.consolidate import consolidate
from tidu.engine.isolation import Crashed, run_isolated
from tidu.schemas.catalogue import CATALOGUE
from tidu.workbook.builder import build_workbook

from . import hostile
from .sample import rows
from .submissions import QJ_CENTRE, qujing_rows

YEAR_END = dt.date(2021, 12, 31)
GOOD = {"好-昆明.xlsx": "昆明市中小企业服务中心", "好-曲靖.xlsx": QJ_CENTRE}


@pytest.fixture(scope="module")
def good_dir(tmp_path_factory, plan_report):
    folder = tmp_path_factory.mktemp("good")
    build_workbook(folder / "好-昆明.xlsx", GOOD["好-昆明.xlsx"], plan_report, rows=rows())
    build_workbook(folder / "好-曲靖.xlsx", QJ_CENTRE, plan_report, rows=qujing_rows(2))
    return folder


def _folder_with(tmp_path: Path, good_dir: Path) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(good_dir, folder)
    return folder


def _statuses(result) -> dict[str, tuple[str, str]]:
    return {Path(f.file).name: (f.status, f.reason) for f in result.files}


@pytest.mark.parametrize("case", sorted(hostile.REJECTED_CASES))
def test_hostile_file_is_rejected_and_the_rest_used(tmp_path, good_dir, plan_report, case):
    folder = _folder_with(tmp_path, good_dir)
    bad = hostile.REJECTED_CASES[case](folder, folder / "好-昆明.xlsx")
    result = consolidate(folder, plan_report, YEAR_END, workers=2)
    statuses = _statuses(result)
    assert statuses[bad.name][0] == "rejected" and statuses[bad.name][1]
    assert {name: statuses[name][0] for name in GOOD} == {name: "used" for name in GOOD}
    assert len(result.files) == len(GOOD) + 1
    assert any(f.file == str(bad) and CATALOGUE[f.code].rejects_file for f in result.findings)


def test_all_hostile_files_in_one_folder(tmp_path, good_dir, plan_report):
    folder = _folder_with(tmp_path, good_dir)
    bad = [make(folder, folder / "好-昆明.xlsx").name for make in hostile.REJECTED_CASES.values()]
    result = consolidate(folder, plan_report, YEAR_END, workers=2)
    statuses = _statuses(result)
    assert {name: statuses[name][0] for name in bad} == {name: "rejected" for name in bad}
    assert {name: statuses[name][0] for name in GOOD} == {name: "used" for name in GOOD}


def _alone(tmp_path: Path, plan_report, centre: str, make) -> tuple[Path, object]:
    """One file made by ``make`` from a good workbook of ``centre``, consolidated on its own."""
    folder = tmp_path / "in"
    folder.mkdir()
    source = build_workbook(tmp_path / "src.xlsx", centre, plan_report, rows=rows())
    made = make(folder, source)
    return made, consolidate(folder, plan_report, YEAR_END, workers=1)


def test_million_styled_empty_rows_are_read(tmp_path, plan_report):
    big, result = _alone(tmp_path, plan_report, "玉溪市中小企业服务中心", hostile.million_styled_rows)
    assert _statuses(result)[big.name][0] == "used"
    unit = {p.tier: p.sessions for p in result.units["玉溪市中小中心及窗口平台"]}
    assert unit["规上工业企业"] == 1 and unit["小微企业"] == 1


def test_xlsm_is_read_but_flagged(tmp_path, plan_report):
    xlsm, result = _alone(tmp_path, plan_report, "大理州中小企业服务中心", hostile.with_macros)
    assert _statuses(result)[xlsm.name][0] == "used"
    assert "macros-present" in {f.code for f in result.findings if f.file == str(xlsm)}


@pytest.mark.skipif(not hostile.REALWORLD.is_dir(), reason="../shared/realworld is not beside this checkout")
def test_realworld_files_mixed_with_submissions(tmp_path, good_dir, plan_report):
    folder = _folder_with(tmp_path, good_dir)
    foreign = sorted(p.name for p in hostile.REALWORLD.iterdir() if p.is_file())
    for name in foreign:
        shutil.copyfile(hostile.REALWORLD / name, folder / name)
    result = consolidate(folder, plan_report, YEAR_END, workers=2)
    statuses = _statuses(result)
    assert len(result.files) == len(foreign) + len(GOOD)
    assert {statuses[name][0] for name in foreign} <= {"rejected", "skipped"}
    assert all(statuses[name][1] for name in foreign)
    assert {name: statuses[name][0] for name in GOOD} == {name: "used" for name in GOOD}


# --- the isolation itself ------------------------------------------------------------------

def _work(item: int) -> int:
    if item == 3:
        import os

        os.abort()  # what calamine does on a failed allocation
    if item == 5:
        raise ValueError("boom")
    return item * 2


def test_a_crashing_worker_costs_one_item():
    results = dict(run_isolated(_work, range(8), workers=2))
    assert {k: v for k, v in results.items() if not isinstance(v, Crashed)} == {0: 0, 1: 2, 2: 4, 4: 8, 6: 12, 7: 14}
    assert isinstance(results[3], Crashed) and isinstance(results[5], Crashed)
