"""The counting rules of engine/rollup.py on in-memory entries: fast, hand-computed tables.

This file is what the mutation test of the rollup module runs (see docs/mutation.md), so each
rule is pinned at its boundary: the as-of day itself, one day more, equal values, ties.
"""

from __future__ import annotations

import datetime as dt
import pickle
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tidu.engine.rollup import (
    AsOfOutsideYear,
    SessionKey,
    Tally,
    clamp_as_of,
    days_elapsed,
    decide_tier,
    decide_tiers,
    expected_by,
    gap,
    invalid_rows,
    progress,
    rate,
    resolve_as_of,
    served_by_tier,
    tally,
    tier_conflicts,
    total,
)
from tidu.schemas.catalogue import finding
from tidu.schemas.entries import Activity, Enterprise, Meta, Participant, Submission
from tidu.schemas.plan import Target
from tidu.schemas.results import TierProgress

NAT, PROV, ABOVE, GROWTH, MICRO = "国家级小巨人", "省级小巨人", "规上工业企业", "成长型中小企业", "小微企业"
A, B, C, D = "91530102MA0000001X", "91530102MA0000002X", "91530102MA0000003X", "91530102MA0000004X"
D1, D2, D3 = dt.date(2021, 3, 1), dt.date(2021, 5, 10), dt.date(2021, 6, 1)


def _act(row: int, ident: str, date: dt.date | None, tier: str, category: str = "政策信息服务",
         enterprises: int | None = None) -> Activity:
    return Activity(row=row, id=ident, date=date, category=category, tier=tier, content=None, name="活动",
                    enterprises=enterprises)


def _sub(enterprises=(), activities=(), participants=(), unusable=frozenset(), file="x/中心.xlsx",
         centre="甲中心") -> Submission:
    return Submission(file=file, meta=Meta(centre=centre), enterprises=tuple(enterprises),
                      activities=tuple(activities), participants=tuple(participants),
                      unusable_sheets=frozenset(unusable))


SUB = _sub(
    enterprises=[Enterprise(2, A, "甲", ABOVE), Enterprise(3, B, "乙", MICRO), Enterprise(4, C, "丙", "不存在的梯度"),
                 Enterprise(5, None, "无码", MICRO), Enterprise(6, D, "丁", None)],
    activities=[_act(2, "H1", D1, ABOVE, enterprises=2), _act(3, "H2", D2, MICRO, "创业服务", 1),
                _act(4, "H3", D3, NAT, "投融资服务", 3), _act(5, "H4", None, MICRO),
                _act(6, None, D1, MICRO), _act(7, "H6", D1, MICRO, "不存在的类别"),
                _act(8, "H7", D1, "不存在的梯度")],
    participants=[Participant(2, "H1", A, "甲公司"), Participant(3, "H1", C), Participant(4, "H2", B),
                  Participant(5, "H3", C, "丙公司"), Participant(6, "H9", D), Participant(7, "H2", None)],
)


@pytest.fixture(scope="module")
def plan(plan_report):
    return plan_report.plan


# --- tally ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("as_of", "sessions", "visits", "signed"), [
    (dt.date(2021, 12, 31), {ABOVE: 1, MICRO: 1, NAT: 1}, {ABOVE: 2, MICRO: 1, NAT: 3},
     {A: (D1, 2, ABOVE), C: (D1, 2, ABOVE), B: (D2, 3, MICRO)}),
    (D3, {ABOVE: 1, MICRO: 1, NAT: 1}, {ABOVE: 2, MICRO: 1, NAT: 3},  # a session on the as-of day counts
     {A: (D1, 2, ABOVE), C: (D1, 2, ABOVE), B: (D2, 3, MICRO)}),
    (D3 - dt.timedelta(days=1), {ABOVE: 1, MICRO: 1}, {ABOVE: 2, MICRO: 1},
     {A: (D1, 2, ABOVE), C: (D1, 2, ABOVE), B: (D2, 3, MICRO)}),
    (D1, {ABOVE: 1}, {ABOVE: 2}, {A: (D1, 2, ABOVE), C: (D1, 2, ABOVE)}),
    (D1 - dt.timedelta(days=1), {}, {}, {}),
])
def test_tally_counts_valid_sessions_up_to_as_of(plan, as_of, sessions, visits, signed):
    t = tally(SUB, plan, [], as_of)
    assert dict(t.sessions) == sessions
    assert dict(t.visits) == visits
    assert {code: (k.date, k.row, k.tier) for code, k in t.signed.items()} == signed
    assert all(k.file == "中心.xlsx" for k in t.signed.values())  # the file's name, not its folder


def test_tally_by_category_uses_canonical_labels(plan):
    sub = _sub(activities=[_act(2, "H1", D1, ABOVE, "技术创新服务"), _act(3, "H2", D1, ABOVE, "技术创新和质量服务")])
    t = tally(sub, plan, [], D3)
    assert dict(t.by_category) == {("技术创新和质量服务", ABOVE): 2}


def test_tally_roster_claims_valid_rows_with_known_tiers(plan):
    t = tally(SUB, plan, [], D3)
    assert t.roster == {"甲中心": {A: ABOVE, B: MICRO}}
    assert t.names == {A: "甲", B: "乙", C: "丙公司"}
    assert t.claims() == {A, B, C}


def test_an_enterprise_keeps_the_first_name_given_for_it(plan):
    # A roster row without a name leaves the name to the sign-ins; a second row does not rename.
    sub = _sub(enterprises=[Enterprise(2, A, "甲", ABOVE), Enterprise(3, A, "甲二", ABOVE),
                            Enterprise(4, B, None, MICRO)],
               activities=[_act(2, "H1", D1, MICRO)],
               participants=[Participant(2, "H1", B, "乙公司"), Participant(3, "H1", A, "甲公司")])
    assert tally(sub, plan, [], D3).names == {A: "甲", B: "乙公司"}


def test_rows_with_errors_do_not_count(plan):
    bad = [finding("uscc-invalid", sheet="培育企业", row=2, reason="x"),
           finding("date-outside-year", sheet="服务活动", row=3, value="x", year=2021),
           finding("uscc-invalid", sheet="服务对象", row=2, reason="x"),
           finding("evidence-missing", sheet="服务活动", row=2)]  # info: the row still counts
    t = tally(SUB, plan, bad, dt.date(2021, 12, 31))
    assert dict(t.sessions) == {ABOVE: 1, NAT: 1}
    assert set(t.signed) == {C}  # A's sign-in row is bad; B's session (H2) is bad
    assert _roster_codes(t) == {B}


def test_invalid_rows_keeps_errors_below_the_header_only():
    found = [finding("uscc-invalid", sheet="培育企业", row=2, reason="x"),
             finding("column-missing", sheet="培育企业", row=1, column="企业名称"),
             finding("count-negative", sheet="服务活动", row=4, column="服务企业数", value=-1),
             finding("sheet-missing", sheet="服务对象"),
             finding("date-invalid", sheet="服务活动", row=3, value="x")]
    assert invalid_rows(found) == {("培育企业", 2), ("服务活动", 3)}


@pytest.mark.parametrize(("unusable", "sessions", "signed", "roster"), [
    ({"服务活动"}, {}, set(), {A, B}),
    ({"服务对象"}, {ABOVE: 1, MICRO: 1, NAT: 1}, set(), {A, B}),
    ({"培育企业"}, {ABOVE: 1, MICRO: 1, NAT: 1}, {A, B, C}, set()),
])
def test_unusable_sheets_count_nothing(plan, unusable, sessions, signed, roster):
    sub = _sub(SUB.enterprises, SUB.activities, SUB.participants, unusable)
    t = tally(sub, plan, [], dt.date(2021, 12, 31))
    assert (dict(t.sessions), set(t.signed), _roster_codes(t)) == (sessions, signed, roster)


def test_a_bare_file_name_and_sessions_after_rows_that_do_not_count(plan):
    # a file given without a folder; a counted session without 服务企业数 adds no visit; rows that
    # do not count (unknown category, unknown tier) do not stop the ones below them
    sub = _sub(activities=[_act(2, "X", D1, MICRO, "不存在的类别"), _act(3, "Y", D1, "不存在的梯度"),
                           _act(4, "Z", D2, GROWTH, enterprises=None), _act(5, "W", D2, GROWTH, enterprises=2)],
               participants=[Participant(2, "Z", A)], file="中心.xlsx")
    t = tally(sub, plan, [], D3)
    assert dict(t.sessions) == {GROWTH: 2} and dict(t.visits) == {GROWTH: 2}
    assert t.signed[A] == SessionKey(D2, "中心.xlsx", 4, GROWTH)


def test_earliest_sign_in_is_kept_within_a_file(plan):
    sub = _sub(activities=[_act(2, "L", D2, MICRO), _act(3, "E", D1, GROWTH), _act(4, "S", D1, ABOVE)],
               participants=[Participant(2, "L", A), Participant(3, "S", A), Participant(4, "E", A)])
    key = tally(sub, plan, [], D3).signed[A]
    assert (key.date, key.row, key.tier) == (D1, 3, GROWTH)  # same day: the earlier row


# --- merge, tier decision, conflicts ----------------------------------------------------------


def _roster_codes(t: Tally) -> set[str]:
    return set().union(*t.roster.values())


def _by_claimer(by_code: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """A roster written code → {claimer: tier}, as Tally holds it: claimer → {code: tier}."""
    out: dict[str, dict[str, str]] = {}
    for code, claims in by_code.items():
        for claimer, tier in claims.items():
            out.setdefault(claimer, {})[code] = tier
    return out


def _tally(signed=None, roster=None, names=None, **counters) -> Tally:
    t = Tally(signed=signed or {}, roster=_by_claimer(roster or {}), names=names or {})
    for key, values in counters.items():
        getattr(t, key).update(values)
    return t


def test_merge_adds_counts_and_keeps_the_earliest_sign_in():
    early, late = SessionKey(D1, "b.xlsx", 9, ABOVE), SessionKey(D2, "a.xlsx", 2, MICRO)
    same_day = SessionKey(D1, "a.xlsx", 30, GROWTH)
    one = _tally({A: late, B: early}, {A: {"甲": MICRO}}, {A: "甲公司"}, sessions={MICRO: 2}, visits={MICRO: 3})
    two = _tally({A: early, B: same_day, C: late}, {A: {"乙": ABOVE}, C: {"乙": GROWTH}}, {A: "甲有限公司"},
                 sessions={MICRO: 1, ABOVE: 4}, visits={ABOVE: 1, MICRO: 2})
    merged = one.merge(two)
    assert dict(merged.sessions) == {MICRO: 3, ABOVE: 4}
    assert dict(merged.visits) == {MICRO: 5, ABOVE: 1}  # added, not the larger of the two
    # B: same date, files "a" before "b" → the one from a.xlsx, whatever its row
    assert merged.signed == {A: early, B: same_day, C: late}
    assert merged.roster == _by_claimer({A: {"甲": MICRO, "乙": ABOVE}, C: {"乙": GROWTH}})
    assert merged.names == {}  # names are each file's own: 重复企业 looks them up file by file
    assert one.names == {A: "甲公司"} and two.names == {A: "甲有限公司"}
    assert one.roster == {"甲": {A: MICRO}} and one.signed == {A: late, B: early}  # inputs unchanged
    assert two.merge(one).signed == merged.signed  # order of merging does not matter


def test_a_tally_survives_the_trip_between_processes():
    # the sign-ins travel as plain tuples and must come back as ordered, named SessionKeys
    t = _tally({A: SessionKey(D1, "a.xlsx", 3, MICRO), B: SessionKey(D2, "b.xlsx", 9, ABOVE)},
               {A: {"甲": MICRO}}, {A: "甲公司"}, sessions={MICRO: 2}, by_category={("法律服务", MICRO): 2})
    back = pickle.loads(pickle.dumps(t, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == t
    assert [type(k) for k in back.signed.values()] == [SessionKey, SessionKey]
    assert back.signed[B].tier == ABOVE and back.signed[A] < back.signed[B]
    assert t.signed[A] == SessionKey(D1, "a.xlsx", 3, MICRO)  # the original is untouched


def test_names_travel_as_two_texts_unless_one_holds_a_nul():
    # the point of the packing: a thousand names a file cross as two strings, not a thousand
    assert _tally(names={A: "甲", B: "乙公司"}).__getstate__()["names"] == (f"{A}\x00{B}", "甲\x00乙公司")
    assert _tally(names={A: "甲"}).__getstate__()["names"] == (A, "甲")
    assert _tally(names={A: "甲", B: "乙", C: "丙"}).__getstate__()["names"] == (f"{A}\x00{B}\x00{C}", "甲\x00乙\x00丙")
    assert _tally(names={A: "甲\x00", B: "乙"}).__getstate__()["names"] == {A: "甲\x00", B: "乙"}
    # a NUL in a code and one in its name: the two texts would still split alike, but wrongly
    assert _tally(names={A + "\x00": "甲\x00", B: "乙"}).__getstate__()["names"] == {A + "\x00": "甲\x00", B: "乙"}
    assert _tally(names={}).__getstate__()["names"] == {}


@pytest.mark.parametrize("names", [
    {},
    {A: "甲公司"},
    {A: "甲公司", B: "", C: "丙 公司"},
    {A: "甲\x00公司", B: "乙"},  # a NUL (never in a cleaned text) travels too
    {A + "\x00": "甲", B: "乙"},
])
def test_names_survive_the_trip_between_processes(names):
    t = _tally(names=dict(names))
    back = pickle.loads(pickle.dumps(t, protocol=pickle.HIGHEST_PROTOCOL))
    assert back.names == names and list(back.names) == list(names)
    assert t.names == names


def test_merge_of_by_category():
    one, two = Tally(), Tally()
    one.by_category[("法律服务", MICRO)] = 2
    two.by_category[("法律服务", MICRO)] = 3
    assert one.merge(two).by_category[("法律服务", MICRO)] == 5


@pytest.mark.parametrize(("registry", "roster", "signed", "expected"), [
    ({A: PROV}, {A: {"x": ABOVE}}, SessionKey(D1, "f", 2, MICRO), (PROV, "registry")),
    ({A: "不存在的梯度"}, {A: {"x": ABOVE}}, None, (ABOVE, "roster")),
    ({}, {A: {"x": MICRO, "y": ABOVE, "z": GROWTH}}, SessionKey(D1, "f", 2, NAT), (ABOVE, "roster")),
    ({}, {A: {"x": NAT, "y": ABOVE}}, None, (NAT, "roster")),
    ({}, {}, SessionKey(D1, "f", 2, GROWTH), (GROWTH, "session")),
    ({}, {}, None, None),
])
def test_tier_is_registry_then_highest_roster_then_earliest_session(plan, registry, roster, signed, expected):
    the_plan = replace(plan, registry=registry)
    t = _tally({A: signed} if signed else {}, roster)
    got = decide_tier(A, t, the_plan)
    assert (None if got is None else tuple(got)) == expected


def test_decide_tiers_covers_the_served_only(plan):
    t = _tally({A: SessionKey(D1, "f", 2, MICRO), B: SessionKey(D1, "f", 3, GROWTH)}, {C: {"x": NAT}})
    assert decide_tiers(t, plan) == {A: MICRO, B: GROWTH}


def test_tier_conflicts_name_the_claimers(plan):
    t = _tally(roster={A: {"甲": MICRO, "乙": ABOVE}, B: {"甲": MICRO, "丙": MICRO}, C: {"甲": NAT}})
    assert tier_conflicts(t, plan) == {A: {"甲": MICRO, "乙": ABOVE}}
    confirmed = replace(plan, registry={A: ABOVE})
    assert tier_conflicts(t, confirmed) == {}  # the registry decides: no conflict to report
    # told which codes several claimers claim (C, and an enterprise on no roster, only sign in
    # elsewhere), the answer is the same
    assert tier_conflicts(t, plan, among={A, B, C, "只签到的企业"}) == {A: {"甲": MICRO, "乙": ABOVE}}
    assert tier_conflicts(t, plan, among={B, C}) == {}  # and only those are looked at


def test_served_by_tier_counts_each_enterprise_once(plan):
    t = _tally({A: SessionKey(D1, "f", 2, MICRO), B: SessionKey(D1, "f", 3, MICRO),
                C: SessionKey(D1, "f", 4, MICRO)})
    assert dict(served_by_tier(t, {A: ABOVE, B: ABOVE, D: NAT})) == {ABOVE: 2}


# --- dates, pace, completion ------------------------------------------------------------------


@pytest.mark.parametrize(("given", "today", "expected"), [
    (None, dt.date(2020, 5, 1), dt.date(2021, 1, 1)),
    (None, dt.date(2021, 5, 1), dt.date(2021, 5, 1)),
    (None, dt.date(2026, 11, 28), dt.date(2021, 12, 31)),
    (dt.date(2021, 1, 1), dt.date(2026, 1, 1), dt.date(2021, 1, 1)),
    (dt.date(2021, 12, 31), dt.date(2020, 1, 1), dt.date(2021, 12, 31)),
])
def test_as_of_default_is_clamped_explicit_is_kept(given, today, expected):
    assert resolve_as_of(given, 2021, today) == expected


@pytest.mark.parametrize("given", [dt.date(2020, 12, 31), dt.date(2022, 1, 1)])
def test_explicit_as_of_outside_the_year_is_refused(given):
    with pytest.raises(AsOfOutsideYear) as raised:
        resolve_as_of(given, 2021)
    assert (raised.value.as_of, raised.value.year) == (given, 2021)


def test_resolve_as_of_defaults_to_today():
    today = dt.date.today()
    assert resolve_as_of(None, today.year) == today


@pytest.mark.parametrize(("day", "expected"), [
    (dt.date(2020, 12, 31), dt.date(2021, 1, 1)), (dt.date(2021, 1, 1), dt.date(2021, 1, 1)),
    (dt.date(2021, 12, 31), dt.date(2021, 12, 31)), (dt.date(2022, 1, 1), dt.date(2021, 12, 31)),
])
def test_clamp(day, expected):
    assert clamp_as_of(day, 2021) == expected


@pytest.mark.parametrize(("target", "day", "year", "expected"), [
    (365, dt.date(2021, 1, 1), 2021, 1), (364, dt.date(2021, 1, 1), 2021, 0),
    (2, dt.date(2021, 7, 1), 2021, 0), (2, dt.date(2021, 7, 2), 2021, 1),
    (366, dt.date(2024, 1, 1), 2024, 1), (366, dt.date(2024, 12, 31), 2024, 366),
    (10, dt.date(2024, 2, 29), 2024, 1),  # floor(10 × 60 / 366) = 1
    (0, dt.date(2021, 12, 31), 2021, 0),
])
def test_expected_by(target, day, year, expected):
    assert expected_by(target, day, year) == expected


@pytest.mark.parametrize(("actual", "target", "expected_rate", "expected_gap"), [
    (3, 4, 0.75, 1), (4, 4, 1.0, 0), (5, 4, 1.25, 0), (0, 4, 0.0, 4),
    (3, 0, None, 0),  # target 0: no completion figure, gap 0
    (3, None, None, None),  # "/": neither
])
def test_rate_and_gap(actual, target, expected_rate, expected_gap):
    assert rate(actual, target) == expected_rate
    assert gap(actual, target) == expected_gap


def test_progress_per_tier(plan):
    t = _tally({A: SessionKey(D1, "f", 2, ABOVE), B: SessionKey(D1, "f", 3, MICRO)}, {B: {"x": GROWTH}},
               sessions={ABOVE: 1, MICRO: 3, NAT: 2}, visits={ABOVE: 4, MICRO: 1})
    targets = [Target(tier=NAT, enterprises=0, sessions=None), Target(tier=PROV, enterprises=None, sessions=None),
               Target(tier=ABOVE, enterprises=18, sessions=2), Target(tier=GROWTH, enterprises=9, sessions=0),
               Target(tier=MICRO, enterprises=252, sessions=2)]
    got = progress(t, targets, plan, dt.date(2021, 7, 2))
    assert [(p.tier, p.sessions, p.enterprises, p.visits) for p in got] == [
        (NAT, 2, 0, 0), (PROV, 0, 0, 0), (ABOVE, 1, 1, 4), (GROWTH, 0, 1, 0), (MICRO, 3, 0, 1)]
    assert [(p.sessions_expected, p.behind_pace) for p in got] == [
        (None, None), (None, None), (1, False), (0, False), (1, False)]  # target 0: nothing due, not behind
    assert [(p.sessions_rate, p.sessions_gap) for p in got] == [
        (None, None), (None, None), (0.5, 1), (None, 0), (1.5, 0)]
    assert [(p.enterprises_rate, p.enterprises_gap) for p in got] == [
        (None, 0), (None, None), (1 / 18, 17), (1 / 9, 8), (0.0, 252)]
    quiet = progress(t, targets, plan, dt.date(2021, 7, 2), pace=False)
    assert all(p.sessions_expected is None and p.behind_pace is None for p in quiet)
    decided = progress(t, targets, plan, dt.date(2021, 7, 2), tiers={A: MICRO, B: MICRO})
    assert [p.enterprises for p in decided] == [0, 0, 0, 0, 2]


def test_behind_is_strictly_below_expected(plan):
    targets = [Target(tier=ABOVE, enterprises=None, sessions=10)]
    day = dt.date(2021, 12, 31)
    for held, behind in ((9, True), (10, False), (11, False)):
        t = _tally(sessions={ABOVE: held})
        (row,) = progress(t, targets, plan, day)
        assert (row.sessions_expected, row.behind_pace) == (10, behind)


def _row(tier, sessions, s_target, enterprises, e_target, visits) -> TierProgress:
    return TierProgress(tier=tier, sessions=sessions, sessions_target=s_target, enterprises=enterprises,
                        enterprises_target=e_target, visits=visits, sessions_expected=None, behind_pace=None,
                        sessions_rate=None, enterprises_rate=None, sessions_gap=None, enterprises_gap=None)


def test_total_sums_only_tiers_with_a_numeric_target():
    rows = [_row(NAT, 5, None, 2, 0, 7), _row(PROV, 1, 1, 0, None, 1), _row(ABOVE, 3, 2, 20, 18, 4)]
    t = total(rows, dt.date(2021, 7, 2), 2021)
    assert (t.tier, t.sessions, t.sessions_target, t.sessions_gap, t.sessions_rate) == ("合计", 4, 3, 0, 4 / 3)
    assert (t.enterprises, t.enterprises_target, t.enterprises_gap) == (22, 18, 0)
    assert t.visits == 5  # visits follow the sessions that are summed
    assert (t.sessions_expected, t.behind_pace) == (1, False)  # floor(3 × 183 / 365) = 1
    assert total(rows, dt.date(2021, 7, 2), 2021, pace=False).sessions_expected is None


def test_total_counts_a_zero_target_as_zero():
    rows = [_row(ABOVE, 3, 0, 1, 0, 2), _row(MICRO, 1, 2, 1, 5, 1)]
    t = total(rows, dt.date(2021, 12, 31), 2021)
    assert (t.sessions, t.sessions_target, t.sessions_gap) == (4, 2, 0)
    assert (t.enterprises, t.enterprises_target, t.enterprises_gap) == (2, 5, 3)


def test_total_without_any_target():
    t = total([_row(NAT, 5, None, 2, None, 7)], dt.date(2021, 7, 2), 2021)
    assert (t.sessions, t.sessions_target, t.sessions_rate, t.sessions_gap) == (0, None, None, None)
    assert (t.enterprises, t.enterprises_target, t.behind_pace) == (0, None, None)


def test_total_gap_is_of_the_sums_not_a_sum_of_gaps():
    rows = [_row(ABOVE, 5, 2, 0, None, 0), _row(MICRO, 0, 2, 0, None, 0)]
    t = total(rows, dt.date(2021, 12, 31), 2021)
    assert (t.sessions, t.sessions_target, t.sessions_gap, t.behind_pace) == (5, 4, 0, False)


@pytest.mark.parametrize(("day", "expected"), [
    (dt.date(2021, 1, 1), (1, 365)), (dt.date(2021, 12, 31), (365, 365)), (dt.date(2024, 12, 31), (366, 366)),
])
def test_days_elapsed_counts_inclusively(day, expected):
    assert days_elapsed(day, day.year) == expected


# decide_tiers applies decide_tier's rule to every enterprise served, in bulk steps.


@given(st.data())
@settings(max_examples=300, deadline=None)
def test_decide_tiers_is_decide_tier_for_everyone(data):
    from tidu.engine.plan import load_plan
    from tidu.engine.rollup import SessionKey, Tally, decide_tier, decide_tiers

    plan = load_plan().plan
    tiers = list(plan.tier_labels)
    codes = [f"C{i}" for i in range(8)]
    t = Tally()
    for code in data.draw(st.lists(st.sampled_from(codes), unique=True)):
        t.signed[code] = SessionKey(dt.date(2021, 1, 1), "f.xlsx", 2, data.draw(st.sampled_from(tiers)))
    for code in data.draw(st.lists(st.sampled_from(codes), unique=True)):
        claimers = data.draw(st.lists(st.sampled_from(["甲", "乙", "丙"]), min_size=1, unique=True))
        for claimer in claimers:
            t.roster.setdefault(claimer, {})[code] = data.draw(st.sampled_from(tiers))
    registry = {code: data.draw(st.sampled_from([*tiers, "未知梯度"]))
                for code in data.draw(st.lists(st.sampled_from(codes), unique=True))}
    plan = replace(plan, registry=registry)
    assert decide_tiers(t, plan) == {code: decide_tier(code, t, plan).tier for code in t.signed}


@pytest.mark.parametrize(("tiers", "highest"), [
    ((MICRO,), MICRO),
    ((MICRO, ABOVE), ABOVE),  # the first one seen is not the highest
    ((ABOVE, MICRO), ABOVE),
    ((MICRO, GROWTH, PROV), PROV),
    ((GROWTH, NAT, NAT), NAT),
])
def test_highest_tier_is_the_top_of_the_pyramid(tiers, highest):
    from tidu.engine.plan import load_plan
    from tidu.engine.rollup import highest_tier

    assert highest_tier(tiers, load_plan().plan) == highest


def test_two_roster_claims_take_the_higher_tier():
    from tidu.engine.plan import load_plan

    t = Tally(roster={"甲": {A: MICRO}, "乙": {A: ABOVE}})
    t.signed[A] = SessionKey(D1, "f.xlsx", 2, GROWTH)
    assert decide_tier(A, t, load_plan().plan) == (ABOVE, "roster")
    assert decide_tiers(t, load_plan().plan) == {A: ABOVE}
