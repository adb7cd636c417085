"""The 2021 plan as data: every annex figure of the seed, its totals, and broken plan files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from tidu.engine.cli.main import main
from tidu.engine.plan import check_plan_file, load_plan
from tidu.schemas import PLANS_DIR

PLAN_FILE = PLANS_DIR / "yunnan-2021.yaml"
TIERS = ["国家级小巨人", "省级小巨人", "规上工业企业", "成长型中小企业", "小微企业"]


def test_shipped_plan_is_valid():
    report = check_plan_file(PLAN_FILE)
    assert report.valid, [f.message for f in report.findings]
    assert report.findings == []


def test_tiers_and_categories(plan):
    assert plan.tier_labels == TIERS
    assert [t.population for t in plan.tiers] == [35, 100, 4288, 1980, 500000]
    assert len(plan.categories) == 8
    assert plan.category_label("技术创新服务") == "技术创新和质量服务"
    assert plan.category_label("不存在的服务") is None


@pytest.mark.parametrize(
    ("tier", "enterprises", "sessions"),
    [("国家级小巨人", 35, 30), ("省级小巨人", 100, 30), ("规上工业企业", 1210, 60),
     ("成长型中小企业", 605, 60), ("小微企业", 6580, 70)],
)
def test_annex3_columns_add_up_to_printed_totals(plan, tier, enterprises, sessions):
    i = TIERS.index(tier)
    units = plan.annex3.units
    assert sum(u.row[2 * i] or 0 for u in units) == enterprises == plan.annex3.totals[2 * i]
    assert sum(u.row[2 * i + 1] or 0 for u in units) == sessions == plan.annex3.totals[2 * i + 1]
    # 附表1 tier totals equal 附表3 session totals
    assert sum(r.sessions[i] or 0 for r in plan.annex1.rows) == sessions == plan.annex1.totals[i]


@pytest.mark.parametrize(
    ("category", "sessions"),
    [("政策信息服务", [5, 5, 10, 10, 10]), ("投融资服务", [5, 5, 10, 10, 10]),
     ("创业服务", [None, None, None, None, 10]), ("人才与培训服务", [5, 5, 10, 10, 10]),
     ("技术创新和质量服务", [5, 5, 10, 10, 10]), ("管理咨询服务", [3, 3, 5, 5, 5]),
     ("市场开拓服务", [2, 2, 5, 5, 5]), ("法律服务", [5, 5, 10, 10, 10])],
)
def test_annex1_session_quotas(plan, category, sessions):
    assert [plan.session_quota(category, t) for t in TIERS] == sessions


def test_annex1_not_offered_is_distinct_from_zero(plan):
    assert plan.session_quota("创业服务", "国家级小巨人") is None
    assert plan.content_items("创业服务", "国家级小巨人") == ()
    assert "一键找创业基地" in plan.content_items("创业服务", "小微企业")


def test_seed_transcription_traps_are_resolved(plan):
    # 人才与培训服务: the provincial tier's "5场" sat inside its content text.
    assert plan.session_quota("人才与培训服务", "省级小巨人") == 5
    # 附表2: 小微企业 tasks of 人才与培训 and 管理咨询 were swapped in the extraction.
    tasks = {r.category: r.tasks for r in plan.annex2}
    assert tasks["人才与培训服务"]["小微企业"].startswith("提升职业技能水平")
    assert tasks["管理咨询服务"]["小微企业"].startswith("指导企业优化人力资源管理")


@pytest.mark.parametrize(
    ("unit", "row"),
    [("昆明市中小中心及窗口平台", [18, 16, 44, 4, 140, 2, 70, 2, 252, 4]),
     ("西双版纳州中小中心及窗口平台", [1, None, 1, 1, 24, 2, 12, 2, 196, 2]),
     ("怒江州中小中心及窗口平台", [0, None, 0, None, 12, 2, 6, 2, 168, 2]),
     ("云南竞争情报窗口平台", [0, None, 0, 1, 18, 2, 9, 2, 252, 2]),
     ("昆明光电子窗口平台", [0, None, 0, None, 18, 2, 9, 2, 196, 2]),
     ("滇中新区窗口平台", [0, None, 0, 1, 18, 2, 9, 2, 196, 2])],
)
def test_annex3_rows(plan, unit, row):
    assert list(plan.unit(unit).row) == row


def test_annex2_owners_and_deadlines(plan):
    owners = {r.category: r.responsible for r in plan.annex2}
    assert owners == {"政策信息服务": "祝芃", "投融资服务": "张力予", "创业服务": "傅禹",
                      "人才与培训服务": "许晓晨", "技术创新服务": "傅禹", "管理咨询服务": "许晓晨",
                      "市场开拓服务": "许晓晨", "法律服务": "祝芃"}
    assert {r.deadline for r in plan.annex2} == {"全年完成"}
    assert list(next(r for r in plan.annex2 if r.category == "创业服务").tasks) == ["小微企业"]


def test_registry_of_46_centres(plan):
    kinds = [c.kind for c in plan.centres]
    assert len(plan.centres) == 46
    assert kinds.count("prefecture_centre") == 16
    assert kinds.count("prefecture_platform") == 16
    assert kinds.count("platform") == 14
    assert len(plan.annex3.units) == 30
    assert plan.unit_of("大理州中小企业公共服务窗口平台") == "大理州中小中心及窗口平台"
    assert plan.unit_of("云南竞争情报窗口平台") == "云南竞争情报窗口平台"
    assert plan.unit_of(plan.provincial_centre.name) is None
    assert len(plan.centre_names()) == 47


def test_targets_of_units_and_provincial_centre(plan):
    kunming = plan.targets("昆明市中小中心及窗口平台")
    assert [(t.enterprises, t.sessions) for t in kunming] == [(18, 16), (44, 4), (140, 2), (70, 2), (252, 4)]
    province = plan.targets(None)
    assert [(t.enterprises, t.sessions) for t in province] == [(35, 30), (100, 30), (None, None),
                                                               (None, None), (None, None)]


def test_tier_rule_set_is_chosen_by_the_plan(plan_report):
    assert plan_report.plan.tier_rules == plan_report.rules.id == "tiers-2018"
    rules = plan_report.rules.tiers["规上工业企业"].rules
    assert [(r.metric, r.op, r.value) for r in rules] == [("main_revenue", ">=", 2000)]


# --- broken plan files ---------------------------------------------------------------------

def _load() -> dict:
    return yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))


def _set_unit(data, name, index, value):
    unit = next(u for u in data["annex3"]["units"] if u["name"] == name)
    unit["row"][index] = value


def _annex1(data, category):
    return next(r for r in data["annex1"]["rows"] if r["category"] == category)


BROKEN = [
    ("annex3-figure", lambda d: _set_unit(d, "昆明市中小中心及窗口平台", 0, 19), {"plan-total-mismatch"}),
    ("annex3-short-row", lambda d: d["annex3"]["units"][3]["row"].pop(),
     {"plan-row-length", "plan-total-mismatch"}),
    ("annex1-figure", lambda d: _annex1(d, "法律服务")["sessions"].__setitem__(0, 6), {"plan-total-mismatch"}),
    ("annex1-vs-annex3", lambda d: (_annex1(d, "法律服务")["sessions"].__setitem__(0, 6),
                                    d["annex1"]["totals"].__setitem__(0, 31)), {"plan-annex-mismatch"}),
    ("unknown-category", lambda d: _annex1(d, "法律服务").__setitem__("category", "法务服务"),
     {"plan-unknown-category", "plan-missing-category", "plan-content-mismatch"}),
    ("unknown-tier", lambda d: _annex1(d, "法律服务")["content"].__setitem__(
        "专精特新", {"text": "x", "items": []}), {"plan-unknown-tier"}),
    ("content-where-not-offered", lambda d: _annex1(d, "创业服务")["content"].__setitem__(
        "国家级小巨人", {"text": "x", "items": []}), {"plan-content-mismatch"}),
    ("negative-quota", lambda d: _set_unit(d, "昆明市中小中心及窗口平台", 1, -1), {"plan-field-invalid"}),
    ("text-quota", lambda d: _set_unit(d, "昆明市中小中心及窗口平台", 1, "十六"), {"plan-field-invalid"}),
    ("missing-year", lambda d: d.pop("year"), {"plan-field-invalid"}),
    ("misspelt-key", lambda d: d.__setitem__("yaer", 2021), {"plan-field-invalid"}),
    ("duplicate-unit", lambda d: d["annex3"]["units"][1].__setitem__("name", "昆明市中小中心及窗口平台"),
     {"plan-duplicate", "plan-unknown-unit"}),
    ("unknown-prefecture", lambda d: d["annex3"]["units"][0].__setitem__("prefecture", "昆明"),
     {"plan-unknown-prefecture"}),
    ("centre-unknown-unit", lambda d: d["centres"][0].__setitem__("unit", "昆明中心"),
     {"plan-unknown-unit"}),
    ("rules-missing", lambda d: d.__setitem__("tier_rules", "tiers-1999"), {"plan-rules-missing"}),
    ("bad-region", lambda d: d["prefectures"].__setitem__("昆明市", "53A1"), {"plan-region-invalid"}),
]


@pytest.mark.parametrize(("case", "mutate", "codes"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_plan_is_reported(tmp_path, case, mutate, codes):
    data = _load()
    mutate(data)
    path = tmp_path / f"{case}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    report = check_plan_file(path)
    assert not report.valid
    assert {f.code for f in report.findings} == codes
    assert all(f.message for f in report.findings)


@pytest.mark.parametrize(("content", "code"), [("", "plan-unreadable"), ("year: [2021\n", "plan-unreadable"),
                                               ("- 1\n- 2\n", "plan-unreadable")])
def test_unreadable_plan_file(tmp_path, content, code):
    path = tmp_path / "p.yaml"
    path.write_text(content, encoding="utf-8")
    assert [f.code for f in check_plan_file(path).findings] == [code]


def test_missing_plan_file(tmp_path):
    assert [f.code for f in check_plan_file(tmp_path / "nope.yaml").findings] == ["plan-unreadable"]


def test_next_years_plan_is_a_new_data_file(tmp_path):
    data = _load()
    data["id"], data["year"] = "yunnan-2022", 2022
    _set_unit(data, "昆明市中小中心及窗口平台", 4, 150)  # 规上 targets +10 in Kunming
    data["annex3"]["totals"][4] += 10
    path = tmp_path / "yunnan-2022.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    plan = load_plan(path).plan
    assert plan.year == 2022
    assert plan.targets("昆明市中小中心及窗口平台")[2].enterprises == 150


# --- CLI -----------------------------------------------------------------------------------

def test_cli_plan_show_json(capsys):
    assert main(["plan", "show", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == "yunnan-2021" and data["valid"] is True
    assert data["annex3"]["totals"] == [35, 30, 100, 30, 1210, 60, 605, 60, 6580, 70]
    assert data["annex1"]["rows"][2]["sessions"] == ["/", "/", "/", "/", 10]


def test_cli_plan_show_text(capsys):
    assert main(["plan", "show"]) == 0
    out = capsys.readouterr().out
    assert "滇中新区窗口平台" in out and "6580" in out


def test_cli_plan_check(tmp_path, capsys):
    assert main(["plan", "check", str(PLAN_FILE)]) == 0
    data = _load()
    _set_unit(data, "昆明市中小中心及窗口平台", 0, 19)
    broken = tmp_path / "b.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    capsys.readouterr()
    assert main(["plan", "check", str(broken), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["valid"] is False
    assert [(f["code"], f["value"]) for f in out["findings"]] == [("plan-total-mismatch", 36)]


def test_cli_plan_show_broken_plan_is_usage_error(tmp_path, capsys):
    assert main(["plan", "show", "--plan", str(Path(tmp_path / "none.yaml"))]) == 2
    assert "plan-unreadable" in capsys.readouterr().err
