"""Consolidating a folder of submitted workbooks into the provincial picture (DESIGN §7).

Every file in the folder is accounted for: used, superseded (an older version from the same
centre), rejected (with the reason) or skipped (lock files, non-workbook files). Files are read
in isolated worker processes (see ``engine.isolation``); one broken file never stops the others.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any

from tidu.engine.check import check_read
from tidu.engine.isolation import Crashed, run_isolated
from tidu.engine.plan import load_plan
from tidu.engine.reader import read_submission
from tidu.engine.rollup import Tally, decide_tiers, progress, resolve_as_of, tier_conflicts
from tidu.schemas import contract as c
from tidu.schemas.catalogue import CATALOGUE, finding
from tidu.schemas.entries import Meta
from tidu.schemas.findings import Finding
from tidu.schemas.plan import LoadedPlan, Plan
from tidu.schemas.results import SubmissionReport, TierProgress

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".ods", ".et"}
REPORT_MARKER = "tidu-provincial-report"  # set as the report's docProps subject

USED, SUPERSEDED, REJECTED, SKIPPED = "used", "superseded", "rejected", "skipped"
STATUS_LABELS = {USED: "采用", SUPERSEDED: "被新版本取代", REJECTED: "拒收", SKIPPED: "跳过"}


@dataclass
class FileOutcome:
    """What reading one file gave (built in a worker, so only plain, picklable data)."""

    file: str
    report: SubmissionReport
    meta: Meta | None = None
    saved_at: dt.datetime | None = None
    tally: Tally | None = None


@dataclass
class FileStatus:
    file: str
    status: str
    centre: str | None = None
    unit: str | None = None
    reason: str = ""
    exported_at: dt.datetime | None = None
    saved_at: dt.datetime | None = None


class ClaimKind(StrEnum):
    """Several centres claiming one enterprise (DESIGN §5)."""

    COLLABORATION = "协同"  # all within one 附表3 unit, the provincial centre possibly among them
    CROSS_UNIT = "跨单位"  # claimers from two or more units: listed first for the analyst


@dataclass
class Consolidation:
    """The provincial picture; ``to_json`` is the `--json` contract of DESIGN §9."""

    plan: LoadedPlan
    as_of: dt.date
    files: list[FileStatus]
    missing: list[str]
    units: dict[str, list[TierProgress]]
    province: list[TierProgress]
    by_category: list[dict[str, Any]]
    duplicates: list[dict[str, Any]]
    findings: list[Finding]
    provincial_centre: list[TierProgress] | None = None
    reports: dict[str, SubmissionReport] = field(default_factory=dict)  # used files

    def to_json(self) -> dict[str, Any]:
        return {
            "plan": self.plan.plan.id,
            "as_of": self.as_of.isoformat(),
            "files": [{"file": f.file, "status": f.status, "centre": f.centre, "unit": f.unit, "reason": f.reason}
                      for f in self.files],
            "missing": self.missing,
            "units": [{"unit": unit, "progress": [p.to_json() for p in rows]} for unit, rows in self.units.items()],
            "province": {"progress": [p.to_json() for p in self.province], "by_category": self.by_category},
            "duplicates": self.duplicates,
            "findings": [f.to_json(with_file=True) for f in self.findings],
        }


def read_one(path: str, plan: LoadedPlan, as_of: dt.date) -> FileOutcome:
    """Read, validate and tally one file (runs in a worker process)."""
    submission, findings = read_submission(path)
    report, counts = check_read(submission, findings, path, plan, as_of)
    if submission is None:
        return FileOutcome(path, report)
    return FileOutcome(path, report, submission.meta, submission.saved_at, counts)


def _skip_reason(path: Path) -> str | None:
    name = path.name
    if name.startswith("~$") or name.startswith(".~lock."):
        return "Excel/WPS 打开文件时生成的临时锁定文件"
    if name.startswith("."):
        return "隐藏文件"
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return f"不是工作簿文件（扩展名 {path.suffix or '无'}）"
    return None


def _rejection(outcome: FileOutcome, registry: set[str]) -> str | None:
    """Why a read file cannot be used as a submission, or None."""
    file_level = [f for f in outcome.report.findings if CATALOGUE[f.code].rejects_file]
    if file_level:
        return "；".join(dict.fromkeys(f.message for f in file_level[:3]))
    meta = outcome.meta
    if meta is None or meta.centre is None or outcome.tally is None:
        return "不是本系统的标准台账（缺少 _meta 报送信息），请使用 tidu 生成的模板填报"
    if meta.centre not in registry:
        return f"报送单位“{meta.centre}”不在报送单位名录中"
    return None


def _version_key(outcome: FileOutcome, mtime: float) -> tuple:
    """Versions of one centre: the newer of the export and the saved time, then the file's mtime."""
    meta = outcome.meta
    stamps = [t for t in ((meta.exported_at if meta else None), outcome.saved_at) if t is not None]
    return (max(stamps) if stamps else dt.datetime.min, mtime)


def consolidate(directory: str | Path, plan: LoadedPlan | None = None, as_of: dt.date | None = None,
                exclude: tuple[Path, ...] = (), workers: int | None = None,
                on_file: Callable[[str], None] | None = None) -> Consolidation:
    """Consolidate every file under ``directory``; nothing in it is modified."""
    plan = plan or load_plan()
    the_plan = plan.plan
    day = resolve_as_of(as_of, the_plan.year)
    root = Path(directory)
    excluded = {p.resolve() for p in exclude}
    paths = sorted(p for p in root.rglob("*") if p.is_file() and p.resolve() not in excluded)
    statuses: dict[str, FileStatus] = {}
    to_read: list[str] = []
    for path in paths:
        reason = _skip_reason(path)
        if reason:
            statuses[str(path)] = FileStatus(str(path), SKIPPED, reason=reason)
            if on_file:
                on_file(str(path))
        else:
            to_read.append(str(path))
    worker = partial(read_one, plan=plan, as_of=day)
    registry = set(the_plan.centre_names())
    newest: dict[str, tuple[tuple, FileOutcome]] = {}  # centre → its newest version so far
    older: dict[str, list[FileOutcome]] = defaultdict(list)
    findings: dict[str, list[Finding]] = {}  # kept for used and rejected files only
    for path, outcome in run_isolated(worker, to_read, workers):
        if on_file:
            on_file(path)
        if isinstance(outcome, Crashed):
            statuses[path] = FileStatus(path, REJECTED, reason=outcome.reason)
            findings[path] = [finding("file-unsafe", file=path, reason=outcome.reason)]
            continue
        reason = _rejection(outcome, registry)
        meta = outcome.meta
        if reason:
            statuses[path] = FileStatus(path, REJECTED, meta.centre if meta else None, None, reason)
            findings[path] = _with_file(outcome.report.findings, path)
            continue
        assert meta is not None and meta.centre is not None
        key = _version_key(outcome, os.stat(path).st_mtime)
        current = newest.get(meta.centre)
        if current is None or key > current[0]:
            if current is not None:
                older[meta.centre].append(_drop_detail(current[1], findings))
            newest[meta.centre] = (key, outcome)
            findings[path] = _with_file(outcome.report.findings, path)
        else:
            older[meta.centre].append(_drop_detail(outcome, findings))

    used = [outcome for _, outcome in newest.values()]
    for centre, (_, outcome) in newest.items():
        unit = the_plan.unit_of(centre)
        statuses[outcome.file] = FileStatus(outcome.file, USED, centre, unit, "",
                                            outcome.meta.exported_at if outcome.meta else None, outcome.saved_at)
        for old in older[centre]:
            statuses[old.file] = FileStatus(old.file, SUPERSEDED, centre, unit,
                                            f"同一报送单位有更新的版本：{Path(outcome.file).name}",
                                            old.meta.exported_at if old.meta else None, old.saved_at)
    ordered = [f for path in to_read for f in findings.get(path, ())]
    return _assemble(plan, day, [statuses[str(p)] for p in paths], used, ordered)


def _with_file(findings: list[Finding], path: str) -> list[Finding]:
    return [f if f.file else f.model_copy(update={"file": path}) for f in findings]


def _drop_detail(outcome: FileOutcome, findings: dict[str, list[Finding]]) -> FileOutcome:
    """A superseded version keeps only what 报送情况 shows (memory stays bounded by centres)."""
    findings.pop(outcome.file, None)
    return FileOutcome(outcome.file, SubmissionReport(file=outcome.file), outcome.meta, outcome.saved_at)


def _assemble(plan: LoadedPlan, day: dt.date, files: list[FileStatus], used: list[FileOutcome],
              findings: list[Finding]) -> Consolidation:
    the_plan = plan.plan
    by_unit: dict[str, Tally] = {}
    province = Tally()
    provincial: Tally | None = None
    claims: dict[str, set[str]] = defaultdict(set)  # credit code → claiming centres
    for outcome in sorted(used, key=lambda o: (o.meta.centre if o.meta else "", o.file)):
        assert outcome.tally is not None and outcome.meta is not None and outcome.meta.centre is not None
        province = province.merge(outcome.tally)
        for code in outcome.tally.claims():
            claims[code].add(outcome.meta.centre)
        unit = the_plan.unit_of(outcome.meta.centre)
        if unit is None:
            provincial = outcome.tally if provincial is None else provincial.merge(outcome.tally)
        else:
            by_unit[unit] = by_unit[unit].merge(outcome.tally) if unit in by_unit else outcome.tally
    # One decision per enterprise for the whole consolidation, so units and the province agree.
    tiers = decide_tiers(province, the_plan)
    units = {u.name: progress(by_unit.get(u.name, Tally()), the_plan.targets(u.name), the_plan, day, tiers)
             for u in the_plan.annex3.units}
    centres_used = {o.meta.centre for o in used if o.meta}
    by_category = [{"category": cat, "tier": tier, "sessions": province.by_category[(cat, tier)],
                    "quota": the_plan.session_quota(cat, tier)}
                   for cat in the_plan.category_labels for tier in the_plan.tier_labels]
    return Consolidation(
        plan=plan, as_of=day, files=files,
        missing=[name for name in the_plan.centre_names() if name not in centres_used],
        units=units,
        province=progress(province, the_plan.province_targets(), the_plan, day, tiers),
        by_category=by_category, duplicates=_duplicates(claims, province, the_plan),
        findings=findings + _conflicts(province, the_plan),
        provincial_centre=None if provincial is None else progress(
            provincial, the_plan.targets(None), the_plan, day, tiers),
        reports={o.file: o.report for o in used},
    )


def claim_kind(centres: set[str], plan: Plan) -> ClaimKind:
    """协同 when every claimer belongs to one 附表3 unit (the provincial centre aside), else 跨单位."""
    units = {plan.unit_of(centre) for centre in centres} - {None}
    return ClaimKind.CROSS_UNIT if len(units) > 1 else ClaimKind.COLLABORATION


def _duplicates(claims: dict[str, set[str]], province: Tally, plan: Plan) -> list[dict[str, Any]]:
    rows = [{"uscc": code, "centres": sorted(centres), "kind": claim_kind(centres, plan).value,
             "names": [province.names[code]] if code in province.names else []}
            for code, centres in claims.items() if len(centres) > 1]
    return sorted(rows, key=lambda d: (d["kind"] != ClaimKind.CROSS_UNIT.value, d["uscc"]))


def _conflicts(province: Tally, plan: Plan) -> list[Finding]:
    """A tier-conflict warning per enterprise whose centres' rosters disagree, naming the centres."""
    out = []
    for code, claims in tier_conflicts(province, plan).items():
        detail = "；".join(f"{centre}：{tier}" for centre, tier in sorted(claims.items()))
        chosen = min(claims.values(), key=plan.tier_rank)
        out.append(finding("tier-conflict", sheet=c.ROSTER.name, column=c.ROSTER.column("tier").header,
                           value=code, detail=detail, tier=chosen))
    return out
