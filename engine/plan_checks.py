"""Consistency checks of a plan: each a small generator of findings (never raises)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from tidu.engine import uscc
from tidu.schemas.catalogue import finding
from tidu.schemas.contract import RULE_METRICS
from tidu.schemas.findings import Finding
from tidu.schemas.plan import Plan, TierRuleSet


def _duplicates(what: str, names: Iterable[str]) -> Iterator[Finding]:
    for name, count in Counter(names).items():
        if count > 1:
            yield finding("plan-duplicate", what=what, name=name)


def _sum(values: Iterable[int | None]) -> int:
    return sum(v or 0 for v in values)


def _check_totals(where: str, rows: Sequence[Sequence[int | None]], totals: Sequence[int | None],
                  headers: Sequence[str]) -> Iterator[Finding]:
    for i, header in enumerate(headers):
        actual = _sum(r[i] for r in rows if i < len(r))
        expected = totals[i] or 0 if i < len(totals) else 0
        if actual != expected:
            yield finding("plan-total-mismatch", where=f"{where} {header}", actual=actual,
                          expected=expected, value=actual)


def check_names(plan: Plan) -> Iterator[Finding]:
    """Tiers, categories, units and centres are each named once."""
    yield from _duplicates("培育梯度", [t.label for t in plan.tiers])
    yield from _duplicates("梯度代码", [t.code for t in plan.tiers])
    yield from _duplicates("服务类别及别名", [n for c in plan.categories for n in (c.label, *c.aliases)])
    yield from _duplicates("附表3单位", [u.name for u in plan.annex3.units])
    yield from _duplicates("报送单位", plan.centre_names())
    for label in plan.provincial_centre.tiers:
        if plan.tier(label) is None:
            yield finding("plan-unknown-tier", where="provincial_centre", name=label)


def check_annex1(plan: Plan) -> Iterator[Finding]:
    """附表1: known categories, one row each, content exactly where sessions are offered, totals."""
    n = len(plan.tiers)
    labels = plan.tier_labels
    if len(plan.annex1.totals) != n:
        yield finding("plan-row-length", where="附表1 合计场次", expected=n, actual=len(plan.annex1.totals))
    seen = []
    for row in plan.annex1.rows:
        where = f"附表1 {row.category}"
        canonical = plan.category_label(row.category)
        if canonical is None:
            yield finding("plan-unknown-category", where="附表1", name=row.category)
        else:
            seen.append(canonical)
        if len(row.sessions) != n:
            yield finding("plan-row-length", where=f"{where} 场次", expected=n, actual=len(row.sessions))
            continue
        for tier in row.content:
            if tier not in labels:
                yield finding("plan-unknown-tier", where=f"{where} 服务内容", name=tier)
        for tier, quota in zip(labels, row.sessions, strict=True):
            if quota is None and tier in row.content:
                yield finding("plan-content-mismatch", where=f"{where} {tier}",
                              reason='场次为 "/"（不提供），却填写了服务内容')
            if quota is not None and tier not in row.content:
                yield finding("plan-content-mismatch", where=f"{where} {tier}",
                              reason=f"安排了 {quota} 场，却没有填写服务内容")
    yield from _duplicates("附表1服务类别", seen)
    for label in plan.category_labels:
        if label not in seen:
            yield finding("plan-missing-category", where="附表1", name=label)
    rows = [r.sessions for r in plan.annex1.rows]
    yield from _check_totals("附表1 合计场次", rows, plan.annex1.totals, labels)


def check_annex2(plan: Plan) -> Iterator[Finding]:
    """附表2: known categories and tiers; no task where 附表1 offers no service."""
    seen = []
    for row in plan.annex2:
        canonical = plan.category_label(row.category)
        if canonical is None:
            yield finding("plan-unknown-category", where="附表2", name=row.category)
            continue
        seen.append(canonical)
        for tier in row.tasks:
            if tier not in plan.tier_labels:
                yield finding("plan-unknown-tier", where=f"附表2 {row.category}", name=tier)
            elif plan.session_quota(canonical, tier) is None:
                yield finding("plan-content-mismatch", where=f"附表2 {row.category} {tier}",
                              reason="附表1 未对该梯度提供此类服务，附表2 却安排了任务")
    yield from _duplicates("附表2服务类别", seen)
    for label in plan.category_labels:
        if label not in seen:
            yield finding("plan-missing-category", where="附表2", name=label)


def annex3_headers(plan: Plan) -> list[str]:
    return [f"{t.label}{m}" for t in plan.tiers for m in ("目标企业家数", "服务场次")]


def check_annex3(plan: Plan) -> Iterator[Finding]:
    """附表3: rows of the right length, known prefectures, totals, and sessions equal to 附表1."""
    width = 2 * len(plan.tiers)
    headers = annex3_headers(plan)
    if len(plan.annex3.totals) != width:
        yield finding("plan-row-length", where="附表3 合计", expected=width, actual=len(plan.annex3.totals))
    for unit in plan.annex3.units:
        if len(unit.row) != width:
            yield finding("plan-row-length", where=f"附表3 {unit.name}", expected=width, actual=len(unit.row))
        if unit.prefecture not in plan.prefectures:
            yield finding("plan-unknown-prefecture", where=f"附表3 {unit.name}", name=unit.prefecture)
    rows = [u.row for u in plan.annex3.units]
    yield from _check_totals("附表3", rows, plan.annex3.totals, headers)
    if len(plan.annex3.totals) == width and len(plan.annex1.totals) == len(plan.tiers):
        for i, tier in enumerate(plan.tier_labels):
            a1, a3 = plan.annex1.totals[i] or 0, plan.annex3.totals[2 * i + 1] or 0
            if a1 != a3:
                yield finding("plan-annex-mismatch", tier=tier, annex1=a1, annex3=a3, value=a3)


def check_registry(plan: Plan) -> Iterator[Finding]:
    """Every centre reports a known 附表3 row; every row has a centre; region codes well formed."""
    units = {u.name for u in plan.annex3.units}
    for centre in plan.centres:
        if centre.unit not in units:
            yield finding("plan-unknown-unit", centre=centre.name, name=centre.unit)
    covered = {c.unit for c in plan.centres}
    for unit in plan.annex3.units:
        if unit.name not in covered:
            yield finding("plan-unit-uncovered", name=unit.name)
    for name, code in plan.prefectures.items():
        if not re.fullmatch(r"\d{4}", code):
            yield finding("plan-region-invalid", name=name, value=code)


def check_shares(plan: Plan) -> Iterator[Finding]:
    """分解落实: shares name a shared unit and its own centres, keep its "/" and add up to its row."""
    width = 2 * len(plan.tiers)
    headers = annex3_headers(plan)
    for unit_name, shares in plan.shares.items():
        unit = plan.unit(unit_name)
        where = f"shares {unit_name}"
        if unit is None:
            yield finding("plan-unknown-unit", centre="shares", name=unit_name)
            continue
        for centre, row in shares.items():
            if plan.unit_of(centre) != unit_name:
                yield finding("plan-share-centre", where=where, name=centre)
            if len(row) != width:
                yield finding("plan-row-length", where=f"{where} › {centre}", expected=width, actual=len(row))
                continue
            for i, (own, whole) in enumerate(zip(row, unit.row, strict=True)):
                if (own is None) != (whole is None):
                    yield finding("plan-share-slash", where=f"{where} › {centre} {headers[i]}",
                                  value="/" if own is None else own)
        if all(len(r) == width for r in shares.values()):
            yield from _check_totals(where, list(shares.values()), unit.row, headers)


def check_goals(plan: Plan) -> Iterator[Finding]:
    """Headline goals name known tiers, once each."""
    yield from _duplicates("目标代码", [g.code for g in plan.goals])
    for goal in plan.goals:
        if goal.tier is not None and plan.tier(goal.tier) is None:
            yield finding("plan-unknown-tier", where=f"goals {goal.code}", name=goal.tier)


def check_enterprise_registry(plan: Plan) -> Iterator[Finding]:
    """The province's confirmed list: valid credit codes, known tiers."""
    for code, tier in plan.registry.items():
        problem = uscc.problem(code)
        if problem is not None:
            yield finding("plan-registry-code", value=code, reason=uscc.REASONS[problem])
        if plan.tier(tier) is None:
            yield finding("plan-unknown-tier", where=f"registry {code}", name=tier)


PLAN_CHECKS = (check_names, check_annex1, check_annex2, check_annex3, check_registry, check_shares, check_goals,
               check_enterprise_registry)


def check_plan(plan: Plan) -> list[Finding]:
    """All consistency findings of a structurally valid plan."""
    return [f for check in PLAN_CHECKS for f in check(plan)]


def check_rules(plan: Plan, rules: TierRuleSet) -> Iterator[Finding]:
    """The rule set names the plan's tiers and only metrics the roster has."""
    for tier, criteria in rules.tiers.items():
        if plan.tier(tier) is None:
            yield finding("plan-unknown-tier", where=f"规则集 {rules.id}", name=tier)
        for rule in criteria.rules:
            metrics = [rule.metric] if rule.metric else list(rule.ratio or ())
            if not metrics or any(m not in RULE_METRICS for m in metrics):
                yield finding("plan-rules-invalid", name=rules.id,
                              reason=f"{tier}“{rule.text}”的指标应为 {', '.join(RULE_METRICS)} 之一")
