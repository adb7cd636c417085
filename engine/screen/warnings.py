"""Early warnings (预警, DESIGN §11): rules as data (``warnings-*.yaml``), one measure per kind."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass

from tidu.engine.screen.series import Series
from tidu.schemas.screening import (
    INDICATORS,
    LEVEL_ORDER,
    Criterion,
    Level,
    RuleSet,
    Warning,
    WarningRule,
    WarningRules,
)

_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def tier_rd_threshold(rules: RuleSet, tier: str) -> tuple[str, float] | None:
    """The R&D ratio a tier asks for (indicator, lowest threshold), from its criteria; None when it asks none."""
    found: list[tuple[str, float]] = []
    tier_rules = rules.tiers.get(tier)
    for top in tier_rules.criteria if tier_rules else ():
        for crit in top.walk():
            if crit.indicator in {"rd_ratio", "rd_ratio_main"} and crit.op in (">", ">=") and crit.threshold:
                found.append((crit.indicator, crit.threshold))
    return min(found, key=lambda f: f[1]) if found else None


def _fmt(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".") if not float(number).is_integer() else f"{number:.0f}"


def _level(rule: WarningRule, value: float | None) -> tuple[Level, float | None] | None:
    """The first level of the rule that ``value`` reaches (levels without op: reached when measured)."""
    for lv in rule.levels:
        if lv.op is None:
            return lv.level, None
        if value is not None and lv.value is not None and _OPS[lv.op](value, lv.value):
            return lv.level, lv.value
    return None


@dataclass(frozen=True)
class Facts:
    """What the warnings of one enterprise are measured on."""

    ruleset: RuleSet
    tier: str
    series: Series
    last_service: dt.date | None  # latest counted session it signed in at
    as_of: dt.date
    missing: tuple[str, ...] = ()  # figures its own tier's criteria lack


def warnings_for(rules: WarningRules, facts: Facts) -> list[Warning]:
    """Every early warning for one enterprise, most serious first."""
    out: list[Warning] = []
    for rule in rules.rules:
        found = _MEASURES[rule.kind](rule, facts)
        if found is None:
            continue
        value, extra = found
        hit = _level(rule, value)
        if hit is None:
            continue
        level, threshold = hit
        params = {"value": _fmt(value) if value is not None else "", "days": rule.days or "",
                  "threshold": _fmt(threshold) if threshold is not None else "", **extra}
        out.append(Warning(code=rule.code, level=level, message=rule.message.format(**params)))
    return sorted(out, key=lambda w: LEVEL_ORDER[w.level])


Measured = tuple[float | None, dict[str, str]] | None


def _number(facts: Facts, key: str) -> float | None:
    value = facts.series.value(key, facts.series.last)
    return float(value) if isinstance(value, (int, float)) else None


def _plain(value: float | None) -> Measured:
    return None if value is None else (value, {})


def _rd(rule: WarningRule, facts: Facts) -> Measured:
    wanted = tier_rd_threshold(facts.ruleset, facts.tier)
    if wanted is None:
        return None
    key, threshold = wanted
    value = _number(facts, key)
    if value is None or value >= threshold:
        return None
    return value, {"threshold": _fmt(threshold), "tier": facts.tier}


def _no_service(rule: WarningRule, facts: Facts) -> Measured:
    days = rule.days or 180
    start = facts.as_of - dt.timedelta(days=days - 1)
    if start.year < facts.series.plan_year:
        return None  # the window reaches into last year, whose services tidu does not see
    if facts.last_service is not None and facts.last_service >= start:
        return None
    return 0.0, {}


def _missing(rule: WarningRule, facts: Facts) -> Measured:
    return (0.0, {"missing": "、".join(facts.missing)}) if facts.missing else None


_MEASURES: dict[str, Callable[[WarningRule, Facts], Measured]] = {
    "revenue_change": lambda rule, f: _plain(f.series.change("revenue")),
    "headcount_change": lambda rule, f: _plain(f.series.change("employees")),
    "net_loss": lambda rule, f: _plain(_number(f, "net_profit")),
    "debt_ratio": lambda rule, f: _plain(_number(f, "debt_ratio")),
    "rd_below_tier": _rd,
    "no_service": _no_service,
    "figures_missing": _missing,
}


def missing_figures(ruleset: RuleSet, criteria_ids: list[str]) -> list[str]:
    """The indicator names behind undecided (non-manual) criteria, for the figures-missing warning."""
    names: list[str] = []
    for cid in criteria_ids:
        crit: Criterion | None = ruleset.criterion(cid)
        if crit is None or crit.indicator is None:
            continue
        spec = INDICATORS[crit.indicator]
        parts = [INDICATORS[k].label for k in spec.ratio] if spec.ratio else [spec.label]
        for name in parts:
            if name not in names:
                names.append(name)
    return names
