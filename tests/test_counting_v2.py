"""The counting decisions of DESIGN v2 §5 and §7, each hand-computed (expected values are written
out, never computed by the code under test).

The workbook is the 云南竞争情报窗口平台's: a 附表3 row of its own, so it gets a pace verdict.
Its targets (enterprises, sessions): 国家级 0,"/" · 省级 0,1 · 规上 18,2 · 成长型 9,2 · 小微 252,2.
The clean sample (tests/sample.py): H1 2021-03-01 政策信息 规上 (E1, E3 sign in; 服务企业数 2),
H2 2021-05-10 创业 小微 (E2; 1), H3 2021-06-01 投融资 国家级 (E3; 1); roster E1 规上, E2 小微, E3 国家级.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml
from tidu.engine.check import check_file
from tidu.engine.cli.main import main
from tidu.engine.consolidate import consolidate
from tidu.engine.plan import load_plan
from tidu.engine.rollup import total
from tidu.schemas import PLANS_DIR
from tidu.workbook.builder import build_workbook

from .sample import E1, E2, E9, activity, code, roster, rows, signin
from .submissions import set_meta
from .xledit import edit_workbook

PLATFORM = "云南竞争情报窗口平台"
TIERS = ("国家级小巨人", "省级小巨人", "规上工业企业", "成长型中小企业", "小微企业")
YEAR_END = dt.date(2021, 12, 31)
# tier → (sessions, enterprises served, visits) of the clean sample at year end
CLEAN = {"国家级小巨人": (1, 1, 1), "省级小巨人": (0, 0, 0), "规上工业企业": (1, 1, 2),
         "成长型中小企业": (0, 0, 0), "小微企业": (1, 1, 1)}
BAD_CODE = E9[:-1] + ("0" if E9[-1] != "0" else "1")  # E9 with a wrong check character


def _h1_again(date: dt.date, **extra) -> list:
    return activity(id="H1", date=date, category="政策信息服务", tier="规上工业企业", content="政策宣讲",
                    name="惠企政策宣讲会（重录）", enterprises=2, evidence="签到表", **extra)


# case id: (changes, add, drop, as_of, expected figures (changed tiers only), codes that must be found)
CASES = {
    "clean": ({}, None, None, YEAR_END, {}, set()),
    "session-on-as-of-day": ({}, None, None, dt.date(2021, 6, 1), {}, set()),
    "day-before-session": ({}, None, None, dt.date(2021, 5, 31),
                           # H3 waits for a later snapshot; E3 is still served (at H1) under its roster tier
                           {"国家级小巨人": (0, 1, 0)}, {"date-after-asof"}),
    "date-in-next-year": ({"activity:0:date": dt.date(2022, 1, 5)}, None, None, YEAR_END,
                          {"规上工业企业": (0, 0, 0)}, {"date-outside-year"}),
    "date-in-last-year": ({"activity:0:date": dt.date(2020, 12, 31)}, None, None, YEAR_END,
                          {"规上工业企业": (0, 0, 0)}, {"date-outside-year"}),
    "month-first-date-refused": ({"activity:1:date": "3/5/2021"}, None, None, YEAR_END,
                                 {"小微企业": (0, 0, 0)}, {"date-ambiguous"}),
    "chinese-date-read": ({"activity:1:date": "2021年5月10日"}, None, None, YEAR_END, {}, set()),
    "dotted-date-read": ({"activity:1:date": "2021.5.10"}, None, None, YEAR_END, {}, set()),
    "negative-count-warns": ({"activity:0:enterprises": -1}, None, None, YEAR_END,
                             {"规上工业企业": (1, 1, 0)}, {"count-negative"}),
    "fractional-count-warns": ({"activity:0:enterprises": 2.5}, None, None, YEAR_END,
                               {"规上工业企业": (1, 1, 0)}, {"count-not-integer"}),
    "word-count-warns": ({"activity:0:enterprises": "三家"}, None, None, YEAR_END,
                         {"规上工业企业": (1, 1, 0)}, {"number-invalid"}),
    "exponent-count-warns": ({"activity:0:enterprises": "1e3"}, None, None, YEAR_END,
                             {"规上工业企业": (1, 1, 0)}, {"number-invalid"}),
    "thousands-count-read": ({"activity:0:enterprises": "1,000"}, None, None, YEAR_END,
                             {"规上工业企业": (1, 1, 1000)}, {"participants-mismatch"}),
    "full-width-count-read": ({"activity:0:enterprises": "３"}, None, None, YEAR_END,
                              {"规上工业企业": (1, 1, 3)}, {"participants-mismatch"}),
    # H1 first entered with a 2020 date, re-entered correctly below: the re-entry counts
    "corrected-reentry-counts": ({"activity:0:date": dt.date(2020, 3, 1)},
                                 {"activity": [_h1_again(dt.date(2021, 4, 1))]}, None, YEAR_END,
                                 {}, {"date-outside-year", "activity-duplicate"}),
    # both H1 rows valid: the first counts, the second is a duplicate
    "plain-duplicate-id": ({}, {"activity": [_h1_again(dt.date(2021, 4, 1))]}, None, YEAR_END,
                           {}, {"activity-duplicate"}),
    # E1's first roster row has an unknown tier; its corrected row (成长型) counts and decides its tier
    "roster-reentry-decides-tier": ({"roster:0:tier": "专精特新"},
                                    {"roster": [roster(uscc=E1, name="云南甲制造有限公司", tier="成长型中小企业")]},
                                    None, YEAR_END,
                                    {"规上工业企业": (1, 0, 2), "成长型中小企业": (0, 1, 0)},
                                    {"tier-unknown", "enterprise-duplicate"}),
    # E9 is on no roster: it counts under its earliest counted session (H1, 规上), not H2 (小微)
    "earliest-session-decides": ({}, {"signin": [signin(activity_id="H2", uscc=E9),
                                                 signin(activity_id="H1", uscc=E9)]}, None, YEAR_END,
                                 {"规上工业企业": (1, 2, 2)}, {"signin-not-on-roster", "participants-mismatch"}),
    # same day: the earlier row decides (H4 is a 小微 session on H1's day, below it)
    "same-day-earlier-row-decides": ({}, {"activity": [activity(
        id="H4", date=dt.date(2021, 3, 1), category="政策信息服务", tier="小微企业", content="政策宣讲",
        name="小微企业政策宣讲", enterprises=1, evidence="照片")],
        "signin": [signin(activity_id="H4", uscc=E9), signin(activity_id="H1", uscc=E9)]}, None, YEAR_END,
        {"规上工业企业": (1, 2, 2), "小微企业": (2, 1, 2)}, {"signin-not-on-roster", "participants-mismatch"}),
    # the earliest session does not count (2020): the next counted one decides
    "earliest-counted-session-decides": ({"activity:0:date": dt.date(2020, 12, 1)},
                                         {"signin": [signin(activity_id="H1", uscc=E9),
                                                     signin(activity_id="H2", uscc=E9)]}, None, YEAR_END,
                                         {"规上工业企业": (0, 0, 0), "小微企业": (1, 2, 1)},
                                         {"date-outside-year", "signin-not-on-roster", "participants-mismatch"}),
    # signed in only at an invalid session: not served
    "only-at-invalid-session": ({"activity:0:date": dt.date(2020, 12, 1)}, None, None, YEAR_END,
                                {"规上工业企业": (0, 0, 0)}, {"date-outside-year"}),
    # 创业服务 is not offered to 国家级 by 附表1: that session does not count, nor its sign-ins
    "category-not-offered": ({"activity:2:category": "创业服务"}, None, None, YEAR_END,
                             {"国家级小巨人": (0, 1, 0)}, {"category-not-offered"}),
    # a wrong check character on the roster and at sign-in: neither counts
    "wrong-check-digit": ({}, {"roster": [roster(uscc=BAD_CODE, name="错码企业", tier="小微企业")],
                               "signin": [signin(activity_id="H2", uscc=BAD_CODE)]}, None, YEAR_END,
                          {}, {"uscc-invalid", "participants-mismatch"}),
    "sign-in-at-unknown-session": ({}, {"signin": [signin(activity_id="H9", uscc=E2)]}, None, YEAR_END,
                                   {}, {"signin-unknown-activity"}),
    "alias-category-counts": ({"activity:2:category": "技术创新服务", "activity:2:content": None}, None, None,
                              YEAR_END, {}, set()),
}


@pytest.fixture(scope="module")
def books(tmp_path_factory, plan_report) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("v2")
    return {case: build_workbook(folder / f"{case}.xlsx", PLATFORM, plan_report,
                                 rows=rows(changes, add, drop))
            for case, (changes, add, drop, *_rest) in CASES.items()}


def _figures(report) -> dict[str, tuple[int, int, int]]:
    return {p.tier: (p.sessions, p.enterprises, p.visits) for p in report.progress}


@pytest.mark.parametrize("case", list(CASES))
def test_counting_decision(case, books, plan_report):
    _, _, _, as_of, changed, codes = CASES[case]
    report = check_file(books[case], plan_report, as_of)
    assert _figures(report) == {**CLEAN, **changed}
    assert {f.code for f in report.findings} == codes


def test_actual_equal_to_expected_is_on_pace(books, plan_report):
    # 规上: target 2; 2 July 2021 is day 183, floor(2 × 183 / 365) = 1 = the one session held
    report = check_file(books["clean"], plan_report, dt.date(2021, 7, 2))
    above = report.progress[2]
    assert (above.sessions, above.sessions_expected, above.behind_pace) == (1, 1, False)
    # 小微: target 2, one session; on 31 December 2 are due
    micro = check_file(books["clean"], plan_report, YEAR_END).progress[4]
    assert (micro.sessions, micro.sessions_expected, micro.behind_pace) == (1, 2, True)


def test_pace_floor_before_the_first_whole_session_is_due(books, plan_report):
    report = check_file(books["clean"], plan_report, dt.date(2021, 7, 1))  # day 182: floor(2 × 182 / 365) = 0
    assert [(p.sessions_expected, p.behind_pace) for p in report.progress] == [
        (None, None), (0, False), (0, False), (0, False), (0, False)]


def test_all_tier_total_sums_only_tiers_with_a_target(books, plan_report):
    report = check_file(books["clean"], plan_report, YEAR_END)
    row = total(report.progress, YEAR_END, 2021)
    # the national tier's session (target "/") is left out: 0 + 1 + 0 + 1 of 1 + 2 + 2 + 2
    assert (row.sessions, row.sessions_target, row.sessions_gap) == (2, 7, 5)
    # enterprises: every tier has a numeric target (国家级 0): 1 + 0 + 1 + 0 + 1 of 279
    assert (row.enterprises, row.enterprises_target, row.enterprises_gap) == (3, 279, 276)
    assert row.sessions_expected == 7 and row.behind_pace is True


def test_totals_gap_never_negative(tmp_path, plan_report):
    many = [activity(id=f"X{i}", date=dt.date(2021, 2, 1 + i), category="政策信息服务", tier="规上工业企业",
                     content="政策宣讲", name=f"宣讲{i}", evidence="照片") for i in range(5)]
    path = build_workbook(tmp_path / "many.xlsx", PLATFORM, plan_report, rows=rows(add={"activity": many}))
    report = check_file(path, plan_report, YEAR_END)
    assert report.progress[2].sessions == 6 and report.progress[2].sessions_gap == 0
    row = total(report.progress, YEAR_END, 2021)
    assert (row.sessions, row.sessions_target, row.sessions_gap) == (7, 7, 0)


# --- as-of on the command line -------------------------------------------------------------


@pytest.mark.parametrize(("as_of", "status"), [("2022-01-01", 2), ("2020-12-31", 2), ("2021-12-31", 0)])
def test_explicit_as_of_outside_the_year_is_a_usage_error(books, as_of, status, capsys):
    assert main(["check", str(books["clean"]), "--as-of", as_of, "--json"]) == status


def test_consolidate_as_of_outside_the_year_is_a_usage_error(books, tmp_path):
    assert main(["consolidate", str(books["clean"].parent), "-o", str(tmp_path / "r.xlsx"),
                 "--as-of", "2022-03-01"]) == 2
    assert not (tmp_path / "r.xlsx").exists()


# --- plans: a workbook is checked against the plan it names ----------------------------------


@pytest.fixture(scope="module")
def other_plan(tmp_path_factory) -> Path:
    data = yaml.safe_load((PLANS_DIR / "yunnan-2021.yaml").read_text(encoding="utf-8"))
    data["id"] = "yunnan-2021-copy"
    path = tmp_path_factory.mktemp("plan") / "copy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_workbook_of_an_unknown_plan_is_not_checked_against_another(tmp_path, other_plan):
    path = build_workbook(tmp_path / "o.xlsx", PLATFORM, load_plan(other_plan), rows=rows())
    report = check_file(path)  # no --plan: its plan id is looked up among the shipped plans
    assert [f.code for f in report.findings if f.severity.value == "error"] == ["plan-unknown"]
    assert report.progress == []


def test_workbook_of_another_plan_is_an_error_against_the_given_plan(tmp_path, other_plan, plan_report):
    path = build_workbook(tmp_path / "o.xlsx", PLATFORM, load_plan(other_plan), rows=rows())
    report = check_file(path, plan_report, YEAR_END)
    assert "plan-other" in {f.code for f in report.findings if f.severity.value == "error"}
    assert report.valid is False


def test_consolidation_rejects_a_workbook_of_another_plan(tmp_path, other_plan, plan_report):
    folder = tmp_path / "in"
    folder.mkdir()
    build_workbook(folder / "ours.xlsx", PLATFORM, plan_report, rows=rows())
    build_workbook(folder / "theirs.xlsx", "昆明培训窗口平台", load_plan(other_plan), rows=rows())
    result = consolidate(folder, plan_report, YEAR_END)
    status = {Path(f.file).name: f.status for f in result.files}
    assert status == {"ours.xlsx": "used", "theirs.xlsx": "rejected"}
    assert "昆明培训窗口平台" in result.missing


def test_template_all_with_a_plan_file_of_its_own_id(tmp_path, other_plan):
    assert main(["template", "--all", "--plan", str(other_plan), "-o", str(tmp_path / "out")]) == 0
    built = sorted((tmp_path / "out").glob("*.xlsx"))
    assert len(built) == 47
    meta = {r[0].value: r[1].value for r in openpyxl.load_workbook(built[0], read_only=True)["_meta"].iter_rows()}
    assert meta["plan_id"] == "yunnan-2021-copy"


def test_registry_decides_the_tier(tmp_path):
    data = yaml.safe_load((PLANS_DIR / "yunnan-2021.yaml").read_text(encoding="utf-8"))
    data["registry"] = {E1: "省级小巨人"}  # E1: 规上 on the roster, confirmed 省级 by the province
    plan_file = tmp_path / "reg.yaml"
    plan_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    loaded = load_plan(plan_file)
    path = build_workbook(tmp_path / "r.xlsx", PLATFORM, loaded, rows=rows())
    report = check_file(path, loaded, YEAR_END)
    figures = _figures(report)
    assert figures["省级小巨人"] == (0, 1, 0) and figures["规上工业企业"] == (1, 0, 2)
    assert [(f.code, f.row) for f in report.findings] == [("tier-registry", 2)]


# --- consolidation: claims, tier conflicts, versions, missing sheets ------------------------

KM_CENTRE, KM_PLATFORM, QJ_CENTRE = "昆明市中小企业服务中心", "昆明市中小企业公共服务窗口平台", "曲靖市中小企业服务中心"
PROVINCIAL = "云南省中小企业服务中心"
E5, E6, E7 = code(5), code(6), code(7)


def _one(uscc: str, tier: str, session_tier: str | None = None, day: int = 1) -> dict:
    """A centre's rows: one roster row; optionally one session of ``session_tier`` it signs in at."""
    data = {"roster": [roster(uscc=uscc, name="企业" + uscc[-3:], tier=tier)], "activity": [], "signin": []}
    if session_tier:
        data["activity"] = [activity(id="A1", date=dt.date(2021, 3, day), category="政策信息服务",
                                     tier=session_tier, content="政策宣讲", name="宣讲", enterprises=1,
                                     evidence="照片")]
        data["signin"] = [signin(activity_id="A1", uscc=uscc)]
    return data


@pytest.fixture(scope="module")
def claims_result(tmp_path_factory, plan_report):
    folder = tmp_path_factory.mktemp("claims")
    sets = {
        KM_CENTRE: {"roster": [*_one(E5, "成长型中小企业", "成长型中小企业")["roster"],
                               roster(uscc=E6, name="企业六", tier="小微企业"),
                               roster(uscc=E7, name="企业七", tier="小微企业")],
                    "activity": _one(E5, "成长型中小企业", "成长型中小企业")["activity"],
                    "signin": _one(E5, "成长型中小企业", "成长型中小企业")["signin"]},
        QJ_CENTRE: _one(E5, "规上工业企业", "小微企业", day=2),  # another unit, a higher roster tier
        KM_PLATFORM: _one(E6, "小微企业"),  # roster only, same unit as the Kunming centre
        PROVINCIAL: _one(E7, "小微企业"),
    }
    for centre, data in sets.items():
        build_workbook(folder / f"{centre}.xlsx", centre, plan_report, rows=data)
    return consolidate(folder, plan_report, YEAR_END)


def test_tier_conflict_takes_the_highest_roster_tier_and_names_the_centres(claims_result):
    conflicts = [f for f in claims_result.findings if f.code == "tier-conflict"]
    assert [(f.value, f.severity.value) for f in conflicts] == [(E5, "warning")]
    assert KM_CENTRE in conflicts[0].message and QJ_CENTRE in conflicts[0].message
    province = {p.tier: p.enterprises for p in claims_result.province}
    # E5 served by both (Kunming at a 成长型 session, Qujing at a 小微 one): once, under 规上
    assert province == {"国家级小巨人": 0, "省级小巨人": 0, "规上工业企业": 1, "成长型中小企业": 0, "小微企业": 0}
    units = {u: {p.tier: p.enterprises for p in rows} for u, rows in claims_result.units.items()}
    assert units["昆明市中小中心及窗口平台"]["规上工业企业"] == 1
    assert units["曲靖市中小中心及窗口平台"]["规上工业企业"] == 1


def test_claims_are_classified_and_cross_unit_first(claims_result):
    got = [(d["uscc"], d["kind"], d["centres"]) for d in claims_result.duplicates]
    assert got == [
        (E5, "跨单位", sorted([KM_CENTRE, QJ_CENTRE])),
        (E6, "协同", sorted([KM_CENTRE, KM_PLATFORM])),  # roster-only claims count
        (E7, "协同", sorted([KM_CENTRE, PROVINCIAL])),  # the provincial centre with one unit
    ]


def test_version_order_uses_the_newer_of_export_and_save(tmp_path, plan_report):
    folder = tmp_path / "in"
    folder.mkdir()
    # A: exported 1 Oct but saved again on 5 Nov; B: exported and saved 1 Nov. A is the newer.
    a = build_workbook(folder / "a.xlsx", PLATFORM, plan_report, rows=rows(),
                       exported=dt.datetime(2021, 11, 5, 9))
    set_meta(a, "exported_at", dt.datetime(2021, 10, 1, 9))
    build_workbook(folder / "b.xlsx", PLATFORM, plan_report, rows=rows(drop={"activity": [2]}),
                   exported=dt.datetime(2021, 11, 1, 9))
    result = consolidate(folder, plan_report, YEAR_END)
    assert {Path(f.file).name: f.status for f in result.files} == {"a.xlsx": "used", "b.xlsx": "superseded"}


@pytest.mark.parametrize("sheet", ["培育企业", "服务活动", "服务对象"])
def test_a_workbook_lacking_an_entry_sheet_is_rejected_naming_it(tmp_path, plan_report, sheet):
    folder = tmp_path / "in"
    folder.mkdir()
    path = build_workbook(folder / "w.xlsx", PLATFORM, plan_report, rows=rows())
    edit_workbook(path, lambda book: book.remove(book[sheet]))
    result = consolidate(folder, plan_report, YEAR_END)
    (status,) = result.files
    assert status.status == "rejected" and f"《{sheet}》" in status.reason


def test_check_of_a_copy_outside_the_folder_reads_the_same(tmp_path, books, plan_report):
    copy = tmp_path / "copy.xlsx"
    shutil.copy(books["clean"], copy)
    assert _figures(check_file(copy, plan_report, YEAR_END)) == CLEAN


def test_a_centre_with_a_share_is_judged_against_it(tmp_path):
    data = yaml.safe_load((PLANS_DIR / "yunnan-2021.yaml").read_text(encoding="utf-8"))
    unit = next(u for u in data["annex3"]["units"] if u["name"] == "昆明市中小中心及窗口平台")
    row = unit["row"]  # 18,16, 44,4, 140,2, 70,2, 252,4
    centre = [v if v == "/" else v // 2 for v in row]
    platform = [v if v == "/" else v - v // 2 for v in row]
    data["shares"] = {"昆明市中小中心及窗口平台": {KM_CENTRE: centre, KM_PLATFORM: platform}}
    plan_file = tmp_path / "shares.yaml"
    plan_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    loaded = load_plan(plan_file)
    path = build_workbook(tmp_path / "km.xlsx", KM_CENTRE, loaded, rows=rows())
    report = check_file(path, loaded, dt.date(2021, 7, 2))
    assert [(p.sessions_target, p.enterprises_target) for p in report.progress] == [
        (8, 9), (2, 22), (1, 70), (1, 35), (2, 126)]
    assert "quota-mismatch" not in {f.code for f in report.findings}  # 完成情况 shows the share
    assert report.progress[2].sessions_expected == 0  # judged on its own: floor(1 × 183 / 365) = 0
