"""Rule sets as data and the judging of criteria (DESIGN §11): thresholds, missing figures, grids.

The threshold table is built from the rule files themselves: for every numeric criterion of
every shipped rule set, an enterprise at, just under and just over the threshold. What each
position must give follows from the comparison alone (">=" meets at the threshold, ">" does
not, …), not from the code under test.
"""

from __future__ import annotations

import math

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tidu.engine.plan import validated
from tidu.engine.screen import load_ruleset, load_warning_rules, ruleset_ids
from tidu.engine.screen.evaluate import Judge, judge_tier
from tidu.engine.screen.series import Series
from tidu.schemas import RULESETS_DIR
from tidu.schemas.plan import TierRuleSet
from tidu.schemas.screening import INDICATORS, Criterion, Decision, Over

YEAR = 2021
RULESETS = ("tiers-2018", "miit-2022", "miit-2026")


def test_shipped_rule_sets():
    assert set(RULESETS) <= set(ruleset_ids())
    for rid in RULESETS:
        rules = load_ruleset(rid)
        load_warning_rules(rules.warnings)
        # the roster-check model of `tidu check` reads the same file
        data = yaml.safe_load((RULESETS_DIR / f"{rid}.yaml").read_text(encoding="utf-8"))
        assert validated(TierRuleSet, data).id == rid
    assert load_ruleset("miit-2026").status == "待核对"
    assert load_ruleset("tiers-2018").status == load_ruleset("miit-2022").status == "有效"
    flagged = [c.id for t in load_ruleset("miit-2026").tiers.values() for top in t.criteria for c in top.walk()
               if c.single_source]
    assert flagged  # single-source items are marked
    assert load_ruleset("tiers-2018").reserve == 25


@pytest.mark.parametrize("rid", RULESETS)
def test_rule_sets_cover_the_plan_tiers(rid, plan):
    assert list(load_ruleset(rid).tiers) == plan.tier_labels


def test_miit_2022_grids():
    rules = load_ruleset("miit-2022")
    cxx, zjtx = rules.grids["cxx"], rules.grids["zjtx"]
    assert sum(i.points for i in cxx.items) == 100 and cxx.pass_score == 60
    assert cxx.blocks == {"创新能力": 20, "成长性": 15, "专业化": 15}
    assert len(zjtx.items) == 13 and sum(i.points for i in zjtx.items) == 100
    assert [i.configurable for i in zjtx.items].index(True) == 8  # item 9: set by each province


def _leaves(rid: str) -> list[tuple[str, Criterion]]:
    out = []
    for tier in load_ruleset(rid).tiers.values():
        for top in tier.criteria:
            out += [(rid, c) for c in top.walk() if c.kind == "numeric" and not c.one_of]
    return out


NUMERIC = [leaf for rid in RULESETS for leaf in _leaves(rid)]


def _series(crit: Criterion, value: float) -> Series:
    """A series whose indicator, taken the criterion's way, is ``value``."""
    key, years = crit.indicator or "", crit.years
    spec = INDICATORS[key]
    span = list(range(YEAR - years, YEAR)) if crit.over != Over.LAST else [YEAR - 1]
    if crit.over == Over.GROWTH:
        first = 1000.0
        yearly = [first * (1 + value / 100) ** i for i in range(years)]  # compound, year by year
    elif crit.over == Over.SUM:
        yearly = [value / len(span)] * len(span)
    else:
        yearly = [value] * len(span)
    years_map: dict[int, dict[str, float | str]] = {}
    for year, v in zip(span, yearly, strict=True):
        if spec.ratio:
            years_map[year] = {spec.ratio[0]: v * 10, spec.ratio[1]: 1000.0}
        else:
            years_map[year] = {key: v}
    return Series(YEAR, years_map)


def _expected(op: str, position: str) -> Decision:
    holds = {(">=", "at"): True, (">", "at"): False, ("<=", "at"): True, ("<", "at"): False}
    if position == "at":
        return Decision.MEETS if holds[(op, "at")] else Decision.FAILS
    above = position == "over"
    return Decision.MEETS if above == (op in (">", ">=")) else Decision.FAILS


def _delta(crit: Criterion) -> float:
    return 1 if INDICATORS[crit.indicator or ""].unit in ("名次", "人", "件", "年") else 0.5


@pytest.mark.parametrize("position", ["under", "at", "over"])
@pytest.mark.parametrize(("rid", "crit"), NUMERIC, ids=[f"{r}:{c.id}" for r, c in NUMERIC])
def test_threshold_table(rid, crit, position):
    threshold = float(crit.threshold or 0)
    value = {"under": threshold - _delta(crit), "at": threshold, "over": threshold + _delta(crit)}[position]
    if value < 0 and crit.over != Over.GROWTH and INDICATORS[crit.indicator or ""].unit != "万元":
        pytest.skip("no negative counts or shares")
    if crit.over == Over.GROWTH and value <= -100:
        pytest.skip("growth below −100% is not a growth")
    outcome = Judge(load_ruleset(rid), _series(crit, value)).criterion(crit)
    assert outcome.decision == _expected(crit.op or "", position)
    if outcome.decision == Decision.FAILS:
        (failed,) = outcome.failed
        assert failed.criterion == crit.id
        assert failed.threshold == pytest.approx(threshold)
        assert failed.value == pytest.approx(value, abs=1e-3)
        assert failed.unit == INDICATORS[crit.indicator or ""].unit
        assert failed.near == (abs(value - threshold) <= 0.25 * abs(threshold))  # the reserve margin


@pytest.mark.parametrize(("rid", "crit"), NUMERIC, ids=[f"{r}:{c.id}" for r, c in NUMERIC])
def test_missing_figures_are_review(rid, crit):
    outcome = Judge(load_ruleset(rid), Series(YEAR)).criterion(crit)
    assert outcome.decision == Decision.REVIEW and outcome.missing == [crit.id]


@pytest.mark.parametrize("rid", RULESETS)
def test_manual_criteria_are_review(rid):
    rules = load_ruleset(rid)
    manual = [c for t in rules.tiers.values() for top in t.criteria for c in top.walk() if c.manual]
    assert manual
    for crit in manual:
        outcome = Judge(rules, Series(YEAR)).criterion(crit)
        assert (outcome.decision, outcome.missing, outcome.manual) == (Decision.REVIEW, [crit.id], [crit.id])


def _figures(**years: dict) -> Series:
    return Series(YEAR, {int(y[1:]): v for y, v in years.items()})


NATIONAL = dict(revenue=15000, main_revenue=12000, net_profit=1500, rd_expense=600, employees=300, rd_staff=60,
                province_rank=2)
NATIONAL_BEFORE = dict(revenue=13000, main_revenue=10500, net_profit=1300, rd_expense=500)


@pytest.mark.parametrize(("change", "decision", "failed", "missing"), [
    ({}, Decision.MEETS, [], []),
    ({"province_rank": None}, Decision.REVIEW, [], ["n-rank"]),
    ({"province_rank": 4}, Decision.FAILS, [("n-rank", 4, 3)], []),
    ({"revenue": 10000, "main_revenue": 8000}, Decision.MEETS, [], []),  # 1亿元以上 includes 1亿
    ({"revenue": 9999, "main_revenue": 8000}, Decision.FAILS, [("n-revenue", 9999, 10000)], []),
    ({"rd_staff": 44}, Decision.FAILS, [("n-rd-staff", 14.6667, 15)], []),
    ({"rd_staff": 45}, Decision.MEETS, [], []),
    ({"rd_expense": 449}, Decision.FAILS, [("n-rd-ratio", 2.9933, 3)], []),
])
def test_national_tiers_2018(change, decision, failed, missing):
    last = {k: v for k, v in {**NATIONAL, **change}.items() if v is not None}
    outcome = judge_tier(Judge(load_ruleset("tiers-2018"), _figures(y2020=last, y2019=NATIONAL_BEFORE)),
                         load_ruleset("tiers-2018").tiers["国家级小巨人"].criteria)
    assert outcome.decision == decision
    assert [(f.criterion, f.value, f.threshold) for f in outcome.failed] == [
        (c, pytest.approx(v, abs=1e-3), t) for c, v, t in failed]
    assert outcome.missing == missing


def test_growth_either_revenue_or_profit():
    rules = load_ruleset("tiers-2018")
    crit = next(c for c in rules.tiers["国家级小巨人"].criteria if c.id == "n-growth")
    before = {"main_revenue": 1000, "net_profit": 100}
    slow_main = _figures(y2019=before, y2020={"main_revenue": 1050, "net_profit": 111})
    assert Judge(rules, slow_main).criterion(crit).decision == Decision.MEETS
    both_slow = _figures(y2019=before, y2020={"main_revenue": 1050, "net_profit": 105})
    outcome = Judge(rules, both_slow).criterion(crit)
    assert outcome.decision == Decision.FAILS and outcome.failed[0].criterion == "n-growth-main"


def test_roster_growth_stands_for_the_missing_year():
    series = Series(YEAR, {2020: {"revenue": 900, "revenue_growth": -12.0}})
    assert series.change("revenue") == -12.0
    series = Series(YEAR, {2019: {"revenue": 1000}, 2020: {"revenue": 700, "revenue_growth": 5.0}})
    assert series.change("revenue") == pytest.approx(-30)  # 企业指标 wins over the roster


GRID_FULL = dict(revenue=1000, main_revenue=800, rd_expense=60, liabilities=400, assets=1000)


@pytest.mark.parametrize(("last", "before", "decision", "score"), [
    # rd 6% → 20, growth 20% → 20, debt 40% → 10, main share 80% → 20: 70 known, + ip 0–20, field 5–10
    (GRID_FULL, {"main_revenue": 666.67}, Decision.MEETS, 75),
    # rd 0.5% → 0 points: 创新能力 block at most 0 + 20 (ip, manual) → can still reach 20: review
    ({**GRID_FULL, "rd_expense": 5}, {"main_revenue": 666.67}, Decision.REVIEW, 55),
    # no growth (−10%) → 0, debt 80% → 0: 成长性 block is 0 < 15 → fails
    ({**GRID_FULL, "liabilities": 800}, {"main_revenue": 900}, Decision.FAILS, 45),
    # nothing known: review with the unknown items listed
    ({}, {}, Decision.REVIEW, 5),
])
def test_innovation_grid(last, before, decision, score):
    rules = load_ruleset("miit-2022")
    crit = next(c for c in rules.tiers["成长型中小企业"].criteria[0].walk() if c.grid == "cxx")
    outcome = Judge(rules, _figures(y2020=last, y2019=before)).criterion(crit)
    assert outcome.decision == decision
    assert outcome.score == score
    if decision == Decision.FAILS:
        assert [f.criterion for f in outcome.failed] == ["c-score-grid:成长性"]


def test_grid_failure_behind_a_manual_route_is_review():
    rules = load_ruleset("miit-2022")
    series = _figures(y2020={**GRID_FULL, "liabilities": 800}, y2019={"main_revenue": 900})
    outcome = judge_tier(Judge(rules, series), rules.tiers["成长型中小企业"].criteria)
    assert outcome.decision == Decision.REVIEW and "c-route" in outcome.manual


@pytest.mark.parametrize(("figures", "decision", "value"), [
    ({"revenue": 450}, Decision.FAILS, 450),  # main revenue ≤ revenue < 500万
    ({"revenue": 800}, Decision.REVIEW, None),  # main revenue could be anything up to 800万
    ({"revenue": 450, "main_revenue": 520}, Decision.MEETS, None),  # the figure itself wins
])
def test_main_revenue_bounded_by_revenue(figures, decision, value):
    rules = load_ruleset("tiers-2018")
    outcome = judge_tier(Judge(rules, _figures(y2020=figures)), rules.tiers["成长型中小企业"].criteria[:1])
    assert outcome.decision == decision
    assert [f.value for f in outcome.failed] == ([value] if value is not None else [])
    if outcome.failed:
        assert (outcome.failed[0].criterion, outcome.failed[0].threshold) == ("g-main-revenue", 500)


def test_registered_follows_the_credit_code():
    rules = load_ruleset("tiers-2018")
    crit = rules.tiers["小微企业"].criteria
    assert judge_tier(Judge(rules, Series(YEAR), registered=True), crit).decision == Decision.MEETS
    assert judge_tier(Judge(rules, Series(YEAR), registered=False), crit).decision == Decision.FAILS


# --- properties ----------------------------------------------------------------------------

REVENUE_CRITERIA = [(r, c) for r, c in NUMERIC
                    if c.indicator in {"revenue", "main_revenue"} and c.over != Over.GROWTH and c.op in (">", ">=")]
ALL_LEAVES = [(rid, top) for rid in RULESETS for t in load_ruleset(rid).tiers.values() for top in t.criteria]
BASE_KEYS = [k for k, v in INDICATORS.items() if not v.ratio and not v.text]
amount = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(REVENUE_CRITERIA), amount, amount)
def test_more_revenue_never_turns_meets_into_fails(case, value, more):
    rid, crit = case
    rules = load_ruleset(rid)
    before = Judge(rules, _series(crit, value)).criterion(crit).decision
    after = Judge(rules, _series(crit, value + more)).criterion(crit).decision
    assert not (before == Decision.MEETS and after == Decision.FAILS)


year_figures = st.dictionaries(st.sampled_from(BASE_KEYS), amount, max_size=len(BASE_KEYS))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(ALL_LEAVES), st.lists(year_figures, min_size=3, max_size=3), st.data())
def test_a_missing_figure_never_gives_fails(case, yearly, data):
    rid, crit = case
    rules = load_ruleset(rid)
    for f in yearly:  # consistent figures: main revenue is part of revenue
        if "main_revenue" in f and "revenue" in f:
            f["main_revenue"] = min(f["main_revenue"], f["revenue"])
    full = Series(YEAR, {YEAR - 3 + i: dict(f) for i, f in enumerate(yearly)})
    holes = {y: data.draw(st.sets(st.sampled_from(sorted(f) or ["revenue"]))) for y, f in full.years.items()}
    thinner = Series(YEAR, {y: {k: v for k, v in f.items() if k not in holes[y]} for y, f in full.years.items()})
    with_all = Judge(rules, full).criterion(crit)
    with_less = Judge(rules, thinner).criterion(crit)
    if with_all.decision != Decision.FAILS:
        assert with_less.decision != Decision.FAILS
    assert Judge(rules, Series(YEAR)).criterion(crit).decision != Decision.FAILS or crit.registered


def test_growth_is_compound_over_the_years():
    series = _figures(y2018={"revenue": 1000}, y2019={"revenue": 1100}, y2020={"revenue": 1210})
    assert series.growth("revenue", 3) == pytest.approx(10)
    assert math.isclose(series.growth("revenue", 2), 10)
