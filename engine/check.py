"""Checking one submitted workbook: read → choose its plan → validate → roll up → completion and pace.

A workbook is checked against the plan its ``_meta`` names: the plan the analyst gave, or a
shipped plan looked up by id (never a path taken from the file). A workbook of another or an
unknown plan gets a file-level finding, never a silent fallback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import partial
from itertools import repeat
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

from tidu.engine.checks import Context, checked
from tidu.engine.folder import display_name
from tidu.engine.isolation import Crashed, run_isolated
from tidu.engine.plan import load_plan, shipped_plan, shipped_plans
from tidu.engine.reader import read_rows, read_submission
from tidu.engine.rollup import AsOfOutsideYear, Tally, progress, resolve_as_of, tally
from tidu.schemas import contract as c
from tidu.schemas.catalogue import finding
from tidu.schemas.entries import Submission
from tidu.schemas.findings import Finding
from tidu.schemas.plan import LoadedPlan
from tidu.schemas.results import SubmissionReport


def plan_for(submission: Submission, given: LoadedPlan | None) -> tuple[LoadedPlan | None, list[Finding]]:
    """The plan to check a workbook against, and what is wrong with its plan id."""
    plan_id = submission.meta.plan_id
    at = {"file": submission.file, "sheet": c.META, "column": c.META_KEYS["plan_id"]}
    if given is not None:
        if plan_id and plan_id != given.plan.id:
            return given, [finding("plan-other", value=plan_id, expected=given.plan.id, **at)]
        return given, []
    if not plan_id:
        if submission.meta.centre is None:
            return load_plan(), []  # not a tidu workbook at all: meta-missing says so
        fallback = load_plan()
        return fallback, [finding("plan-id-missing", expected=fallback.plan.id, **at)]
    found = shipped_plan(plan_id)
    if found is None:
        return None, [finding("plan-unknown", value=plan_id, known="、".join(shipped_plans()) or "无", **at)]
    return found, []


_SHEETS = {name: i for i, name in enumerate(c.SHEET_ORDER)}


def in_sheet_order(findings: list[Finding]) -> list[Finding]:
    """Findings listed by sheet (in workbook order), then row; checks keep their order within.

    The sort keys are built at C speed (a file has thousands of findings): the sheet's place,
    the row (0 for none) and the finding's own place, which keeps equal keys in order.
    """
    places = map(_SHEETS.get, map(attrgetter("sheet"), findings), repeat(-1))
    rows = [row or 0 for row in map(attrgetter("row"), findings)]
    keys = sorted(zip(places, rows, range(len(findings)), strict=True))
    return list(map(findings.__getitem__, map(itemgetter(2), keys)))


def check_submission(submission: Submission, read_findings: list[Finding], plan: LoadedPlan,
                     as_of: dt.date | None = None, with_progress: bool = True) -> tuple[SubmissionReport, Tally]:
    """Validate and roll up an already-read submission; also returns its tally for consolidation.

    ``with_progress`` False leaves the report's progress empty (a consolidation that only adds up
    the tallies has no use for each file's own completion).
    Raises :class:`~tidu.engine.rollup.AsOfOutsideYear` for an explicit date outside the plan year.
    """
    the_plan = plan.plan
    day = resolve_as_of(as_of, the_plan.year)
    ctx = Context(submission, the_plan, plan.rules, day, read_findings)
    found, voided = checked(ctx)
    findings = in_sheet_order(read_findings + found)
    counts = tally(submission, the_plan, findings, day, voided=voided)
    report = SubmissionReport(
        file=submission.file,
        centre=submission.meta.centre,
        unit=ctx.unit if ctx.known_centre else submission.meta.unit,
        plan=the_plan.id,
        as_of=day,
        findings=findings,
        progress=progress(counts, ctx.targets, the_plan, day, pace=not ctx.shared_without_split)
        if with_progress else [],
        stats={"enterprises": len(submission.enterprises), "activities": len(submission.activities),
               "participants": len(submission.participants)},
    )
    return report, counts


def check_read(submission: Submission | None, findings: list[Finding], file: str, plan: LoadedPlan | None,
               as_of: dt.date | None, with_progress: bool = True) -> tuple[SubmissionReport, Tally | None]:
    """Choose the plan of a read workbook and check it; an unreadable file is its findings."""
    if submission is None:
        return SubmissionReport(file=file, plan=plan.plan.id if plan else None, findings=findings), None
    chosen, plan_findings = plan_for(submission, plan)
    if chosen is None:
        return SubmissionReport(file=file, centre=submission.meta.centre, unit=submission.meta.unit,
                                plan=submission.meta.plan_id, findings=findings + plan_findings), None
    return check_submission(submission, findings + plan_findings, chosen, as_of, with_progress)


def check_file(path: str | Path, plan: LoadedPlan | None = None, as_of: dt.date | None = None) -> SubmissionReport:
    """Everything `tidu check` says about one file; a file that cannot be read is one finding."""
    submission, findings = read_submission(path, indicators=False)  # 企业指标 is for the screening
    return check_read(submission, findings, display_name(path), plan, as_of)[0]


def _check_worker(path: str, plan: LoadedPlan | None, as_of: dt.date | None) -> SubmissionReport | tuple:
    try:
        return check_file(path, plan, as_of)
    except AsOfOutsideYear as exc:  # a usage error, raised again in the caller's process
        return ("as-of-outside-year", exc.as_of, exc.year)


def check_files(paths: Sequence[str | Path], plan: LoadedPlan | None = None, as_of: dt.date | None = None,
                workers: int | None = None) -> list[SubmissionReport]:
    """`tidu check` on several files, each read in an isolated worker process (as consolidation
    reads them): a file that crashes the reader is reported, the others go on. Input order kept."""
    items = [str(p) for p in paths]
    done = dict(run_isolated(partial(_check_worker, plan=plan, as_of=as_of), items, workers))
    for result in done.values():
        if isinstance(result, tuple):
            raise AsOfOutsideYear(result[1], result[2])
    return [_crash_report(item, result) if isinstance(result, Crashed) else result
            for item, result in ((item, done[item]) for item in items)]


def _crash_report(item: str, crashed: Crashed) -> SubmissionReport:
    return SubmissionReport(file=display_name(item), findings=[finding("file-unsafe", file=display_name(item),
                                                                       reason=crashed.reason)])


def check_rows(sheets: Mapping[str, Sequence[Sequence[Any]]], file: str, plan: LoadedPlan | None = None,
               as_of: dt.date | None = None) -> SubmissionReport:
    """Everything `tidu check` says about a workbook whose sheets are already read into rows
    (the Excel front doors read an open workbook through xlwings and call this)."""
    submission, findings = read_rows(sheets, file)
    return check_read(submission, findings, file, plan, as_of)[0]
