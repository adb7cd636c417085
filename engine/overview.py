"""What the analyst needs first (总览): the province per tier, the units ranked and who is behind,
who has not submitted, cross-unit claims, errors per centre and the plan's goals.

Pure figures from a :class:`~tidu.engine.consolidate.Consolidation`; the workbook only lays them
out. All-tier figures are :func:`tidu.engine.rollup.total` (only tiers with a numeric target).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tidu.engine.consolidate import USED, ClaimKind, Consolidation
from tidu.engine.rollup import total
from tidu.schemas.plan import GoalMeasure
from tidu.schemas.results import TierProgress


@dataclass(frozen=True)
class UnitStanding:
    """One 附表3 unit, all tiers together."""

    unit: str
    total: TierProgress
    behind_tiers: tuple[str, ...]  # tiers whose sessions are below the expected by the as-of date
    short: int  # sessions short of the expected, summed over its behind tiers
    missing: tuple[str, ...]  # its centres that sent nothing

    @property
    def rate(self) -> float | None:
        return self.total.sessions_rate


@dataclass(frozen=True)
class GoalLine:
    label: str
    target: int
    actual: int | None  # None: the data cannot tell (e.g. 新增规上 without screening)
    how: str  # how the actual figure is counted


@dataclass(frozen=True)
class CentreIssues:
    centre: str
    errors: int
    warnings: int
    infos: int


@dataclass
class Overview:
    province: list[TierProgress]
    province_total: TierProgress
    units: list[UnitStanding]  # ranked by all-tier session completion, best first
    behind: list[UnitStanding]  # units with a tier behind pace, most short first
    missing: list[str]
    cross_unit: list[dict]
    issues: list[CentreIssues]  # centres with errors first
    goals: list[GoalLine] = field(default_factory=list)
    used: int = 0
    rejected: int = 0


def _standing(unit: str, rows: list[TierProgress], result: Consolidation) -> UnitStanding:
    plan = result.plan.plan
    behind = [p for p in rows if p.behind_pace]
    centres = [c.name for c in plan.centres if c.unit == unit]
    return UnitStanding(unit, total(rows, result.as_of, plan.year), tuple(p.tier for p in behind),
                        sum((p.sessions_expected or 0) - p.sessions for p in behind),
                        tuple(c for c in centres if c in result.missing))


def _rank_key(s: UnitStanding) -> tuple:
    rate = s.rate
    return (rate is None, -(rate or 0.0), -(s.total.enterprises_rate or 0.0), s.unit)


def overview(result: Consolidation, new_above_scale: int | None = None) -> Overview:
    """The 总览 figures; ``new_above_scale`` is the screening's count when it ran."""
    plan = result.plan.plan
    standings = [_standing(unit, rows, result) for unit, rows in result.units.items()]
    ranked = sorted(standings, key=_rank_key)
    behind = sorted((s for s in standings if s.behind_tiers), key=lambda s: (-s.short, s.unit))
    per_centre: dict[str, Counter[str]] = {}
    centre_of = {f.file: f.centre for f in result.files}
    for file, counts in result.finding_counts.items():
        centre = centre_of.get(file) or file
        bucket = per_centre.setdefault(centre, Counter())
        for (severity, _code), n in counts.items():
            bucket[severity] += n
    issues = sorted((CentreIssues(c, n["error"], n["warning"], n["info"]) for c, n in per_centre.items()),
                    key=lambda i: (-i.errors, -i.warnings, i.centre))
    served = {p.tier: p.enterprises for p in result.province}
    goals = []
    for goal in plan.goals:
        if goal.measure is GoalMeasure.SERVED:
            goals.append(GoalLine(goal.label, goal.target, served.get(goal.tier or ""), "服务企业户数（去重）"))
        elif goal.measure is GoalMeasure.ROSTER:
            goals.append(GoalLine(goal.label, goal.target, result.roster_by_tier.get(goal.tier or "", 0),
                                  "各单位培育名册中的企业（去重）"))
        else:
            goals.append(GoalLine(goal.label, goal.target, new_above_scale,
                                  "企业指标中本年度新纳入规上统计的企业" if new_above_scale is not None
                                  else "需运行梯度评估（tidu consolidate --screen 或 tidu screen）"))
    return Overview(
        province=result.province, province_total=total(result.province, result.as_of, plan.year),
        units=ranked, behind=behind, missing=list(result.missing),
        cross_unit=[d for d in result.duplicates if d["kind"] == ClaimKind.CROSS_UNIT.value],
        issues=issues, goals=goals,
        used=sum(1 for f in result.files if f.status == USED),
        rejected=sum(1 for f in result.files if f.status == "rejected"),
    )
