"""Single-value answers for the cell functions (UDFs): quota, credit code, completion, pace, criteria.

Each raises :class:`QuickError` with a Chinese message for bad arguments; the UDF wrappers in
xlmacros turn that into the cell's text. The plan is loaded once per process.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

from tidu.engine import uscc
from tidu.engine.normalize import BadValue, clean_code, clean_text, to_date, to_number
from tidu.engine.plan import load_plan
from tidu.engine.rollup import clamp_as_of, days_elapsed, expected_by
from tidu.engine.screen import ScreenError, load_ruleset
from tidu.engine.screen.evaluate import Judge, judge_tier
from tidu.engine.screen.series import Series
from tidu.schemas import contract as c

_MEASURES = {"场次": "sessions", "服务场次": "sessions", "sessions": "sessions", "企业": "enterprises",
             "企业家数": "enterprises", "目标企业家数": "enterprises", "enterprises": "enterprises"}


class QuickError(ValueError):
    """A bad argument; the message is Chinese and meant for the cell."""


def _number(value: object, what: str) -> float | None:
    try:
        return to_number(value)
    except BadValue:
        raise QuickError(f"{what}应为数字") from None


def quota(unit: str, tier: str, measure: str) -> int | None:
    """附表3 target of a unit (or 全省 / the provincial centre's name) for a tier; None for "/"."""
    plan = load_plan().plan
    key = _MEASURES.get(clean_text(measure) or "")
    if key is None:
        raise QuickError("指标应为“场次”或“企业”")
    unit_name, tier_name = clean_text(unit) or "", clean_text(tier) or ""
    if plan.tier(tier_name) is None:
        raise QuickError(f"培育梯度“{tier_name}”不存在")
    if unit_name in {"全省", "合计"}:
        targets = plan.province_targets()
    elif unit_name == plan.provincial_centre.name:
        targets = plan.targets(None)
    else:
        name = plan.unit_of(unit_name) if plan.centre(unit_name) else unit_name
        if plan.unit(name or "") is None:
            raise QuickError(f"“{unit_name}”不是附表3的单位或报送单位")
        targets = plan.targets(name)
    target = next(t for t in targets if t.tier == tier_name)
    return getattr(target, key)


def uscc_message(code: object) -> str:
    """“有效”, or why a credit code is not valid."""
    text = clean_code(code)
    if not text:
        return "未填写"
    problem = uscc.problem(text)
    return "有效" if problem is None else f"无效：{uscc.REASONS[problem]}"


def completion(actual: object, target: object) -> float | None:
    """actual ÷ target; None when there is no target ("/", 0 or empty)."""
    done = _number(actual, "实际数") or 0
    goal = None if clean_text(target) in {None, "/", "／"} else _number(target, "目标数")
    return done / goal if goal else None


def pace(target: object, actual: object, on: object) -> tuple[int, bool] | None:
    """(expected by the date, behind?) for a year target; None when there is no target."""
    plan = load_plan().plan
    goal = None if clean_text(target) in {None, "/", "／"} else _number(target, "目标数")
    if not goal:
        return None
    try:
        day = to_date(on) or dt.date.today()
    except BadValue:
        raise QuickError("日期无法识别") from None
    on_day = clamp_as_of(day, plan.year)
    if float(goal).is_integer():
        expected = expected_by(int(goal), on_day, plan.year)
    else:
        elapsed, days = days_elapsed(on_day, plan.year)
        expected = math.floor(goal * elapsed / days)
    return expected, (_number(actual, "实际数") or 0) < expected


def criteria_failures(tier: str, figures: Mapping[str, object]) -> list[str]:
    """The criteria of a tier, under the plan's rule set, that these roster figures contradict, as text.

    The figures stand for the year before the plan year (as the roster's 上年… columns do);
    a criterion whose figures are not given is not judged here (``tidu screen`` lists them).
    """
    loaded = load_plan()
    label = clean_text(tier) or ""
    if loaded.plan.tier(label) is None:
        raise QuickError(f"培育梯度“{label}”不存在")
    try:
        ruleset = load_ruleset(loaded.plan.tier_rules)
    except ScreenError as exc:
        raise QuickError(str(exc)) from None
    criteria = ruleset.tiers.get(label)
    if criteria is None:
        return []
    numbers = {key: value for key in c.RULE_METRICS
               if (value := _number(figures.get(key), c.ROSTER.column(key).header)) is not None}
    series = Series(loaded.plan.year, {loaded.plan.year - 1: dict(numbers)})
    outcome = judge_tier(Judge(ruleset, series), criteria.criteria)
    return [f"{f.text}（实际 {f.value}{f.unit if f.unit != '名次' else ''}）" for f in outcome.failed]
