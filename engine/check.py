"""Checking one submitted workbook: read → validate → roll up → completion, pace and gaps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from engine.checks import Context, run_checks
from engine.plan import PlanError, PlanReport, load_plan_report
from engine.reader import read_rows, read_submission
from engine.rollup import Tally, clamp_as_of, progress, tally
from schemas.contract import SHEET_ORDER
from schemas.entries import Submission
from schemas.findings import Finding
from schemas.results import SubmissionReport


def _plan_for(submission: Submission | None, plan: PlanReport | None) -> PlanReport:
    """The plan given, else the one the workbook names (when shipped), else the newest."""
    if plan is not None:
        return plan
    plan_id = submission.meta.plan_id if submission else None
    if plan_id:
        try:
            return load_plan_report(plan_id)
        except (PlanError, FileNotFoundError, OSError):
            pass
    return load_plan_report()


_SHEETS = {name: i for i, name in enumerate(SHEET_ORDER)}


def _finding_order(f: Finding) -> tuple[int, int]:
    """Findings listed by sheet (in workbook order), then row; checks keep their order within."""
    return (_SHEETS.get(f.sheet or "", -1), f.row or 0)


def check_submission(submission: Submission, read_findings: list, plan: PlanReport,
                     as_of: dt.date | None = None) -> tuple[SubmissionReport, Tally]:
    """Validate and roll up an already-read submission; also returns its tally for consolidation."""
    assert plan.plan is not None
    the_plan = plan.plan
    day = clamp_as_of(as_of, the_plan.year)
    ctx = Context(submission, the_plan, plan.rules, day)
    findings = sorted(read_findings + run_checks(ctx), key=_finding_order)
    counts = tally(submission, the_plan, findings, day)
    targets = the_plan.targets(ctx.unit) if ctx.known_centre else [
        t.model_copy(update={"enterprises": None, "sessions": None}) for t in the_plan.targets(None)]
    report = SubmissionReport(
        file=submission.file,
        centre=submission.meta.centre,
        unit=ctx.unit if ctx.known_centre else submission.meta.unit,
        plan=the_plan.id,
        as_of=day,
        findings=findings,
        progress=progress(counts, targets, the_plan.year, day),
        stats={"enterprises": len(submission.enterprises), "activities": len(submission.activities),
               "participants": len(submission.participants)},
    )
    return report, counts


def check_file(path: str | Path, plan: PlanReport | None = None, as_of: dt.date | None = None) -> SubmissionReport:
    """Everything `tidu check` says about one file; a file that cannot be read is one finding."""
    the_plan = plan or load_plan_report()
    submission, findings = read_submission(path, the_plan.plan.tier_labels if the_plan.plan else ())
    if submission is None:
        return SubmissionReport(file=str(path), plan=the_plan.plan.id if the_plan.plan else None,
                                findings=findings)
    the_plan = _plan_for(submission, plan)
    report, _ = check_submission(submission, findings, the_plan, as_of)
    return report


def check_rows(sheets: Mapping[str, Sequence[Sequence[Any]]], file: str, plan: PlanReport | None = None,
               as_of: dt.date | None = None) -> SubmissionReport:
    """Everything `tidu check` says about a workbook whose sheets are already read into rows
    (the Excel front doors read an open workbook through xlwings and call this)."""
    tiers = (plan or load_plan_report()).plan.tier_labels
    submission, findings = read_rows(sheets, file, tiers)
    report, _ = check_submission(submission, findings, _plan_for(submission, plan), as_of)
    return report
