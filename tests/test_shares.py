"""分解落实: the province's form round-trips into the plan, and a centre is judged against its share."""

from __future__ import annotations

import openpyxl
import pytest
from tidu.engine.cli.main import main
from tidu.engine.plan import load_plan
from tidu.schemas import contract as c
from tidu.workbook.builder import build_workbook
from tidu.workbook.shares_form import SHEET, shared_units

from .conftest import KUNMING

UNIT = "昆明市中小中心及窗口平台"
PLATFORM = "昆明市中小企业公共服务窗口平台"


def _fill(form, filled, plan, extra=0):
    """Split every shared row evenly (the first centre takes the remainder, plus ``extra``)."""
    units = shared_units(plan)
    book = openpyxl.load_workbook(form)
    for row in book[SHEET].iter_rows(min_row=5):
        unit, centre = row[0].value, row[1].value
        if unit in units and centre in units[unit]:
            k, n = units[unit].index(centre), len(units[unit])
            for j, value in enumerate(plan.unit(unit).row):
                if value is not None:
                    row[2 + j].value = value // n + ((value % n + extra) if k == 0 else 0)
    book.save(filled)


@pytest.fixture(scope="module")
def split_plan(tmp_path_factory, plan):
    work = tmp_path_factory.mktemp("shares")
    assert main(["plan", "shares", "form", "-o", str(work / "form.xlsx")]) == 0
    _fill(work / "form.xlsx", work / "filled.xlsx", plan)
    assert main(["plan", "shares", "read", str(work / "filled.xlsx"), "-o", str(work / "plan.yaml")]) == 0
    return load_plan(work / "plan.yaml")


def test_form_lists_every_shared_unit(plan, tmp_path):
    assert main(["plan", "shares", "form", "-o", str(tmp_path / "f.xlsx")]) == 0
    names = {r[0] for r in openpyxl.load_workbook(tmp_path / "f.xlsx")[SHEET].iter_rows(min_row=5, values_only=True)}
    assert set(shared_units(plan)) <= names
    assert len(shared_units(plan)) == 16


def test_read_back_gives_shares_that_add_up(split_plan, plan):
    shares = split_plan.plan.shares
    assert set(shares) == set(shared_units(plan))
    kunming = split_plan.plan.share_targets(KUNMING)
    platform = split_plan.plan.share_targets(PLATFORM)
    unit = plan.targets(UNIT)
    for a, b, whole in zip(kunming, platform, unit, strict=True):
        assert (a.enterprises or 0) + (b.enterprises or 0) == (whole.enterprises or 0)
        assert (a.sessions is None) == (whole.sessions is None)


def test_shares_that_do_not_add_up_are_refused(plan, tmp_path):
    assert main(["plan", "shares", "form", "-o", str(tmp_path / "f.xlsx")]) == 0
    _fill(tmp_path / "f.xlsx", tmp_path / "bad.xlsx", plan, extra=1)
    assert main(["plan", "shares", "read", str(tmp_path / "bad.xlsx"), "-o", str(tmp_path / "p.yaml")]) == 1


def _progress_rows(path):
    ws = openpyxl.load_workbook(path)[c.PROGRESS]
    rows = list(ws.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[0] == "培育梯度")
    return rows[:header], {r[0]: r for r in rows[header + 1: header + 7]}


def test_centre_with_a_share_is_judged_against_it(split_plan, tmp_path):
    path = build_workbook(tmp_path / "k.xlsx", KUNMING, split_plan)
    _, rows = _progress_rows(path)
    share = {t.tier: t for t in split_plan.plan.share_targets(KUNMING)}
    assert rows["国家级小巨人"][1] == share["国家级小巨人"].enterprises
    assert str(rows["国家级小巨人"][10]).startswith("=")  # a pace formula


def test_centre_sharing_without_split_names_partners_and_has_no_pace(plan_report, tmp_path):
    path = build_workbook(tmp_path / "k.xlsx", KUNMING, plan_report)
    above, rows = _progress_rows(path)
    assert any(PLATFORM in str(cell) and "共同承担" in str(cell) for r in above for cell in r if cell)
    assert rows["国家级小巨人"][1] == 18  # the unit's target, marked 共担 by its number format
    assert rows["国家级小巨人"][10] == "由省中心按单位评判"
