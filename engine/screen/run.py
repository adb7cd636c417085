"""Screening submissions: each roster enterprise judged on its tier and the tiers above it."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from tidu.engine import uscc as codes
from tidu.engine.check import check_read
from tidu.engine.consolidate import WORKBOOK_SUFFIXES
from tidu.engine.isolation import Crashed, run_isolated
from tidu.engine.reader import read_submission
from tidu.engine.rollup import invalid_rows, resolve_as_of
from tidu.engine.screen.evaluate import Judge, judge_tier
from tidu.engine.screen.series import build_series, group_rows
from tidu.engine.screen.warnings import Facts, missing_figures, warnings_for
from tidu.schemas import RULESETS_DIR
from tidu.schemas import contract as c
from tidu.schemas.catalogue import finding
from tidu.schemas.entries import Enterprise, IndicatorRow, Submission
from tidu.schemas.findings import Finding
from tidu.schemas.plan import GoalMeasure, LoadedPlan, Plan
from tidu.schemas.screening import (
    LEVEL_ORDER,
    Assessment,
    EnterpriseScreen,
    RuleSet,
    Screening,
    WarningRules,
)

#: The tier whose enterprises are reported first (the seed's 1980 growth SMEs), by plan code.
FIRST_TIER_CODE = "growth"
ABOVE_SCALE_CODE = "above_scale"
BELOW_SCALE_CODES = ("growth", "micro")


class ScreenError(ValueError):
    """A rule set or warning file that cannot be used; the message is Chinese."""


def ruleset_ids(directory: Path = RULESETS_DIR) -> list[str]:
    """Ids of the shipped tier rule sets."""
    return sorted(p.stem for p in directory.glob("*.yaml") if not p.stem.startswith("warnings-"))


def _read(path: Path, what: str) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ScreenError(f"{what} {path.name} 无法读取（{type(exc).__name__}）") from None
    if not isinstance(data, dict):
        raise ScreenError(f"{what} {path.name} 内容为空或格式不对")
    return data


def _errors(exc: ValidationError) -> str:
    return "；".join(f"{'.'.join(str(p) for p in e['loc'])} {e['msg']}" for e in exc.errors()[:5])


_Model = TypeVar("_Model", bound=BaseModel)


@lru_cache(maxsize=16)
def load_ruleset(ref: str) -> RuleSet:
    """A tier rule set by shipped id (``tiers-2018``) or by path to a ``.yaml`` file."""
    return _load(ref, RuleSet, "规则集", f"；可用的规则集：{'、'.join(ruleset_ids())}")


@lru_cache(maxsize=16)
def load_warning_rules(ref: str) -> WarningRules:
    """Early-warning rules by id (``warnings-default``) or path."""
    return _load(ref, WarningRules, "预警规则")


def _load(ref: str, model: type[_Model], what: str, known: str = "") -> _Model:
    """A rules file by shipped id or path, validated as ``model``; ``what`` names it in messages."""
    path = Path(ref) if ref.endswith((".yaml", ".yml")) else RULESETS_DIR / f"{ref}.yaml"
    if not path.is_file():
        raise ScreenError(f"{what}“{ref}”不存在{known}")
    try:
        return model.model_validate(_read(path, what))
    except ValidationError as exc:
        raise ScreenError(f"{what} {path.name} 有误：{_errors(exc)}") from None


# --- gathering enterprises over submissions ------------------------------------------------


@dataclass
class _Found:
    """One enterprise as the submissions show it."""

    uscc: str
    enterprise: Enterprise
    centre: str | None
    file: str
    tiers: set[str] = field(default_factory=set)
    rows: list[IndicatorRow] = field(default_factory=list)
    last_service: dt.date | None = None


def _last_services(submission: Submission, bad: set[tuple[str, int]], plan: Plan,
                   as_of: dt.date) -> dict[str, dt.date]:
    """Latest counted session each enterprise signed in at (the counting rules of DESIGN §5)."""
    unusable = submission.unusable_sheets
    if c.ACTIVITY.name in unusable or c.SIGNIN.name in unusable:
        return {}
    counted: dict[str, dt.date] = {}
    for a in submission.activities:
        if ((c.ACTIVITY.name, a.row) in bad or a.date is None or a.date > as_of or a.id is None
                or plan.category_label(a.category or "") is None or plan.tier(a.tier or "") is None):
            continue
        counted.setdefault(a.id, a.date)  # the first valid row of an id counts
    latest: dict[str, dt.date] = {}
    for p in submission.participants:
        if (c.SIGNIN.name, p.row) in bad or p.uscc is None or p.activity_id not in counted:
            continue
        day = counted[p.activity_id]
        if p.uscc not in latest or day > latest[p.uscc]:
            latest[p.uscc] = day
    return latest


def _gather(items: Iterable[tuple[Submission, list[Finding]]], plan: Plan, as_of: dt.date) -> list[_Found]:
    found: dict[str, _Found] = {}
    services: dict[str, dt.date] = {}
    indicator_rows: dict[str, list[IndicatorRow]] = {}
    for submission, findings in items:
        bad = invalid_rows(findings)
        for code, day in _last_services(submission, bad, plan, as_of).items():
            if code not in services or day > services[code]:
                services[code] = day
        for code, rows in group_rows(r for r in submission.indicators
                                     if (c.INDICATORS.name, r.row) not in bad).items():
            indicator_rows.setdefault(code, []).extend(rows)
        if c.ROSTER.name in submission.unusable_sheets:
            continue
        for e in submission.enterprises:
            if not e.uscc or not e.tier or plan.tier(e.tier) is None:
                continue
            entry = found.get(e.uscc)
            if entry is None:
                entry = found[e.uscc] = _Found(e.uscc, e, submission.meta.centre, submission.file)
            elif (c.ROSTER.name, entry.enterprise.row) in bad and (c.ROSTER.name, e.row) not in bad:
                entry.enterprise = e  # a corrected re-entry below a broken row
            entry.tiers.add(e.tier)
    for code, entry in found.items():
        entry.rows = indicator_rows.get(code, [])
        entry.last_service = services.get(code)
    return list(found.values())


# --- judging -------------------------------------------------------------------------------


def _tier_of(entry: _Found, plan: Plan) -> str:
    """The registry's tier, else the highest tier among the rosters that list it (DESIGN §5)."""
    confirmed = plan.registry.get(entry.uscc)
    if confirmed and plan.tier(confirmed) is not None:
        return confirmed
    return min(entry.tiers, key=plan.tier_rank)


def _judge_one(entry: _Found, plan: Plan, rules: RuleSet, warning_rules: WarningRules,
               as_of: dt.date) -> EnterpriseScreen:
    tier = _tier_of(entry, plan)
    series = build_series(plan.year, entry.enterprise, entry.rows)
    judge = Judge(rules, series, registered=codes.problem(entry.uscc) is None)
    assessments: list[Assessment] = []
    own_missing: list[str] = []
    for rank in range(plan.tier_rank(tier), -1, -1):  # own tier, then upwards
        label = plan.tier_labels[rank]
        tier_rules = rules.tiers.get(label)
        if tier_rules is None:
            continue
        outcome = judge_tier(judge, tier_rules.criteria)
        assessments.append(Assessment(tier=label, decision=outcome.decision, score=outcome.score,
                                      failed=tuple(outcome.failed), missing=tuple(dict.fromkeys(outcome.missing)),
                                      manual=tuple(dict.fromkeys(outcome.manual)), near=outcome.near))
        if label == tier:
            own_missing = [m for m in outcome.missing if m not in outcome.manual]
    rank = plan.tier_rank(tier)
    next_up = plan.tier_labels[rank - 1] if rank > 0 else None
    up = next((a for a in assessments if a.tier == next_up), None)
    facts = Facts(rules, tier, series, entry.last_service, as_of, tuple(missing_figures(rules, own_missing)))
    above = series.raw("above_scale", plan.year) == "是" and series.raw("above_scale", plan.year - 1) != "是"
    return EnterpriseScreen(
        uscc=entry.uscc, name=entry.enterprise.name, centre=entry.centre, tier=tier,
        assessments=tuple(assessments), candidate_for=next_up if up is not None and up.near else None,
        warnings=tuple(warnings_for(warning_rules, facts)), above_scale_new=above,
        file=entry.file, roster_row=entry.enterprise.row)


def _order(plan: Plan) -> dict[str, int]:
    """Report order of tiers: the growth SMEs first, then the pyramid top down."""
    first = [t.label for t in plan.tiers if t.code == FIRST_TIER_CODE]
    return {label: i for i, label in enumerate(first + [t for t in plan.tier_labels if t not in first])}


def screen_submissions(items: Sequence[tuple[Submission, list[Finding]]], loaded: LoadedPlan,
                       as_of: dt.date | None = None, rules: str | None = None) -> Screening:
    """Judge every roster enterprise of these read submissions (with their findings).

    ``rules`` overrides the plan's rule set (an id or a path); raises :class:`ScreenError` for a
    rule set that cannot be used and ``AsOfOutsideYear`` for an explicit date outside the plan year.
    """
    plan = loaded.plan
    day = resolve_as_of(as_of, plan.year)
    ruleset = load_ruleset(rules or plan.tier_rules)
    warning_rules = load_warning_rules(ruleset.warnings)
    judged = [_judge_one(entry, plan, ruleset, warning_rules, day) for entry in _gather(items, plan, day)]
    order = _order(plan)
    judged.sort(key=lambda e: (order.get(e.tier, 99), min((LEVEL_ORDER[w.level] for w in e.warnings), default=9),
                               e.centre or "", e.file, e.roster_row or 0))
    goals = {g.code: g.target for g in plan.goals}
    above_goal = next((g.target for g in plan.goals if g.measure == GoalMeasure.NEW_ABOVE_SCALE), None)
    return Screening(rules=ruleset.id, rules_title=ruleset.title, rules_status=ruleset.status, reserve=ruleset.reserve,
                     plan_year=plan.year,
                     as_of=day.isoformat(), enterprises=tuple(judged), goals=goals,
                     above_scale_label=_label(plan, ABOVE_SCALE_CODE),
                     below_scale_labels=tuple(t.label for t in plan.tiers if t.code in BELOW_SCALE_CODES),
                     above_scale_goal=above_goal)


def _label(plan: Plan, code: str) -> str:
    return next((t.label for t in plan.tiers if t.code == code), "")


def screen_submission(submission: Submission, read_findings: list[Finding], loaded: LoadedPlan,
                      as_of: dt.date | None = None, rules: str | None = None) -> Screening:
    """Judge the roster of one read workbook (the 评估 button: read through xlwings, then this)."""
    report, _ = check_read(submission, list(read_findings), submission.file, loaded, as_of)
    return screen_submissions([(submission, report.findings)], loaded, as_of, rules)


def _workbooks(paths: Sequence[str | Path]) -> list[Path]:
    """Files as given; folders expanded to their workbooks (lock and hidden files skipped)."""
    out: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            out.extend(p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in WORKBOOK_SUFFIXES
                       and not p.name.startswith(("~$", ".")))
        else:
            out.append(path)
    return out


def _read_checked(path: str, loaded: LoadedPlan, day: dt.date) -> tuple[Submission | None, list[Finding]]:
    """Read and check one file (runs in a worker process)."""
    submission, findings = read_submission(path)
    report, _ = check_read(submission, findings, path, loaded, day)
    return submission, report.findings


def screen_paths(paths: Sequence[str | Path], loaded: LoadedPlan, as_of: dt.date | None = None,
                 rules: str | None = None, workers: int | None = None) -> tuple[Screening, list[Finding]]:
    """Judge the submissions in files and folders; the newest version of each centre is used.

    Files are read in isolated worker processes (they come from outside). Returns the screening
    and the file-level findings of files that could not be used.
    """
    day = resolve_as_of(as_of, loaded.plan.year)
    ruleset = rules or loaded.plan.tier_rules
    load_warning_rules(load_ruleset(ruleset).warnings)  # a bad rule set is reported before any file is read
    newest: dict[str, tuple[tuple, Submission, list[Finding]]] = {}
    problems: list[Finding] = []
    files = [str(p) for p in _workbooks(paths)]
    for path, outcome in run_isolated(partial(_read_checked, loaded=loaded, day=day), files, workers):
        if isinstance(outcome, Crashed):
            problems.append(finding("file-unsafe", file=path, reason=outcome.reason))
            continue
        submission, findings = outcome
        if submission is None or submission.meta.centre is None:
            problems.extend(f for f in findings if f.row is None)
            continue
        meta = submission.meta
        stamps = [t for t in (meta.exported_at, submission.saved_at) if t is not None]
        key = (max(stamps) if stamps else dt.datetime.min, os.stat(path).st_mtime)
        current = newest.get(meta.centre)
        if current is None or key > current[0]:
            newest[meta.centre] = (key, submission, findings)
    items = [(s, f) for _, s, f in sorted(newest.values(), key=lambda v: v[1].file)]
    return screen_submissions(items, loaded, day, rules), problems


@dataclass(frozen=True)
class SheetScreening:
    """What the 评估 button writes: the 梯度评估 rows, and where each missing figure belongs."""

    screening: Screening | None
    rows: tuple[Any, ...]
    missing: tuple[Any, ...]
    problem: str | None = None  # why no screening could be made (no plan, no roster)


def screen_rows(sheets: Mapping[str, Sequence[Sequence[Any]]], file: str) -> SheetScreening:
    """The 评估 button's work on a workbook already read into rows (the Excel front door)."""
    from tidu.engine.check import plan_for
    from tidu.engine.reader import read_rows
    from tidu.engine.screen.layout import assessment_rows, missing_cells  # layout imports this module

    submission, findings = read_rows(sheets, file)
    loaded, plan_findings = plan_for(submission, None)
    if loaded is None:
        return SheetScreening(None, (), (), plan_findings[0].message if plan_findings else "无法确定计划")
    screening = screen_submission(submission, findings, loaded)
    return SheetScreening(screening, tuple(assessment_rows(screening)), tuple(missing_cells(screening, submission)))
