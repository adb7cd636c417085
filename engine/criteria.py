"""Evaluating a tier's criteria (a rule set of the plan) against one enterprise's figures."""

from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping

from tidu.schemas.plan import Rule, TierCriteria

_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def metric_value(rule: Rule, figures: Mapping[str, float]) -> float | None:
    """The rule's metric for these figures (a ratio is a percentage); None when not computable."""
    if rule.metric:
        return figures.get(rule.metric)
    if rule.ratio:
        num, den = figures.get(rule.ratio[0]), figures.get(rule.ratio[1])
        if num is None or not den:
            return None
        return num / den * 100
    return None


def failed_rules(criteria: TierCriteria, figures: Mapping[str, float]) -> Iterator[tuple[Rule, float]]:
    """The rules these figures contradict, with the value found; missing figures are not judged."""
    for rule in criteria.rules:
        actual = metric_value(rule, figures)
        if actual is not None and not _OPS[rule.op](actual, rule.value):
            yield rule, actual
