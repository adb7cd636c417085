"""Roll-up, completion, pace and gaps: the counting rules of DESIGN §5 (v2), in one place.

A :class:`Tally` holds what one or many submissions add up to; tallies merge, so the province
is the same computation as a centre. An enterprise's tier is decided once, from everything the
tally knows (:func:`decide_tiers`), so a unit, the province and a single workbook agree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter
from typing import NamedTuple

from tidu.schemas import contract as c
from tidu.schemas.entries import Activity, Submission
from tidu.schemas.findings import Finding, Severity
from tidu.schemas.plan import Plan, Target
from tidu.schemas.results import TierProgress

TOTAL_LABEL = "合计"


class SessionKey(NamedTuple):
    """Where an enterprise first signed in at a counted session: ordered by date, file, row."""

    date: dt.date
    file: str  # the file's name (not its folder), so a consolidation's order does not depend on paths
    row: int
    tier: str  # the session's tier


_SESSION_KEY = partial(tuple.__new__, SessionKey)  # a SessionKey from a plain tuple, at C speed


@dataclass
class Tally:
    sessions: Counter[str] = field(default_factory=Counter)  # tier → counted sessions
    by_category: Counter[tuple[str, str]] = field(default_factory=Counter)  # (category, tier) → sessions
    visits: Counter[str] = field(default_factory=Counter)  # tier → declared 服务企业数 summed (户次)
    signed: dict[str, SessionKey] = field(default_factory=dict)  # credit code → earliest counted sign-in
    #: claimer → {credit code → its tier on that claimer's valid roster}: one dict a centre, so a
    #: province holds 46 of them, not one a code, and a file's tally travels as one
    roster: dict[str, dict[str, str]] = field(default_factory=dict)
    #: credit code → the name this file's rows first give it. A file's own: adding tallies up
    #: leaves names out (重复企业 looks them up file by file, for the few codes several centres claim).
    names: dict[str, str] = field(default_factory=dict)

    def merge(self, other: Tally) -> Tally:
        """The sum of two tallies: counts add, each enterprise keeps its earliest sign-in."""
        return Tally().absorb(self).absorb(other)

    def absorb(self, other: Tally) -> Tally:
        """Add ``other`` into this tally (in place, so folding many tallies stays linear); its
        names stay its own.

        ``other`` is never changed, and nothing of it is changed later through this tally: a
        claimer's roster is copied when taken over, and only the copy is updated.
        """
        self.sessions.update(other.sessions)
        self.by_category.update(other.by_category)
        self.visits.update(other.visits)
        # Whole-dict steps run at C speed; only enterprises both tallies know are compared.
        signed, theirs = self.signed, other.signed
        earlier = {code: signed[code] for code in signed.keys() & theirs.keys() if signed[code] < theirs[code]}
        signed.update(theirs)
        signed.update(earlier)
        roster = self.roster
        for claimer, codes in other.roster.items():
            if claimer in roster:
                roster[claimer].update(codes)
            else:
                roster[claimer] = dict(codes)
        return self

    # A tally travels from each worker to the main process: the sign-ins go as plain tuples (a
    # named tuple pickles through a Python-level call per key) and become SessionKeys again at C
    # speed; the names (a thousand a file, rarely looked up) go as two texts, split at C speed.
    def __getstate__(self) -> dict[str, object]:
        signed = self.signed
        return {**self.__dict__, "signed": (list(signed), list(map(tuple, signed.values()))),
                "names": _packed(self.names)}

    def __setstate__(self, state: dict[str, object]) -> None:
        codes, keys = state["signed"]  # type: ignore[misc]
        self.__dict__.update(state, signed=dict(zip(codes, map(_SESSION_KEY, keys), strict=True)),
                             names=_unpacked(state["names"]))

    def claims(self) -> set[str]:
        """Credit codes this tally claims: on a valid roster, or signed in at a counted session."""
        return set(self.signed).union(*self.roster.values())


_SEPARATOR = "\x00"  # never in a cleaned text (the reader drops control characters)


def _packed(names: dict[str, str]) -> tuple[str, str] | dict[str, str]:
    """Codes and names as two texts joined by NUL, or the dict itself if one holds a NUL."""
    codes, texts = _SEPARATOR.join(names), _SEPARATOR.join(names.values())
    if names and codes.count(_SEPARATOR) == texts.count(_SEPARATOR) == len(names) - 1:
        return codes, texts
    return names


def _unpacked(packed: tuple[str, str] | dict[str, str]) -> dict[str, str]:
    if isinstance(packed, dict):
        return packed
    codes, texts = packed
    return dict(zip(codes.split(_SEPARATOR), texts.split(_SEPARATOR), strict=True))


def invalid_rows(findings: Iterable[Finding]) -> set[tuple[str, int]]:
    """(sheet, row) of every row with an error-severity finding: such rows do not count."""
    return {(f.sheet, f.row) for f in findings
            if f.severity == Severity.ERROR and f.sheet is not None and f.row is not None and f.row > 1}


def tally(submission: Submission, plan: Plan, findings: Iterable[Finding], as_of: dt.date,
          claimer: str | None = None, *, voided: set[tuple[str, int]] | None = None) -> Tally:
    """Count the valid entries of one submission up to ``as_of`` (sessions on that day count).

    ``voided`` is :func:`invalid_rows` of ``findings`` when the caller has it already."""
    bad = invalid_rows(findings) if voided is None else voided
    unusable = submission.unusable_sheets
    claimer = claimer or submission.meta.centre or submission.file
    file_name = submission.file.replace("\\", "/").rsplit("/", 1)[-1]
    result = Tally()
    # Each tier as the plan's own string, not the row's copy of it: a province's tally holds five
    # strings instead of one per row, and pickles them once (it travels between processes).
    tier_of = {tier: tier for tier in plan.tier_set}
    if c.ROSTER.name not in unusable:
        voided = _rows_of(bad, c.ROSTER.name)
        roster: dict[str, str] = {}
        names = result.names
        for e in submission.enterprises:
            tier = tier_of.get(e.tier)  # type: ignore[arg-type]  # None is never a tier
            if tier is None or e.row in voided or not e.uscc:
                continue
            roster[e.uscc] = tier
            if e.name and e.uscc not in names:
                names[e.uscc] = e.name
        if roster:
            result.roster[claimer] = roster
    if c.ACTIVITY.name in unusable:
        return result
    counted: dict[str, SessionKey] = {}  # activity id → where its counted row is
    for a, category in counted_activities(submission, plan, bad, as_of):
        tier = tier_of[a.tier]  # type: ignore[index]  # counted: a known tier
        counted[a.id] = SessionKey(a.date, file_name, a.row, tier)
        result.sessions[tier] += 1
        result.by_category[(category, tier)] += 1
        result.visits[tier] += a.enterprises or 0
    if c.SIGNIN.name in unusable:
        return result
    voided = _rows_of(bad, c.SIGNIN.name)
    signed, names = result.signed, result.names
    for p in submission.participants:
        key = counted.get(p.activity_id)  # type: ignore[arg-type]  # None is never an id
        if key is None or p.uscc is None or p.row in voided:
            continue
        earliest = signed.get(p.uscc)
        if earliest is None or key < earliest:
            signed[p.uscc] = key
        if p.name and p.uscc not in names:
            names[p.uscc] = p.name
    return result


def _rows_of(bad: set[tuple[str, int]], sheet: str) -> set[int]:
    return {row for name, row in bad if name == sheet}


def counted_activities(submission: Submission, plan: Plan, bad: set[tuple[str, int]],
                       as_of: dt.date) -> Iterator[tuple[Activity, str]]:
    """The 服务活动 rows that count, each with its canonical category: no error on the row, a
    date up to ``as_of``, an id, a known category and tier. (The one filter of DESIGN §5.)"""
    if c.ACTIVITY.name in submission.unusable_sheets:
        return
    tiers, voided, label_of = plan.tier_set, _rows_of(bad, c.ACTIVITY.name), plan.category_label
    for a in submission.activities:
        if a.row in voided or a.date is None or a.date > as_of or a.id is None or a.tier not in tiers:
            continue
        category = label_of(a.category or "")
        if category is not None:
            yield a, category


class TierSource(NamedTuple):
    tier: str
    rule: str  # "registry" | "roster" | "session"


def decide_tier(code: str, t: Tally, plan: Plan) -> TierSource | None:
    """The tier an enterprise counts under (DESIGN §5): registry, then the highest valid roster
    tier, then the tier of the earliest counted session it signed in at."""
    registered = plan.registry.get(code)
    if registered is not None and registered in plan.tier_set:
        return TierSource(registered, "registry")
    claims = [codes[code] for codes in t.roster.values() if code in codes]
    if claims:
        return TierSource(highest_tier(claims, plan), "roster")
    key = t.signed.get(code)
    return TierSource(key.tier, "session") if key is not None else None


def highest_tier(tiers: Collection[str], plan: Plan) -> str:
    """The highest of some tier labels (the plan lists tiers top down)."""
    return min(tiers, key=plan.tier_rank) if len(tiers) > 1 else next(iter(tiers))


def roster_tiers(t: Tally, plan: Plan) -> dict[str, str]:
    """Credit code → the highest tier its valid roster rows give it, for every code on a roster."""
    top: dict[str, str] = {}
    # A claimer's whole roster at a time (C-level steps); only codes another claimer has already
    # given a tier are compared.
    for codes in t.roster.values():
        higher = {code: highest_tier((top[code], codes[code]), plan) for code in codes.keys() & top.keys()}
        top.update(codes)
        top.update(higher)
    return top


def _on_several_rosters(roster: Mapping[str, dict[str, str]]) -> set[str]:
    """Credit codes on more than one claimer's roster."""
    seen: set[str] = set()
    shared: set[str] = set()
    for codes in roster.values():
        shared.update(seen.intersection(codes))
        seen.update(codes)
    return shared


def decide_tiers(t: Tally, plan: Plan, top: Mapping[str, str] | None = None) -> dict[str, str]:
    """Credit code → tier, for every enterprise served (signed in at a counted session).

    :func:`decide_tier` for each of them, done rule by rule from the lowest priority up, so the
    common case is a few C-level steps (a province has tens of thousands of enterprises).
    ``top`` is :func:`roster_tiers` of ``t`` when the caller has it already.
    """
    signed = t.signed
    top = roster_tiers(t, plan) if top is None else top
    # the highest valid roster tier, else the earliest counted session's
    out = dict(zip(signed, map(top.get, signed, map(_SESSION_TIER, signed.values())), strict=True))
    registry, known = plan.registry, plan.tier_set  # and the registry overrides both
    out.update({code: registry[code] for code in out.keys() & registry.keys() if registry[code] in known})
    return out


_SESSION_TIER = attrgetter("tier")


def tier_conflicts(t: Tally, plan: Plan, among: Collection[str] | None = None) -> dict[str, dict[str, str]]:
    """Credit codes whose valid roster rows disagree on the tier: code → {claimer: tier}.

    ``among``: the codes more than one claimer claims, when the caller knows them already (a
    consolidation does, as the files arrive): only those are looked at.
    """
    roster = t.roster
    claims = {code: {claimer: codes[code] for claimer, codes in roster.items() if code in codes}
              for code in (_on_several_rosters(roster) if among is None else among)}
    return {code: claims[code] for code in sorted(claims)
            if len(set(claims[code].values())) > 1 and code not in plan.registry}


def served_by_tier(t: Tally, tiers: Mapping[str, str]) -> Counter[str]:
    """Distinct enterprises served per tier; ``tiers`` decides each (e.g. province-wide)."""
    served = Counter(map(tiers.get, t.signed))
    served.pop(None, None)  # an enterprise ``tiers`` does not decide is not counted
    return served


class AsOfOutsideYear(ValueError):
    """An explicit as-of date outside the plan year: a usage error (exit 2), never clamped."""

    def __init__(self, as_of: dt.date, year: int):
        self.as_of, self.year = as_of, year
        super().__init__(f"统计截止日期 {as_of.isoformat()} 不在计划年度 {year} 年内，请给出 {year} 年内的日期")


def resolve_as_of(as_of: dt.date | None, year: int, today: dt.date | None = None) -> dt.date:
    """The as-of date: an explicit one must lie in the plan year; the default (today) is clamped."""
    if as_of is not None:
        if as_of.year != year:
            raise AsOfOutsideYear(as_of, year)
        return as_of
    return clamp_as_of(today or dt.date.today(), year)


def clamp_as_of(day: dt.date, year: int) -> dt.date:
    """A date moved into the plan year (before 1 January → 1 January, after → 31 December)."""
    return min(max(day, dt.date(year, 1, 1)), dt.date(year, 12, 31))


def days_elapsed(as_of: dt.date, year: int) -> tuple[int, int]:
    """(days elapsed counting 1 January as day 1, days in the plan year)."""
    start = dt.date(year, 1, 1)
    return (as_of - start).days + 1, (dt.date(year + 1, 1, 1) - start).days


def expected_by(target: int, as_of: dt.date, year: int) -> int:
    """Whole sessions (or enterprises) due by ``as_of``: floor(target × elapsed ÷ days in year)."""
    elapsed, total = days_elapsed(as_of, year)
    return target * elapsed // total


def rate(actual: int, target: int | None) -> float | None:
    """Completion = actual ÷ target; no target (None or 0) means no figure, not 0% or ∞."""
    return actual / target if target else None


def gap(actual: int, target: int | None) -> int | None:
    """Gap = max(target − actual, 0); None without a target."""
    return None if target is None else max(target - actual, 0)


def _row(tier: str, sessions: int, sessions_target: int | None, enterprises: int, enterprises_target: int | None,
         visits: int, as_of: dt.date, year: int, pace: bool) -> TierProgress:
    expected = None if sessions_target is None or not pace else expected_by(sessions_target, as_of, year)
    return TierProgress(
        tier=tier, sessions=sessions, sessions_target=sessions_target, enterprises=enterprises,
        enterprises_target=enterprises_target, visits=visits, sessions_expected=expected,
        behind_pace=None if expected is None else sessions < expected,
        sessions_rate=rate(sessions, sessions_target), enterprises_rate=rate(enterprises, enterprises_target),
        sessions_gap=gap(sessions, sessions_target), enterprises_gap=gap(enterprises, enterprises_target),
    )


def progress(t: Tally, targets: Iterable[Target], plan: Plan, as_of: dt.date,
             tiers: Mapping[str, str] | None = None, pace: bool = True, *,
             served: Mapping[str, int] | None = None) -> list[TierProgress]:
    """Completion, gap and pace per tier, in the order of ``targets`` (the plan's tier order).

    ``tiers`` (credit code → tier) is the decision to count enterprises by; by default it is
    decided from this tally alone. ``pace=False`` gives no pace verdict (a centre that shares
    its unit's targets without a split of its own: the province judges the unit). ``served`` is
    :func:`served_by_tier` of ``t`` and ``tiers`` when the caller has it already.
    """
    if served is None:
        served = served_by_tier(t, decide_tiers(t, plan) if tiers is None else tiers)
    return [_row(target.tier, t.sessions[target.tier], target.sessions, served.get(target.tier, 0),
                 target.enterprises, t.visits[target.tier], as_of, plan.year, pace) for target in targets]


def total(rows: Iterable[TierProgress], as_of: dt.date, year: int, pace: bool = True) -> TierProgress:
    """The all-tier row: each measure sums only the tiers that have a numeric target for it."""
    rows = list(rows)
    with_sessions = [p for p in rows if p.sessions_target is not None]
    with_enterprises = [p for p in rows if p.enterprises_target is not None]
    sessions_target = sum(p.sessions_target or 0 for p in with_sessions) if with_sessions else None
    enterprises_target = sum(p.enterprises_target or 0 for p in with_enterprises) if with_enterprises else None
    return _row(TOTAL_LABEL, sum(p.sessions for p in with_sessions), sessions_target,
                sum(p.enterprises for p in with_enterprises), enterprises_target,
                sum(p.visits for p in with_sessions), as_of, year, pace)
