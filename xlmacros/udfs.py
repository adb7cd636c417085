"""Cell functions (UDFs) for live checks: quota, credit code, completion, pace, tier criteria.

Plain functions of their positional arguments (xlwings UDFs take no keyword arguments); the
answers come from ``engine.quick`` with the plan loaded once per process. They never raise into
Excel: a bad argument gives a readable Chinese message in the cell instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import xlwings as xw
from tidu.engine.quick import QuickError, completion, criteria_failures, pace, quota, uscc_message

CATEGORY = "企业梯度培育"


def _safe(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn any exception into the cell text "错误：…" (Excel must never see a Python traceback)."""

    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        try:
            return fn(*args)
        except QuickError as exc:
            return f"错误：{exc}"
        except Exception as exc:  # a cell shows a message, never a crash
            return f"错误：无法计算（{type(exc).__name__}）"

    return wrapper


@xw.func(category=CATEGORY)
@_safe
def TIDU_QUOTA(unit, tier, measure):  # Excel function names are upper case
    """附表3指标：单位（附表3单位、报送单位或“全省”）、培育梯度、“场次”或“企业”；“/”表示未安排。"""
    value = quota(unit, tier, measure)
    return "/" if value is None else value


@xw.func(category=CATEGORY)
@_safe
def TIDU_USCC_CHECK(code):
    """检查统一社会信用代码（GB 32100-2015）：返回“有效”或原因。"""
    return uscc_message(code)


@xw.func(category=CATEGORY)
@_safe
def TIDU_COMPLETION(actual, target):
    """完成率 = 实际 ÷ 目标；目标为“/”、0 或空时返回“—”。"""
    rate = completion(actual, target)
    return "—" if rate is None else rate


@xw.func(category=CATEGORY)
@_safe
def TIDU_PACE(target, actual, as_of):  # not "date": a VBA keyword, the wrapper must compile
    """进度：按截至日期应完成的数量，实际少于它时为“落后”。"""
    result = pace(target, actual, as_of)
    if result is None:
        return "—"
    expected, behind = result
    return f"落后（应完成 {expected}）" if behind else f"正常（应完成 {expected}）"


@xw.func(category=CATEGORY)
@_safe
def TIDU_TIER_CHECK(tier, revenue, main_revenue, revenue_growth, rd_expense, rd_staff_share, employees):
    """按计划的梯度认定条件检查一家企业的指标：返回“符合”或不符合的条件。"""
    figures = {"revenue": revenue, "main_revenue": main_revenue, "revenue_growth": revenue_growth,
               "rd_expense": rd_expense, "rd_staff_share": rd_staff_share, "employees": employees}
    failures = criteria_failures(tier, figures)
    return "符合" if not failures else "不符合：" + "；".join(failures)


UDFS = (TIDU_QUOTA, TIDU_USCC_CHECK, TIDU_COMPLETION, TIDU_PACE, TIDU_TIER_CHECK)
