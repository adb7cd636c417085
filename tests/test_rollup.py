"""Roll-up, completion, pace and gaps (DESIGN §5), with property tests over generated entries."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from tidu.engine.check import check_file, check_submission
from tidu.engine.rollup import clamp_as_of, days_elapsed, expected_by
from tidu.engine.uscc import CHARSET, is_valid, problem, with_check_character
from tidu.schemas.entries import Activity, Enterprise, Meta, Participant, Submission
from tidu.workbook.builder import build_workbook

from .sample import CENTRE, E9, rows

# tier: (sessions, enterprises, visits) at year end for the clean sample
BASE_EXPECTED = {"国家级小巨人": (1, 1, 1), "省级小巨人": (0, 0, 0), "规上工业企业": (1, 1, 2),
                 "成长型中小企业": (0, 0, 0), "小微企业": (1, 1, 1)}

CASES = [
    ("year-end", {}, dt.date(2021, 12, 31), BASE_EXPECTED),
    # E3 (roster: 国家级) was served at H1 (a 规上 session): counted under its roster tier
    ("before-H3", {}, dt.date(2021, 5, 31), {**BASE_EXPECTED, "国家级小巨人": (0, 1, 0)}),
    ("invalid-session", {"activity:0:date": dt.date(2020, 6, 1)}, dt.date(2021, 12, 31),
     {**BASE_EXPECTED, "规上工业企业": (0, 0, 0)}),
    ("not-on-roster", {"signin:2:uscc": E9}, dt.date(2021, 12, 31), BASE_EXPECTED),
    ("unknown-roster-tier", {"roster:2:tier": "专精特新"}, dt.date(2021, 12, 31),
     # E3's roster row is invalid: it counts by its first counted session's tier (H1: 规上)
     {**BASE_EXPECTED, "国家级小巨人": (1, 0, 1), "规上工业企业": (1, 2, 2)}),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory, plan_report):
    out = {}
    for case, changes, _, _ in CASES:
        path = tmp_path_factory.mktemp(case) / "c.xlsx"
        out[case] = build_workbook(path, CENTRE, plan_report, rows=rows(changes))
    return out


@pytest.mark.parametrize(("case", "changes", "as_of", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rollup(built, plan_report, case, changes, as_of, expected):
    report = check_file(built[case], plan_report, as_of)
    got = {p.tier: (p.sessions, p.enterprises, p.visits) for p in report.progress}
    assert got == expected


def test_completion_gap_and_pace(built, plan_report):
    as_of = dt.date(2021, 7, 1)  # day 182 of 365
    progress = {p.tier: p for p in check_file(built["year-end"], plan_report, as_of).progress}
    national = progress["国家级小巨人"]  # Kunming: 18 enterprises, 16 sessions
    assert (national.sessions_target, national.enterprises_target) == (16, 18)
    # The Kunming centre shares its unit's row with the Kunming platform and the plan gives no
    # split: it sees the unit's targets, and no pace verdict of its own (the province judges the unit).
    assert (national.sessions_expected, national.behind_pace) == (None, None)
    assert national.sessions_rate == pytest.approx(1 / 16)
    assert national.enterprises_rate == pytest.approx(1 / 18)
    assert (national.sessions_gap, national.enterprises_gap) == (15, 17)


def test_no_target_means_no_completion_figure(tmp_path, plan_report):
    # 昭通: national tier target enterprises 0, sessions "/"
    path = build_workbook(tmp_path / "zt.xlsx", "昭通市中小企业服务中心", plan_report,
                          rows=rows())
    national = check_file(path, plan_report, dt.date(2021, 12, 31)).progress[0]
    assert (national.sessions, national.sessions_target, national.sessions_rate, national.sessions_gap) == (
        1, None, None, None)
    assert (national.enterprises_target, national.enterprises_rate, national.enterprises_gap) == (0, None, 0)
    assert (national.sessions_expected, national.behind_pace) == (None, None)


@pytest.mark.parametrize(("given_date", "expected"), [
    (dt.date(2020, 5, 1), dt.date(2021, 1, 1)), (dt.date(2021, 5, 1), dt.date(2021, 5, 1)),
    (dt.date(2026, 11, 28), dt.date(2021, 12, 31))])
def test_as_of_is_clamped_to_the_year(given_date, expected):
    assert clamp_as_of(given_date, 2021) == expected


@pytest.mark.parametrize(("day", "year", "elapsed", "total"), [
    (dt.date(2021, 1, 1), 2021, 1, 365),  # 1 January counts as one day
    (dt.date(2021, 12, 31), 2021, 365, 365),
    (dt.date(2024, 12, 31), 2024, 366, 366),  # leap year
    (dt.date(2024, 3, 1), 2024, 61, 366),
])
def test_days_elapsed(day, year, elapsed, total):
    assert days_elapsed(day, year) == (elapsed, total)


@pytest.mark.parametrize(("target", "day", "expected"), [
    (30, dt.date(2021, 1, 1), 0),  # floor(30 × 1 / 365)
    (365, dt.date(2021, 1, 1), 1),
    (30, dt.date(2021, 6, 30), 14),  # floor(30 × 181 / 365) = floor(14.876)
    (30, dt.date(2021, 12, 31), 30),
    (16, dt.date(2021, 7, 1), 7),  # floor(16 × 182 / 365) = floor(7.978)
])
def test_expected_is_floor_of_whole_days(target, day, expected):
    assert expected_by(target, day, 2021) == expected


# --- credit code properties ----------------------------------------------------------------

first17 = st.text(alphabet=CHARSET, min_size=17, max_size=17)


@given(first17)
def test_every_generated_code_is_valid(body):
    assert is_valid(with_check_character(body))


@given(first17, st.integers(0, 17), st.sampled_from(CHARSET))
def test_every_single_character_change_fails(body, position, replacement):
    code = with_check_character(body)
    if code[position] == replacement:
        replacement = CHARSET[(CHARSET.index(replacement) + 1) % len(CHARSET)]
    changed = code[:position] + replacement + code[position + 1:]
    assert problem(changed) == "checksum"


@pytest.mark.parametrize(("code", "expected"), [
    ("91530100MA6K0N8M9A", None if is_valid("91530100MA6K0N8M9A") else "checksum"),
    ("91530100MA6K0N8M9", "length"), ("91530100MA6K0N8MIO", "charset")])
def test_code_problems(code, expected):
    assert problem(code) == expected


# --- roll-up properties --------------------------------------------------------------------

CODES = [with_check_character(f"915301{i:011d}") for i in range(12)]


@st.composite
def submissions(draw, plan):
    tiers = plan.tier_labels
    roster = [Enterprise(row=i + 2, uscc=code, name=f"企业{i}", tier=draw(st.sampled_from(tiers)))
              for i, code in enumerate(draw(st.lists(st.sampled_from(CODES), unique=True, max_size=8)))]
    activities, participants = [], []
    for i in range(draw(st.integers(0, 12))):
        tier = draw(st.sampled_from(tiers))
        offered = [cat for cat in plan.category_labels if plan.session_quota(cat, tier) is not None]
        activities.append(Activity(
            row=i + 2, id=f"H{i}", date=dt.date(2021, 1, 1) + dt.timedelta(days=draw(st.integers(0, 364))),
            category=draw(st.sampled_from(offered)), tier=tier, content=None, name=f"活动{i}",
            enterprises=draw(st.integers(0, 5)), evidence="x"))
        for code in draw(st.lists(st.sampled_from(CODES), unique=True, max_size=4)):
            participants.append(Participant(row=len(participants) + 2, activity_id=f"H{i}", uscc=code))
    return Submission(file="mem.xlsx", meta=Meta(centre=CENTRE, unit="昆明市中小中心及窗口平台", plan_id=plan.id),
                      enterprises=tuple(roster), activities=tuple(activities), participants=tuple(participants))


def _run(sub, plan_report, as_of=dt.date(2021, 12, 31)):
    report, tally = check_submission(sub, [], plan_report, as_of)
    return report, tally


_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_SETTINGS
@given(data=st.data())
def test_totals_equal_the_sum_of_parts(plan_report, data):
    sub = data.draw(submissions(plan_report.plan))
    report, tally = _run(sub, plan_report)
    assert sum(p.sessions for p in report.progress) == len(sub.activities)
    for tier in plan_report.plan.tier_labels:
        assert sum(n for (_, t), n in tally.by_category.items() if t == tier) == tally.sessions[tier]
    signed = {p.uscc for p in sub.participants}
    assert sum(p.enterprises for p in report.progress) == len(signed)
    assert sum(p.visits for p in report.progress) == sum(a.enterprises for a in sub.activities)


def _bad_activity(sub: Submission, **changes) -> Activity:
    values = {"row": 1000, "id": "BAD", "date": dt.date(2021, 6, 1), "category": "法律服务", "tier": "小微企业",
              "content": None, "name": "x", "enterprises": 3}
    return Activity(**{**values, **changes})


INVALID_ROWS = {
    "date-outside-year": lambda s: _bad_activity(s, date=dt.date(2020, 6, 1)),
    "not-offered": lambda s: _bad_activity(s, category="创业服务", tier="国家级小巨人"),
    "duplicate-id": lambda s: _bad_activity(s, id=s.activities[0].id if s.activities else "H0"),
}
INVALID_SIGNINS = {
    "unknown-activity": lambda s: Participant(row=1000, activity_id="NOPE", uscc=CODES[11]),
    "bad-code": lambda s: Participant(row=1000, activity_id="H0", uscc="915301000000000000"),
}


@_SETTINGS
@given(data=st.data(), kind=st.sampled_from(sorted(INVALID_ROWS) + sorted(INVALID_SIGNINS)))
def test_adding_an_invalid_row_changes_nothing(plan_report, data, kind):
    sub = data.draw(submissions(plan_report.plan))
    assume(kind != "duplicate-id" or sub.activities)
    before, _ = _run(sub, plan_report)
    if kind in INVALID_ROWS:
        changed = dataclasses.replace(sub, activities=(*sub.activities, INVALID_ROWS[kind](sub)))
    else:
        changed = dataclasses.replace(sub, participants=(*sub.participants, INVALID_SIGNINS[kind](sub)))
    after, _ = _run(changed, plan_report)
    assert after.progress == before.progress
    assert len(after.errors) > len(before.errors)
