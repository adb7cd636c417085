"""`tidu screen` end to end: crafted enterprises typed into 培育企业 and 企业指标 of a built template.

Expected decisions, values and thresholds come from the seed's criteria (DESIGN §2.1, §11):
成长型 main revenue ≥ 500万, 规上 ≥ 2000万, the national tier's figures, warning levels at −10% / −30%.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import shutil

import openpyxl
import pytest
from tidu.engine.cli.main import main
from tidu.engine.uscc import with_check_character
from tidu.schemas import contract as c

from .xledit import edit_workbook

AS_OF = "2021-09-30"


def code(i: int) -> str:
    return with_check_character(f"915301000000000{i:02d}")


GROWTH_SMALL, ABOVE_SMALL, RESERVE, NATIONAL, NO_RANK, SLUMP, DIP, NEW_ABOVE, SERVED = (code(i) for i in range(1, 10))

ROSTER = [  # uscc, name, tier, roster figures (上年营业收入, 上年主营业务收入)
    (GROWTH_SMALL, "滇池小成长科技有限公司", "成长型中小企业", None, None),
    (ABOVE_SMALL, "红河规上不足制造有限公司", "规上工业企业", None, None),
    (RESERVE, "曲靖升规储备食品有限公司", "成长型中小企业", None, None),
    (NATIONAL, "玉溪国家候选精密机械股份有限公司", "省级小巨人", None, None),
    (NO_RANK, "大理无排名新材料有限公司", "省级小巨人", None, None),
    (SLUMP, "昭通下滑亏损建材有限公司", "成长型中小企业", None, None),
    (DIP, "保山小幅下滑茶业有限公司", "成长型中小企业", None, None),
    (NEW_ABOVE, "楚雄新增规上医药有限公司", "成长型中小企业", None, None),
    (SERVED, "丽江已服务咖啡有限公司", "小微企业", 300, 280),
]

FULL = {"revenue": 15000, "main_revenue": 12000, "net_profit": 1500, "profit_tax": 2000, "assets": 20000,
        "liabilities": 8000, "rd_expense": 600, "employees": 300, "rd_staff": 60, "ip1": 5, "province_rank": 2}
FULL_BEFORE = {"revenue": 13000, "main_revenue": 10500, "net_profit": 1300, "profit_tax": 1800, "assets": 18000,
               "liabilities": 7000, "rd_expense": 500, "employees": 280, "rd_staff": 50}

INDICATORS = [  # uscc, year, figures
    (GROWTH_SMALL, 2020, {"revenue": 480, "main_revenue": 450, "net_profit": 20, "employees": 30}),
    (ABOVE_SMALL, 2020, {"revenue": 1900, "main_revenue": 1800, "net_profit": 60}),
    (RESERVE, 2020, {"revenue": 1750, "main_revenue": 1700, "net_profit": 90}),
    (NATIONAL, 2020, FULL),
    (NATIONAL, 2019, FULL_BEFORE),
    (NO_RANK, 2020, {k: v for k, v in FULL.items() if k != "province_rank"}),
    (NO_RANK, 2019, FULL_BEFORE),
    (SLUMP, 2019, {"revenue": 1000, "main_revenue": 950, "net_profit": 40, "employees": 50}),
    (SLUMP, 2020, {"revenue": 650, "main_revenue": 600, "net_profit": -50, "employees": 48}),
    (DIP, 2019, {"revenue": 1000, "main_revenue": 950, "net_profit": 40}),
    (DIP, 2020, {"revenue": 850, "main_revenue": 800, "net_profit": 10}),
    (NEW_ABOVE, 2020, {"revenue": 2300, "main_revenue": 2100, "net_profit": 100, "above_scale": "否"}),
    (NEW_ABOVE, 2021, {"above_scale": "是"}),
]


def _fill(path, plan, with_indicators: bool = True):
    edit_workbook(path, lambda book: _type_rows(book, plan, with_indicators))


def _type_rows(book, plan, with_indicators: bool) -> None:
    roster = book[c.ROSTER.name]
    cols = {col.key: i + 1 for i, col in enumerate(c.ROSTER.columns)}
    for r, (uscc, name, tier, revenue, main_revenue) in enumerate(ROSTER, start=2):
        for key, value in (("uscc", uscc), ("name", name), ("tier", tier), ("revenue", revenue),
                           ("main_revenue", main_revenue)):
            if value is not None:
                roster.cell(r, cols[key], value)
    if with_indicators:
        sheet = book[c.INDICATORS.name]
        icols = {col.key: i + 1 for i, col in enumerate(c.INDICATORS.columns)}
        for r, (uscc, year, figures) in enumerate(INDICATORS, start=2):
            sheet.cell(r, icols["uscc"], uscc)
            sheet.cell(r, icols["year"], year)
            for key, value in figures.items():
                sheet.cell(r, icols[key], value)
    else:
        del book[c.INDICATORS.name]  # a template of version 1
    activity = book[c.ACTIVITY.name]
    acols = {col.key: i + 1 for i, col in enumerate(c.ACTIVITY.columns)}
    for key, value in (("id", "HD1"), ("date", dt.datetime(2021, 9, 1)), ("category", plan.category_labels[0]),
                       ("tier", "小微企业"), ("name", "政策宣讲会")):
        activity.cell(2, acols[key], value)
    signin = book[c.SIGNIN.name]
    signin.cell(2, 1, "HD1")
    signin.cell(2, 2, SERVED)


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(list(args))
    return status, out.getvalue()


@pytest.fixture(scope="module")
def crafted(kunming_book, plan, tmp_path_factory):
    folder = tmp_path_factory.mktemp("screen")
    path = folder / "crafted.xlsx"
    shutil.copy(kunming_book, path)
    _fill(path, plan)
    return path


@pytest.fixture(scope="module")
def result(crafted):
    status, out = _run("screen", str(crafted), "--json", "--rules", "tiers-2018", "--as-of", AS_OF)
    assert status == 0
    data = json.loads(out)
    return data, {e["uscc"]: e for e in data["enterprises"]}


def _assessment(entry, tier):
    return next(a for a in entry["assessments"] if a["tier"] == tier)


def test_json_keys(result):
    data, _ = result
    assert set(data) >= {"rules", "as_of", "enterprises"} and (data["rules"], data["as_of"]) == ("tiers-2018", AS_OF)
    entry = data["enterprises"][0]
    assert set(entry) >= {"uscc", "name", "centre", "tier", "assessments", "candidate_for", "warnings"}
    assert set(entry["assessments"][0]) >= {"tier", "decision", "score", "failed", "missing"}
    assert {e["uscc"] for e in data["enterprises"]} == {row[0] for row in ROSTER}
    assert all(e["centre"] == "昆明市中小企业服务中心" for e in data["enterprises"])


@pytest.mark.parametrize(("uscc", "tier", "decision", "failed", "candidate"), [
    (GROWTH_SMALL, "成长型中小企业", "fails", (450, 500), None),
    (ABOVE_SMALL, "规上工业企业", "fails", (1800, 2000), None),
    (RESERVE, "规上工业企业", "fails", (1700, 2000), "规上工业企业"),  # within 25% of 2000万: 升规 reserve
    (NATIONAL, "国家级小巨人", "meets", None, "国家级小巨人"),
    (NO_RANK, "国家级小巨人", "review", None, "国家级小巨人"),
    (NEW_ABOVE, "规上工业企业", "review", None, "规上工业企业"),  # 2100万; 工业企业 and 入库 are checked by hand
])
def test_decisions(result, uscc, tier, decision, failed, candidate):
    entry = result[1][uscc]
    a = _assessment(entry, tier)
    assert a["decision"] == decision
    if failed:
        assert [(f["value"], f["threshold"]) for f in a["failed"]] == [failed]
    else:
        assert a["failed"] == []
    assert entry["candidate_for"] == candidate


def test_missing_rank_is_named(result):
    a = _assessment(result[1][NO_RANK], "国家级小巨人")
    assert a["missing"] == ["n-rank"]
    assert _assessment(result[1][NATIONAL], "国家级小巨人")["missing"] == []


def test_own_tier_and_tiers_above(result, plan):
    for entry in result[0]["enterprises"]:
        rank = plan.tier_rank(entry["tier"])
        assert [a["tier"] for a in entry["assessments"]] == plan.tier_labels[rank::-1]


@pytest.mark.parametrize(("uscc", "expected"), [
    # 成长型's 前三年 growth needs 2018 and 利税: figures-missing names them
    (SLUMP, {("revenue-decline", "高"), ("net-loss", "中"), ("no-service", "低"), ("figures-missing", "低")}),
    (DIP, {("revenue-decline", "中"), ("no-service", "低"), ("figures-missing", "低")}),
    (SERVED, set()),  # served on 2021-09-01, figures from the roster, no warning
])
def test_warnings(result, uscc, expected):
    got = {(w["code"], w["level"]) for w in result[1][uscc]["warnings"]}
    assert got == expected
    assert all(w["message"] for w in result[1][uscc]["warnings"])


def test_growth_smes_first(result):
    tiers = [e["tier"] for e in result[0]["enterprises"]]
    growth = [i for i, t in enumerate(tiers) if t == "成长型中小企业"]
    assert growth == list(range(len(growth)))


def test_new_above_scale_and_reserve(result):
    summary = result[0]["summary"]
    assert summary["above_scale_new"] == 1 and summary["above_scale_goal"] == 200
    assert summary["above_scale_reserve"] == 2  # RESERVE (near) and NEW_ABOVE (figures met)


def test_workbook_output(crafted, tmp_path):
    out = tmp_path / "SCREEN.xlsx"
    status, text = _run("screen", str(crafted.parent), "--rules", "tiers-2018", "--as-of", AS_OF, "-o", str(out))
    assert status == 0 and str(out) in text
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["梯度评估", "梯度储备", "风险预警", "说明"]
    warned = [r for r in book["风险预警"].iter_rows(values_only=True) if r and r[0] == SLUMP]
    assert {(r[4], r[5]) for r in warned} >= {("高", "revenue-decline"), ("中", "net-loss")}
    reserve = [r[0] for r in book["梯度储备"].iter_rows(values_only=True) if r and r[0] in {RESERVE, NEW_ABOVE}]
    assert set(reserve) == {RESERVE, NEW_ABOVE}
    sheet = openpyxl.load_workbook(out)["风险预警"]
    fills = {row[4].value: row[4].fill.fgColor.rgb for row in sheet.iter_rows() if row[0].value == SLUMP}
    assert fills["高"] == "FFFFC7CE" and fills["中"] == "FFFFEB9C"  # red for 高, amber for 中


def test_template_version_1_stays_readable(kunming_book, plan, tmp_path):
    path = tmp_path / "v1.xlsx"
    shutil.copy(kunming_book, path)
    _fill(path, plan, with_indicators=False)
    status, out = _run("screen", str(path), "--json", "--as-of", AS_OF)
    assert status == 0
    served = next(e for e in json.loads(out)["enterprises"] if e["uscc"] == SERVED)
    # the roster's 上年 figures stand for 2020: 280万 of main revenue is short of 成长型's 500万
    assert _assessment(served, "成长型中小企业")["failed"] == [
        {"criterion": "g-main-revenue", "value": 280, "threshold": 500}]


@pytest.mark.parametrize("args", [
    ["--rules", "no-such-rules"],
    ["--as-of", "2020-06-30"],
    ["--as-of", "30/06/2021"],
])
def test_usage_errors(crafted, args):
    assert _run("screen", str(crafted), *args)[0] == 2


def test_other_rule_sets_run(crafted):
    for rid in ("miit-2022", "miit-2026"):
        status, out = _run("screen", str(crafted), "--json", "--rules", rid, "--as-of", AS_OF)
        data = json.loads(out)
        assert status == 0 and data["rules"] == rid and len(data["enterprises"]) == len(ROSTER)
