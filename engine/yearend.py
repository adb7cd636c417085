"""Figures of the year-end 专题报告 (DESIGN §13), per used centre and for the province.

The Consolidation already holds the completion figures; what the document needs beyond it is
read here: the sessions each centre held (活动名称/服务内容 per service category), sessions per
month (活动日期), its sessions per category × tier, and what lagged. Used files are read again
with the engine's reader and counted with the engine's rules (``rollup.tally``); nothing here
is typed in by hand, and nothing here writes a file.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from tidu.engine.consolidate import USED, ClaimKind, Consolidation
from tidu.engine.normalize import safe_text
from tidu.engine.reader import read_submission
from tidu.engine.rollup import Tally, counted_activities, invalid_rows, tally, total
from tidu.schemas import contract as c
from tidu.schemas.entries import Submission
from tidu.schemas.findings import Finding, Severity
from tidu.schemas.plan import Plan
from tidu.schemas.results import TierProgress

PROVINCE = "全省"
TOP_ITEMS = 5  # most frequent 活动名称 / 服务内容 shown per category
MAX_TEXT = 80  # characters of submitted text kept in the report


class Scope(StrEnum):
    CENTRE = "centre"
    PROVINCE = "province"


class LagKind(StrEnum):
    """What fell short (四、存在的问题)."""

    SESSIONS = "sessions"  # fewer sessions than the 附表3 target of a tier
    ENTERPRISES = "enterprises"  # fewer enterprises served than the 附表3 target of a tier
    PACE = "pace"  # behind the pace expected by the as-of date
    CATEGORY = "category"  # fewer sessions than the 附表1 quota of a category × tier
    IDLE_MONTHS = "idle_months"  # months of the elapsed year without a counted session


@dataclass(frozen=True)
class Session:
    """One counted 服务活动 row (the engine counted it as a session, 场次)."""

    file: str
    row: int
    date: dt.date
    category: str
    tier: str
    name: str
    content: str
    form: str
    enterprises: int


@dataclass(frozen=True)
class CategoryCell:
    """Sessions of one category × tier against its 附表1 quota (None: "/", not offered)."""

    category: str
    tier: str
    sessions: int
    quota: int | None


@dataclass(frozen=True)
class Practice:
    """What was done in one service category (三、主要做法)."""

    category: str
    sessions: int
    by_tier: tuple[tuple[str, int], ...]  # (tier, sessions), tiers with sessions only
    centres: int  # centres that held sessions of it (1 for a centre's own report)
    names: tuple[tuple[str, int], ...]  # most frequent 活动名称 and how many sessions had it
    contents: tuple[tuple[str, int], ...]  # most frequent 服务内容
    held: tuple[Session, ...]  # the sessions, by date (a centre's report lists them)


@dataclass(frozen=True)
class Lag:
    """One shortfall: ``label`` names the tier or category × tier, figures are the engine's."""

    kind: LagKind
    label: str
    actual: int
    target: int
    gap: int


@dataclass(frozen=True)
class UnitRank:
    """A 附表3 unit's all-tier figures (``rollup.total``: tiers with a numeric target only)."""

    rank: int
    unit: str
    total: TierProgress
    submitted: int  # used submissions of the unit's centres


@dataclass(frozen=True)
class CrossClaim:
    """An enterprise claimed by centres of two or more units (Consolidation.duplicates, 跨单位)."""

    uscc: str
    name: str
    centres: tuple[str, ...]


@dataclass(frozen=True)
class ScreeningTable:
    """A table of screening results (§11, `tidu screen`) for the province's report, given by the caller.

    The year-end report does not screen; it only lays out what a screening run hands it.
    """

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    note: str = ""


@dataclass(frozen=True)
class YearFigures:
    """Everything one 专题报告 states; a centre's or the province's."""

    scope: Scope
    name: str  # the centre, or 全省
    unit: str | None  # the centre's 附表3 row (None for the provincial centre and the province)
    partners: tuple[str, ...]  # centres sharing the unit's targets
    plan_id: str
    plan_title: str
    year: int
    as_of: dt.date
    progress: tuple[TierProgress, ...]
    total: TierProgress
    unit_progress: tuple[TierProgress, ...] | None  # the shared unit's consolidated figures
    unit_total: TierProgress | None  # their all-tier row
    by_category: tuple[CategoryCell, ...]
    monthly: tuple[int, ...]  # counted sessions per month, January first
    practices: tuple[Practice, ...]
    lags: tuple[Lag, ...]
    lags_of_unit: bool  # the lags are the shared unit's (a centre without a share of its own)
    uncounted: int  # 服务活动 rows with an error (they do not count)
    errors: int  # error findings (the rows they sit on do not count)
    warnings: int
    files: tuple[str, ...]  # the used files the figures come from
    # the province only
    ranking: tuple[UnitRank, ...] = ()
    missing: tuple[str, ...] = ()
    cross_unit: tuple[CrossClaim, ...] = ()
    file_status: tuple[tuple[str, int], ...] = ()  # (status, files)
    centres_used: int = 0
    centres_expected: int = 0


def counted_sessions(submission: Submission, plan: Plan, findings: Iterable[Finding],
                     as_of: dt.date) -> list[Session]:
    """The 服务活动 rows ``rollup.tally`` counts, with what they say (same filter, row by row).

    A test holds it to ``tally``'s counts per category × tier.
    """
    return [Session(submission.file, a.row, a.date, category, a.tier, _text(a.name), _text(a.content),
                    _text(a.form), a.enterprises or 0)
            for a, category in counted_activities(submission, plan, invalid_rows(findings), as_of)]


def _text(value: object) -> str:
    text = " ".join(safe_text(value).split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


@dataclass
class _Read:
    file: str
    centre: str
    sessions: list[Session]
    tally: Tally
    uncounted: int
    findings: list[Finding]


def _read_used(result: Consolidation) -> list[_Read]:
    """Each used file (``Consolidation.reports``: path → report) read again and counted with the
    report's own findings."""
    plan = result.plan.plan
    out = []
    for path, report in sorted(result.reports.items()):
        if report.centre is None:
            continue
        submission, _ = read_submission(path)
        if submission is None:
            continue  # gone or changed since it was consolidated: its figures stay the consolidation's
        bad = invalid_rows(report.findings)
        uncounted = sum(1 for a in submission.activities if (c.ACTIVITY.name, a.row) in bad)
        out.append(_Read(path, report.centre, counted_sessions(submission, plan, report.findings, result.as_of),
                         tally(submission, plan, report.findings, result.as_of), uncounted, report.findings))
    return out


def _monthly(sessions: Iterable[Session]) -> tuple[int, ...]:
    months = Counter(s.date.month for s in sessions)
    return tuple(months[m] for m in range(1, 13))


def _cells(counts: Counter[tuple[str, str]], plan: Plan) -> tuple[CategoryCell, ...]:
    return tuple(CategoryCell(cat, tier, counts[(cat, tier)], plan.session_quota(cat, tier))
                 for cat in plan.category_labels for tier in plan.tier_labels)


def _practices(sessions: list[Session], centre_of: dict[str, str], plan: Plan) -> tuple[Practice, ...]:
    out = []
    for cat in plan.category_labels:
        held = sorted((s for s in sessions if s.category == cat), key=lambda s: (s.date, s.file, s.row))
        tiers = Counter(s.tier for s in held)
        out.append(Practice(
            category=cat, sessions=len(held),
            by_tier=tuple((t, tiers[t]) for t in plan.tier_labels if tiers[t]),
            centres=len({centre_of[s.file] for s in held}),
            names=tuple(Counter(s.name for s in held if s.name).most_common(TOP_ITEMS)),
            contents=tuple(Counter(s.content for s in held if s.content).most_common(TOP_ITEMS)),
            held=tuple(held)))
    return tuple(out)


def _lags(progress: Iterable[TierProgress], cells: Iterable[CategoryCell], monthly: tuple[int, ...],
          as_of: dt.date, with_categories: bool) -> tuple[Lag, ...]:
    out: list[Lag] = []
    for p in progress:
        if p.sessions_gap:
            out.append(Lag(LagKind.SESSIONS, p.tier, p.sessions, p.sessions_target or 0, p.sessions_gap))
        if p.enterprises_gap:
            out.append(Lag(LagKind.ENTERPRISES, p.tier, p.enterprises, p.enterprises_target or 0,
                           p.enterprises_gap))
        # By the year's last day the pace is the target itself: the sessions gap already says it.
        if p.behind_pace and p.sessions_expected is not None and p.sessions_expected != p.sessions_target:
            out.append(Lag(LagKind.PACE, p.tier, p.sessions, p.sessions_expected,
                           p.sessions_expected - p.sessions))
    if with_categories:
        for cell in cells:
            if cell.quota and cell.sessions < cell.quota:
                out.append(Lag(LagKind.CATEGORY, f"{cell.category}（{cell.tier}）", cell.sessions, cell.quota,
                               cell.quota - cell.sessions))
    idle = [m for m in range(1, as_of.month + 1) if monthly[m - 1] == 0]
    if idle:
        out.append(Lag(LagKind.IDLE_MONTHS, "、".join(f"{m}月" for m in idle), 0, 0, len(idle)))
    return tuple(out)


def _severities(findings: Iterable[Finding]) -> dict[str, int]:
    counts = Counter(f.severity for f in findings)
    return {"errors": counts[Severity.ERROR], "warnings": counts[Severity.WARNING]}


def centre_figures(result: Consolidation, read: _Read) -> YearFigures:
    """A centre's report: its own SubmissionReport.progress, its sessions, its shared unit's figures."""
    plan = result.plan.plan
    report = result.reports[read.file]
    unit = plan.unit_of(read.centre)
    partners = tuple(plan.partners(read.centre))
    shared = unit is not None and bool(partners)
    cells = _cells(read.tally.by_category, plan)
    monthly = _monthly(read.sessions)
    unit_progress = tuple(result.units[unit]) if shared and unit in result.units else None
    # A centre sharing its unit's targets without a split of its own is judged with its unit (§4).
    judged = unit_progress if unit_progress is not None and plan.share_targets(read.centre) is None else None
    return YearFigures(
        scope=Scope.CENTRE, name=read.centre, unit=unit, partners=partners, plan_id=plan.id,
        plan_title=plan.title, year=plan.year, as_of=result.as_of, progress=tuple(report.progress),
        total=total(report.progress, result.as_of, plan.year),
        unit_progress=unit_progress,
        unit_total=None if unit_progress is None else total(unit_progress, result.as_of, plan.year),
        by_category=cells, monthly=monthly,
        practices=_practices(read.sessions, {read.file: read.centre}, plan),
        # A centre has no 附表1 quota of its own (附表1 is the province's): no category lags.
        lags=_lags(judged or report.progress, cells, monthly, result.as_of, with_categories=False),
        lags_of_unit=judged is not None,
        uncounted=read.uncounted, **_severities(read.findings), files=(read.file,),
    )


def province_figures(result: Consolidation, reads: list[_Read]) -> YearFigures:
    """The province's report: the Consolidation's figures, the units ranked, the sessions of all."""
    plan = result.plan.plan
    sessions = [s for r in reads for s in r.sessions]
    cells = tuple(CategoryCell(d["category"], d["tier"], d["sessions"], d["quota"]) for d in result.by_category)
    monthly = _monthly(sessions)
    used = [f for f in result.files if f.status == USED]
    per_unit = Counter(f.unit for f in used if f.unit)
    ranked = sorted(((unit, total(rows, result.as_of, plan.year)) for unit, rows in result.units.items()),
                    key=lambda ut: (-(ut[1].sessions_rate or 0), -(ut[1].enterprises_rate or 0), ut[0]))
    statuses = Counter(f.status for f in result.files)
    return YearFigures(
        scope=Scope.PROVINCE, name=PROVINCE, unit=None, partners=(), plan_id=plan.id, plan_title=plan.title,
        year=plan.year, as_of=result.as_of, progress=tuple(result.province),
        total=total(result.province, result.as_of, plan.year), unit_progress=None, unit_total=None,
        by_category=cells, monthly=monthly,
        practices=_practices(sessions, {r.file: r.centre for r in reads}, plan),
        lags=_lags(result.province, cells, monthly, result.as_of, with_categories=True), lags_of_unit=False,
        uncounted=sum(r.uncounted for r in reads), **_severities(result.findings),
        files=tuple(r.file for r in reads),
        ranking=tuple(UnitRank(i, unit, t, per_unit[unit]) for i, (unit, t) in enumerate(ranked, 1)),
        missing=tuple(result.missing),
        cross_unit=tuple(CrossClaim(d["uscc"], _text((d.get("names") or [""])[0]), tuple(d["centres"]))
                         for d in result.duplicates if d["kind"] == ClaimKind.CROSS_UNIT.value),
        file_status=tuple(sorted(statuses.items())),
        centres_used=len({f.centre for f in used if f.centre}), centres_expected=len(plan.centre_names()),
    )


def year_figures(result: Consolidation, centre: str | None = None) -> list[YearFigures]:
    """Figures of every used centre's report (or of ``centre`` only), then the province's.

    With ``centre`` given, only that centre's report is returned (no provincial one).
    """
    reads = _read_used(result)
    chosen = [r for r in reads if centre is None or r.centre == centre]
    out = [centre_figures(result, r) for r in sorted(chosen, key=lambda r: r.centre)]
    if centre is None:
        out.append(province_figures(result, reads))
    return out


def used_centres(result: Consolidation) -> list[str]:
    """Centres with a used submission, for the CLI's --centre check."""
    return sorted({f.centre for f in result.files if f.status == USED and f.centre})
