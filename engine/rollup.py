"""Roll-up, completion, pace and gaps: the counting rules of DESIGN §5, in one place.

A :class:`Tally` holds what one or many submissions add up to; tallies merge, so the province
is the same computation as a centre, and an enterprise served by several centres counts once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from schemas import contract as c
from schemas.entries import Submission
from schemas.findings import Finding, Severity
from schemas.plan import Plan, Target
from schemas.results import TierProgress


@dataclass
class Tally:
    sessions: Counter[str] = field(default_factory=Counter)  # tier → counted sessions
    by_category: Counter[tuple[str, str]] = field(default_factory=Counter)  # (category, tier) → sessions
    visits: Counter[str] = field(default_factory=Counter)  # tier → declared 服务企业数 summed (户次)
    served: dict[str, str] = field(default_factory=dict)  # credit code → tier it is counted under

    def merge(self, other: Tally) -> Tally:
        """The sum of two tallies; an enterprise already counted keeps its first tier."""
        served = dict(self.served)
        for code, tier in other.served.items():
            served.setdefault(code, tier)
        return Tally(self.sessions + other.sessions, self.by_category + other.by_category,
                     self.visits + other.visits, served)

    def enterprises(self) -> Counter[str]:
        return Counter(self.served.values())


def invalid_rows(findings: Iterable[Finding]) -> set[tuple[str, int]]:
    """(sheet, row) of every row with an error-severity finding: such rows do not count."""
    return {(f.sheet, f.row) for f in findings
            if f.severity == Severity.ERROR and f.sheet is not None and f.row is not None and f.row > 1}


def tally(submission: Submission, plan: Plan, findings: Iterable[Finding], as_of: dt.date) -> Tally:
    """Count the valid entries of one submission up to ``as_of``."""
    bad = invalid_rows(findings)
    unusable = submission.unusable_sheets
    result = Tally()
    if c.ACTIVITY.name in unusable:
        return result
    counted: dict[str, str] = {}  # activity id → session tier
    for a in submission.activities:
        if (c.ACTIVITY.name, a.row) in bad or a.date is None or a.date > as_of or a.id is None:
            continue
        category = plan.category_label(a.category or "")
        if category is None or a.tier is None:
            continue
        counted[a.id] = a.tier
        result.sessions[a.tier] += 1
        result.by_category[(category, a.tier)] += 1
        result.visits[a.tier] += a.enterprises or 0
    roster_tier = {} if c.ROSTER.name in unusable else {
        e.uscc: e.tier for e in submission.enterprises
        if (c.ROSTER.name, e.row) not in bad and e.uscc and e.tier and plan.tier(e.tier)}
    if c.SIGNIN.name in unusable:
        return result
    for p in submission.participants:
        if (c.SIGNIN.name, p.row) in bad or p.uscc is None or p.activity_id not in counted:
            continue
        result.served.setdefault(p.uscc, roster_tier.get(p.uscc) or counted[p.activity_id])
    return result


def clamp_as_of(as_of: dt.date | None, year: int, today: dt.date | None = None) -> dt.date:
    """The as-of date within the plan year (default: today)."""
    day = as_of or today or dt.date.today()
    return min(max(day, dt.date(year, 1, 1)), dt.date(year, 12, 31))


def year_fraction(as_of: dt.date, year: int) -> float:
    """Share of the plan year elapsed by the end of ``as_of`` (1 January counts as one day)."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return ((as_of - start).days + 1) / ((end - start).days + 1)


def _rate(actual: int, target: int | None) -> float | None:
    return actual / target if target else None


def _gap(actual: int, target: int | None) -> int | None:
    return None if target is None else max(target - actual, 0)


def progress(t: Tally, targets: Iterable[Target], year: int, as_of: dt.date) -> list[TierProgress]:
    """Completion, gap and pace per tier, in the order of ``targets`` (the plan's tier order)."""
    fraction = year_fraction(as_of, year)
    served = t.enterprises()
    out = []
    for target in targets:
        sessions, enterprises = t.sessions[target.tier], served[target.tier]
        expected = None if target.sessions is None else target.sessions * fraction
        out.append(TierProgress(
            tier=target.tier,
            sessions=sessions,
            sessions_target=target.sessions,
            enterprises=enterprises,
            enterprises_target=target.enterprises,
            visits=t.visits[target.tier],
            sessions_expected=None if expected is None else round(expected, 2),
            behind_pace=None if expected is None or not target.sessions else sessions < expected,
            sessions_rate=_rate(sessions, target.sessions),
            enterprises_rate=_rate(enterprises, target.enterprises),
            sessions_gap=_gap(sessions, target.sessions),
            enterprises_gap=_gap(enterprises, target.enterprises),
        ))
    return out
