"""The formula view of 完成情况, recalculated by LibreOffice, says what `tidu check --json` says.

Filled workbooks (clean, and each error a formula can judge) are recalculated together in one
LibreOffice run; every figure of the first table (per tier and 合计) is compared with the engine.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from tidu.schemas import contract as c
from tidu.workbook.builder import build_workbook

from . import sample as s
from .libreoffice import sheet_values, strip_cached_values

pytestmark = pytest.mark.libreoffice

SOLO = "云南竞争情报窗口平台"  # a 附表3 row of its own: pace is judged
E4, E5 = s.code(4), s.code(5)


def _bad_check_digit(code: str) -> str:
    return code[:17] + ("1" if code[17] != "1" else "2")


# name: (centre, rows). Each workbook passes the workbook's own validations except where a
# judgeable error is the point; the engine's figures are the expected ones.
CASES = {
    "clean": (s.CENTRE, s.rows()),
    "clean-solo": (SOLO, s.rows()),
    "date-2020": (SOLO, s.rows({"activity:0:date": dt.date(2020, 12, 31)})),
    "startup-for-national": (s.CENTRE, s.rows({"activity:2:category": "创业服务"})),
    # 国家级 E3's roster code mistyped: E3 signs in (rightly) at H1 (规上, March) and H3 (国家级,
    # June): off the roster, it counts under its earliest session's tier.
    "roster-check-digit": (SOLO, s.rows({"roster:2:uscc": _bad_check_digit(s.E3)})),
    "signin-check-digit": (SOLO, s.rows({"signin:2:uscc": _bad_check_digit(s.E2)})),
    "only-at-invalid-session": (SOLO, s.rows(add={
        "roster": [s.roster(uscc=s.E9, name="只参加无效活动的企业", tier="成长型中小企业")],
        "activity": [s.activity(id="H9", date=dt.date(2020, 6, 1), category="法律服务", tier="成长型中小企业",
                                name="去年的活动", enterprises=1)],
        "signin": [s.signin(activity_id="H9", uscc=s.E9)]})),
    "duplicates": (SOLO, s.rows(add={
        # a second H1 (duplicate id, does not count); a broken roster row of E4, then a good one
        "activity": [s.activity(id="H1", date=dt.date(2021, 4, 1), category="法律服务", tier="小微企业",
                                name="重复编号", enterprises=9)],
        "roster": [s.roster(uscc=E4, tier="省级小巨人"),
                   s.roster(uscc=E4, name="丁公司", tier="成长型中小企业")],
        "signin": [s.signin(activity_id="H1", uscc=E4), s.signin(activity_id="H1", uscc=E4),
                   s.signin(activity_id="H1", uscc=s.E1)]})),
    "unknown-session-and-off-roster": (SOLO, s.rows(add={
        "activity": [s.activity(id="H7", date=dt.date(2021, 2, 1), category="法律服务", tier="小微企业",
                                name="法律讲座", enterprises=2),
                     s.activity(id="H8", date=dt.date(2021, 8, 1), category="技术创新服务", tier="成长型中小企业",
                                name="技术对接", enterprises=-1)],
        # E5 is on no roster: H8 (成长型) is listed first, but H7 (小微, February) is its earliest
        "signin": [s.signin(activity_id="HX", uscc=s.E2), s.signin(activity_id="H8", uscc=E5),
                   s.signin(activity_id="H7", uscc=E5)]})),
    "offered-only-to-micro-and-blank-name": (SOLO, s.rows({"activity:1:name": None})),
}

KEYS = [key for key, _ in c.PROGRESS_COLUMNS]


def _engine(path: Path, as_of: dt.date) -> dict:
    out = subprocess.run([sys.executable, "-m", "tidu.engine.cli.main", "check", "--json", str(path),
                          "--as-of", as_of.isoformat()], capture_output=True, text=True, check=False)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)["submissions"][0]


def _expected_row(p: dict) -> dict:
    pace = "—" if p["behind_pace"] is None else ("落后" if p["behind_pace"] else "正常")
    return {**p, "pace": pace}


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, plan_report):
    work = tmp_path_factory.mktemp("recalc")
    paths = {name: build_workbook(work / f"{name}.xlsx", centre, plan_report, rows=rows)
             for name, (centre, rows) in CASES.items()}
    # The template caches the engine's figures; without them only LibreOffice's own
    # recalculation can produce the numbers compared below.
    for path in paths.values():
        strip_cached_values(path)
    return paths, sheet_values(list(paths.values()), c.PROGRESS, work)


def _formula_table(values: list[list[str]]) -> tuple[dict[str, dict], str]:
    header = next(i for i, row in enumerate(values) if row and row[0] == "培育梯度")
    rows = {}
    for row in values[header + 1: header + 7]:
        rows[row[0]] = dict(zip(KEYS, row, strict=False))
    status = next(row[0] for row in values[:header] if row and ("公式" in row[0]))
    return rows, status


def _number(text: str):
    text = text.strip()
    if text in {"—", "/", "由省中心按单位评判"}:
        return None if text != "/" else "/"
    if text.endswith("%"):
        return float(text[:-1]) / 100
    return float(text)


@pytest.mark.parametrize("name", list(CASES))
def test_formula_view_equals_engine(recalculated, name):
    paths, values = recalculated
    table, status = _formula_table(values[paths[name]])
    as_of = dt.date(2021, 12, 31)  # today is after the plan year: the as-of cell clamps to 31 December
    report = _engine(paths[name], as_of)
    assert "无法判断" not in status
    engine = {p["tier"]: _expected_row(p) for p in report["progress"]}
    for tier, want in engine.items():
        got = table[tier]
        for key in ("sessions", "enterprises", "visits", "sessions_gap", "enterprises_gap", "sessions_expected"):
            expected = want[key]
            assert _number(got[key]) == (None if expected is None else float(expected)), (tier, key)
        for key in ("sessions_rate", "enterprises_rate"):
            got_rate, want_rate = _number(got[key]), want[key]
            assert (got_rate is None) == (want_rate is None), (tier, key)
            if want_rate is not None:
                assert got_rate == pytest.approx(want_rate), (tier, key)
        if want["behind_pace"] is not None:
            assert got["pace"] == want["pace"], tier
    total = table["合计"]
    rows = [p for p in report["progress"]]
    with_sessions = [p for p in rows if p["sessions_target"] is not None]
    with_enterprises = [p for p in rows if p["enterprises_target"] is not None]
    assert _number(total["sessions"]) == sum(p["sessions"] for p in with_sessions)
    assert _number(total["visits"]) == sum(p["visits"] for p in with_sessions)
    assert _number(total["enterprises"]) == sum(p["enterprises"] for p in with_enterprises)


def test_cases_exercise_the_rules(recalculated):
    """The cases are not vacuous: the engine's counts differ between them as the rules say."""
    paths, _ = recalculated
    as_of = dt.date(2021, 12, 31)
    served = {name: {p["tier"]: p["enterprises"] for p in _engine(path, as_of)["progress"]}
              for name, path in paths.items() if name in {"clean-solo", "roster-check-digit", "duplicates"}}
    assert served["clean-solo"]["国家级小巨人"] == 1 and served["roster-check-digit"]["国家级小巨人"] == 0
    assert served["roster-check-digit"]["规上工业企业"] == 2
    assert served["duplicates"]["成长型中小企业"] == 1


def test_what_formulas_cannot_judge_is_counted(tmp_path, plan_report):
    rows = s.rows({"activity:0:date": "2021-03-01", "activity:1:enterprises": "１"})
    path = strip_cached_values(build_workbook(tmp_path / "text-date.xlsx", SOLO, plan_report, rows=rows))
    values = sheet_values([path], c.PROGRESS, tmp_path)[path]
    _, status = _formula_table(values)
    assert status.startswith("有 2 行公式无法判断")


def test_registry_decides_the_tier(tmp_path, plan_report):
    """An enterprise in the plan's registry counts under the registry's tier, roster or not."""
    from tidu.engine.plan import load_plan

    source = Path(plan_report.source).read_text(encoding="utf-8")
    assert "\nregistry: {}\n" in source
    plan_file = tmp_path / "plan-registry.yaml"
    registry = f"\nregistry: {{{s.E1}: 省级小巨人, {E5}: 国家级小巨人}}\n"
    plan_file.write_text(source.replace("\nregistry: {}\n", registry), encoding="utf-8")
    loaded = load_plan(plan_file)
    rows = s.rows(add={"signin": [s.signin(activity_id="H2", uscc=E5)]})
    path = strip_cached_values(build_workbook(tmp_path / "registry.xlsx", SOLO, loaded, rows=rows))
    table, _ = _formula_table(sheet_values([path], c.PROGRESS, tmp_path)[path])
    out = subprocess.run([sys.executable, "-m", "tidu.engine.cli.main", "check", "--json", str(path),
                          "--as-of", "2021-12-31", "--plan", str(plan_file)], capture_output=True, text=True)
    engine = {p["tier"]: p["enterprises"] for p in json.loads(out.stdout)["submissions"][0]["progress"]}
    assert engine["省级小巨人"] == 1 and engine["国家级小巨人"] == 2  # E1 and E5 by registry, E3 by roster
    assert {tier: _number(row["enterprises"]) for tier, row in table.items() if tier != "合计"} == engine
