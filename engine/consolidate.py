"""Consolidating a folder of submitted workbooks into the provincial picture (DESIGN §7).

Every file in the folder is accounted for: used, superseded (an older version from the same
centre), rejected (with the reason) or skipped (lock files, non-workbook files). Files are read
in isolated worker processes (see ``engine.isolation``); one broken file never stops the others.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import islice
from operator import attrgetter
from pathlib import Path
from typing import Any

from tidu.engine.check import check_read
from tidu.engine.folder import Entry, display_name, walk
from tidu.engine.isolation import Crashed, Done, Later, paused_gc, run_isolated
from tidu.engine.plan import load_plan
from tidu.engine.reader import read_submission
from tidu.engine.rollup import (
    Tally,
    decide_tiers,
    highest_tier,
    progress,
    resolve_as_of,
    roster_tiers,
    served_by_tier,
    tier_conflicts,
)
from tidu.schemas import contract as c
from tidu.schemas.catalogue import CATALOGUE, finding
from tidu.schemas.entries import Meta
from tidu.schemas.findings import Finding, Severity
from tidu.schemas.plan import LoadedPlan, Plan
from tidu.schemas.results import ClaimKind, Consolidation, FileState, FileStatus, SubmissionReport

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".ods", ".et"}
REPORT_MARKER = "tidu-provincial-report"  # set as the report's docProps subject

USED, SUPERSEDED, REJECTED, SKIPPED = FileState.USED, FileState.SUPERSEDED, FileState.REJECTED, FileState.SKIPPED
STATUS_LABELS = {state: state.label for state in FileState}


@dataclass
class FileOutcome:
    """What reading one file gave (built in a worker, so only plain, picklable data)."""

    file: str  # the real path
    report: SubmissionReport
    meta: Meta | None = None
    saved_at: dt.datetime | None = None
    tally: Tally | None = None
    mtime: float = 0.0
    #: (severity, code) → how many findings this file has; always complete, whatever is listed
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    #: how the worker judged it: why it cannot be used (None: it can), its place among the centre's
    #: versions, the warnings about that place and what 报送情况 says of it (usable files only)
    rejected: str | None = None
    version: _Version | None = None
    claim_findings: list[Finding] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class ReadFile:
    """One file as its worker knows it once read and checked: what a per-file output (the
    centre's feedback file) is written from, in that worker, while the file's findings are at hand.

    ``rejected`` is the reason it cannot be used; ``note`` what 报送情况 will say of it when used.
    Whether a newer version of the same centre supersedes it is known only when every file is
    read: the caller then discards the outputs of superseded versions.
    """

    path: str
    shown: str
    centre: str
    rejected: str | None
    note: str
    report: SubmissionReport


#: Runs in the worker after each file whose centre is known; returns the path it wrote. It must be
#: a picklable top-level callable (a ``functools.partial`` of one is fine).
AfterRead = Callable[[ReadFile], str]


def read_one(path: str, plan: LoadedPlan, as_of: dt.date, detail: bool = True, now: dt.datetime | None = None,
             after_read: AfterRead | None = None) -> FileOutcome | Later:
    """Read, validate and tally one file (runs in a worker process).

    With ``detail`` False only the first errors and warnings travel back to the main process
    (with complete counts), so the cost of a finding there is a count, not a row. ``after_read``
    sees every finding; it runs in the worker after the outcome is sent (:class:`Later`), so the
    main process goes on with the outcome meanwhile.
    """
    submission, findings = read_submission(path, indicators=False)  # 企业指标 is for the screening
    shown = display_name(path)
    # Each file's own completion is for its feedback file and the detailed results only.
    report, counts = check_read(submission, findings, shown, plan, as_of, detail or after_read is not None)
    tallied = {(severity.value, code): n for (severity, code), n in Counter(map(_KIND, report.findings)).items()}
    full = report
    if not detail:
        report = replace(report, findings=_listed(report.findings))
    registry = _registry(plan)
    if submission is None:
        return _judged(FileOutcome(path, report, counts=tallied), registry, now)
    try:
        mtime = os.stat(path).st_mtime
    except OSError:  # gone since it was read: nothing to order it by, it cannot be used
        gone = finding("file-unreadable", file=shown, reason="文件在汇总过程中被删除或移走")
        return _judged(FileOutcome(path, SubmissionReport(file=shown, findings=[gone])), registry, now)
    outcome = _judged(FileOutcome(path, report, submission.meta, submission.saved_at, counts, mtime, tallied),
                      registry, now)
    centre = submission.meta.centre
    if after_read is not None and centre:
        return Later(outcome, partial(after_read, ReadFile(path, shown, centre, outcome.rejected, outcome.note, full)))
    return outcome


def _judged(outcome: FileOutcome, registry: frozenset[str], now: dt.datetime | None) -> FileOutcome:
    """The outcome with the worker's judgement: rejected or not, and for a usable file its version."""
    outcome.rejected = _rejection(outcome, registry)
    if outcome.rejected is None:
        assert outcome.meta is not None and outcome.meta.centre is not None
        outcome.version = _version(outcome, now or dt.datetime.now())
        outcome.claim_findings, outcome.note = _version_findings(outcome, outcome.version,
                                                                 display_name(outcome.file), outcome.meta.centre,
                                                                 registry)
    return outcome


#: A quick run (``detail=False``) lists at most this many errors, then this many warnings, of each
#: file (a sample for 问题清单; counts stay complete, and every finding is in the feedback file).
ERRORS_LISTED_PER_FILE = 100
WARNINGS_LISTED_PER_FILE = 10


_KIND = attrgetter("severity", "code")


def _listed(findings: list[Finding]) -> list[Finding]:
    return [*islice((f for f in findings if f.severity is Severity.ERROR), ERRORS_LISTED_PER_FILE),
            *islice((f for f in findings if f.severity is Severity.WARNING), WARNINGS_LISTED_PER_FILE)]


_REGISTRIES: dict[tuple[str, str], frozenset[str]] = {}


def _registry(plan: LoadedPlan) -> frozenset[str]:
    """The plan's centre names, once per process and plan file."""
    key = (plan.plan.id, plan.source)
    if key not in _REGISTRIES:
        _REGISTRIES[key] = frozenset(plan.plan.centre_names())
    return _REGISTRIES[key]


_DIGESTS: dict[tuple[int, int, int, int], str] = {}  # (device, inode, size, mtime_ns) → sha256


def _digest(path: str) -> str:
    """Content hash of a file: the last tie-breaker between versions (computed only for ties;
    once per file, so hard links of one file are hashed once)."""
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
            if key not in _DIGESTS:
                import hashlib  # here: rarely needed (two versions tie on every time)

                digest = hashlib.sha256()
                while block := fh.read(1 << 20):
                    digest.update(block)
                _DIGESTS[key] = digest.hexdigest()
            return _DIGESTS[key]
    except OSError:
        return ""


def _skip_reason(path: str) -> str | None:
    name = os.path.basename(display_name(path))
    if name.startswith("~$") or name.startswith(".~lock."):
        return "Excel/WPS 打开文件时生成的临时锁定文件"
    if name.startswith("."):
        return "隐藏文件"
    suffix = os.path.splitext(name)[1]
    if suffix.lower() not in WORKBOOK_SUFFIXES:
        return f"不是工作簿文件（扩展名 {suffix or '无'}）"
    return None


def _rejection(outcome: FileOutcome, registry: frozenset[str]) -> str | None:
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


#: An export time this far after the file's own save time (or after now) is not believed.
_CLOCK_SLACK = dt.timedelta(days=1)


@dataclass(frozen=True)
class _Version:
    """How one centre's versions are ordered: the newer of export and save time, then the file's
    modification time, then its content hash (so equal times give the same choice on every run).
    The hash is taken only when two versions tie on the times (:func:`_settle`)."""

    when: dt.datetime
    mtime: float
    path: str
    suspect: bool  # the export time was not believed (in the future, or far after the save time)
    sha256: str = ""

    def key(self) -> tuple:
        return (self.when, self.mtime, self.sha256)

    def ties(self, other: _Version) -> bool:
        return (self.when, self.mtime) == (other.when, other.mtime)

    def hashed(self) -> _Version:
        return self if self.sha256 else replace(self, sha256=_digest(self.path))


def _version(outcome: FileOutcome, now: dt.datetime) -> _Version:
    meta = outcome.meta
    exported, saved = (meta.exported_at if meta else None), outcome.saved_at
    suspect = exported is not None and (exported > now + _CLOCK_SLACK
                                        or (saved is not None and exported > saved + _CLOCK_SLACK))
    if suspect and saved is not None and saved > now + _CLOCK_SLACK:
        saved = None  # a save time in the future is not believed either
    stamps = [t for t in (None if suspect else exported, saved) if t is not None]
    return _Version(max(stamps) if stamps else dt.datetime.min, outcome.mtime, outcome.file, suspect)


def _name_claims_other(path: str, centre: str, registry: frozenset[str]) -> str | None:
    """Another registry centre named in the file's name (the engine goes by _meta: said, not used)."""
    name = os.path.basename(display_name(path))
    others = [c for c in registry if c != centre and c in name and c not in centre]
    return max(others, key=len) if others else None


class StagedFiles(Mapping[str, str]):
    """File (as shown) → what ``after_read`` wrote for it in a worker; none where that failed or
    the worker died (the caller writes that file again). Some may still be being written when the
    consolidation returns: the first look waits for them (:meth:`close` stops them instead)."""

    def __init__(self) -> None:
        self._paths: dict[str, str] = {}
        self._rest: Iterator[tuple[Any, Any]] | None = None

    def add(self, path: str, written: Any) -> None:
        if isinstance(written, str):
            self._paths[display_name(path)] = written

    def wait_for(self, rest: Iterator[tuple[Any, Any]]) -> None:
        self._rest = rest

    def _settle(self) -> dict[str, str]:
        if self._rest is not None:
            for path, event in self._rest:  # kept until drained: an interruption here can still close it
                if isinstance(event, Done):
                    self.add(path, event.value)
            self._rest = None
        return self._paths

    def close(self) -> None:
        """Stop waiting: the workers still writing are ended (what they wrote stays unused)."""
        rest, self._rest = self._rest, None
        if rest is not None:
            rest.close()  # type: ignore[attr-defined]

    def __getitem__(self, shown: str) -> str:
        return self._settle()[shown]

    def __iter__(self) -> Iterator[str]:
        return iter(self._settle())

    def __len__(self) -> int:
        return len(self._settle())


@paused_gc()  # tens of thousands of objects arrive from the workers; none form cycles
def consolidate(directory: str | Path, plan: LoadedPlan | None = None, as_of: dt.date | None = None,
                exclude: tuple[Path, ...] = (), workers: int | None = None,
                on_file: Callable[[str], None] | None = None, now: dt.datetime | None = None,
                detail: bool = True, after_read: AfterRead | None = None) -> Consolidation:
    """Consolidate every entry under ``directory``; nothing in it is modified or followed out of it.

    ``detail`` False keeps only the first errors and warnings of each file (complete counts):
    the report's 问题清单 needs no more, and every finding is in the feedback files. Nor, unless
    ``after_read`` is given, are the files' own progress rows (``reports``) worked out.
    ``after_read`` runs in the worker on each file with a known centre (see :class:`ReadFile`);
    what it wrote is in ``staged`` of the result, for every version, superseded ones included.
    """
    plan = plan or load_plan()
    the_plan = plan.plan
    day = resolve_as_of(as_of, the_plan.year)
    now = now or dt.datetime.now()
    entries = walk(directory, frozenset(os.path.abspath(p) for p in exclude))
    statuses: dict[str, FileStatus] = {}
    readable: list[Entry] = []
    for entry in entries:
        reason = entry.skip or _skip_reason(entry.path)
        if reason:
            statuses[entry.path] = FileStatus(display_name(entry.path), SKIPPED, reason=reason)
            if on_file:
                on_file(entry.path)
        else:
            readable.append(entry)
    to_read = [entry.path for entry in readable]
    worker = partial(read_one, plan=plan, as_of=day, detail=detail, now=now, after_read=after_read)
    fold, refold = _Fold(the_plan), False  # added up as versions arrive; again at the end if one was replaced
    events = run_isolated(worker, _largest_first(readable), workers)
    staged = StagedFiles()  # shown name → what after_read wrote
    left = len(to_read)
    newest: dict[str, tuple[_Version, FileOutcome]] = {}  # centre → its newest version so far
    older: dict[str, list[tuple[_Version, FileOutcome, str]]] = defaultdict(list)  # superseded, with why
    findings: dict[str, list[Finding]] = {}  # kept for used and rejected files only
    counts: dict[str, dict[tuple[str, str], int]] = {}  # likewise, complete counts by file
    notes: dict[str, str] = {}  # path → what 报送情况 says of a used file

    def take(path: str, outcome: FileOutcome | Crashed) -> None:
        """One file's outcome into the above: its status, findings and counts; the newest version
        of its centre added up (or, when it replaces one already added, a refold at the end)."""
        nonlocal refold
        shown = display_name(path)
        if on_file:
            on_file(path)
        if isinstance(outcome, Crashed):
            statuses[path] = FileStatus(shown, REJECTED, reason=outcome.reason)
            findings[path] = [finding("file-unsafe", file=shown, reason=outcome.reason)]
            return
        meta = outcome.meta
        counts[path] = outcome.counts
        if outcome.rejected:
            statuses[path] = FileStatus(shown, REJECTED, meta.centre if meta else None, None, outcome.rejected)
            findings[path] = _with_file(outcome.report.findings, shown)
            return
        assert meta is not None and meta.centre is not None and outcome.version is not None
        version, extra, note = outcome.version, outcome.claim_findings, outcome.note
        current = newest.get(meta.centre)
        if current is not None and version.ties(current[0]):  # equal times: the content hash decides
            version, current = version.hashed(), (current[0].hashed(), current[1])
        if current is None or version.key() > current[0].key():
            if current is not None:
                older[meta.centre].append((current[0], _drop_detail(current[1], findings),
                                           _superseded_reason(outcome, version, current[0])))
                notes.pop(current[1].file, None)
                counts.pop(current[1].file, None)
                refold = True
            elif not refold:
                fold.add(outcome)
            newest[meta.centre] = (version, outcome)
            findings[path] = _with_file(outcome.report.findings, shown) + extra
            for f in extra:
                counts[path][(f.severity.value, f.code)] = counts[path].get((f.severity.value, f.code), 0) + 1
            if note:
                notes[path] = note
        else:
            older[meta.centre].append((version, _drop_detail(outcome, findings),
                                       _superseded_reason(current[1], current[0], version)))
            counts.pop(path, None)

    try:
        for path, outcome in events:
            if isinstance(outcome, Done):
                staged.add(path, outcome.value)
                continue
            take(path, outcome)
            left -= 1
            if not left and after_read is not None:
                # The workers still write the last files' outputs (after_read): they finish while the
                # caller makes the report, and ``staged`` waits for them when it is first looked at.
                staged.wait_for(events)
                break
    except BaseException:  # stopped here (Ctrl-C, SIGTERM, a bug) and not in the pool: end the workers now
        events.close()
        raise

    used = [outcome for _, outcome in newest.values()]
    for centre, (_, outcome) in newest.items():
        unit = the_plan.unit_of(centre)
        statuses[outcome.file] = FileStatus(display_name(outcome.file), USED, centre, unit,
                                            notes.get(outcome.file, ""),
                                            outcome.meta.exported_at if outcome.meta else None, outcome.saved_at)
        for _, old, why in older[centre]:
            statuses[old.file] = FileStatus(display_name(old.file), SUPERSEDED, centre, unit, why,
                                            old.meta.exported_at if old.meta else None, old.saved_at)
    ordered = [f for path in to_read for f in findings.get(path, ())]
    if refold:
        fold = _Fold.of(the_plan, used)
    result = _assemble(plan, day, [statuses[e.path] for e in entries], used, ordered, fold)
    result.finding_counts = {display_name(path): dict(c) for path, c in counts.items()}
    result.paths = {display_name(e.path): e.path for e in entries}
    result.complete = detail
    for centre in newest:
        if older[centre]:  # the newest of the superseded versions, in the order versions are chosen by
            result.previous[centre] = max(_settle(older[centre]), key=lambda o: o[0].key())[1].report
    result.staged = staged
    return result


def _largest_first(entries: list[Entry]) -> list[str]:
    """The files in the order to hand them to the workers: the largest first, so the last ones
    are small and no worker waits long for the other at the end."""
    return [entry.path for entry in sorted(entries, key=attrgetter("size"), reverse=True)]


def _settle(versions: list[tuple[_Version, FileOutcome, str]]) -> list[tuple[_Version, FileOutcome, str]]:
    """Versions with their content hash taken wherever two of them tie on the times."""
    times = Counter((v.when, v.mtime) for v, _, _ in versions)
    return [(v.hashed() if times[(v.when, v.mtime)] > 1 else v, o, why) for v, o, why in versions]


def _version_findings(outcome: FileOutcome, version: _Version, shown: str, centre: str,
                      registry: frozenset[str]) -> tuple[list[Finding], str]:
    """Warnings about how a version claims its place, and the note 报送情况 shows for it."""
    out, notes = [], []
    meta = outcome.meta
    if version.suspect and meta is not None and meta.exported_at is not None:
        out.append(finding("version-time-suspect", file=shown, sheet=c.META, column=c.META_KEYS["exported_at"],
                           value=meta.exported_at.isoformat(sep=" ")))
        notes.append("导出时间不可信，按保存时间排序")
    other = _name_claims_other(outcome.file, centre, registry)
    if other:
        out.append(finding("centre-name-mismatch", file=shown, sheet=c.META, column=c.META_KEYS["centre"],
                           value=centre, other=other))
        notes.append(f"文件名像是“{other}”的，但台账登记的报送单位是“{centre}”")
    return out, "；".join(notes)


def _superseded_reason(winner: FileOutcome, won: _Version, lost: _Version) -> str:
    name = os.path.basename(display_name(winner.file))
    if won.ties(lost):
        return f"与“{name}”的导出、保存和修改时间都相同，按文件内容摘要确定采用“{name}”（请确认哪一份是最终版本）"
    why = "（其导出时间不可信，按保存时间比较）" if won.suspect else ""
    return f"同一报送单位有更新的版本：{name}{why}"


def _with_file(findings: list[Finding], path: str) -> list[Finding]:
    return [f if f.file else f.with_file(path) for f in findings]


def _drop_detail(outcome: FileOutcome, findings: dict[str, list[Finding]]) -> FileOutcome:
    """A superseded version keeps only what 报送情况 and the change note show: its progress and
    its finding counts (memory stays bounded by the number of centres, not of files)."""
    findings.pop(outcome.file, None)
    summary = SubmissionReport(file=outcome.report.file, centre=outcome.report.centre, as_of=outcome.report.as_of,
                               progress=outcome.report.progress,
                               stats={f"{severity}s": n for severity in ("error", "warning", "info")
                                      if (n := sum(v for (s, _), v in outcome.counts.items() if s == severity))})
    return FileOutcome(outcome.file, summary, outcome.meta, outcome.saved_at, None, outcome.mtime)


@dataclass
class _Fold:
    """The used versions added up as they arrive: the province, each 附表3 unit, the provincial
    centre's own work, and which centres claim each enterprise."""

    plan: Plan
    province: Tally = field(default_factory=Tally)
    by_unit: defaultdict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    provincial: Tally | None = None
    first: dict[str, str] = field(default_factory=dict)  # credit code → the first centre to claim it
    shared: dict[str, set[str]] = field(default_factory=dict)  # code → its centres, when more than one

    def add(self, outcome: FileOutcome) -> None:
        assert outcome.tally is not None and outcome.meta is not None and outcome.meta.centre is not None
        self.province.absorb(outcome.tally)
        centre = outcome.meta.centre
        codes, first = outcome.tally.claims(), self.first
        known = codes & first.keys()  # whole-set steps: few enterprises are claimed twice
        first.update(dict.fromkeys(codes - known, centre))
        for code in known:
            if first[code] != centre:
                self.shared.setdefault(code, {first[code]}).add(centre)
        unit = self.plan.unit_of(centre)
        if unit is None:
            self.provincial = (self.provincial or Tally()).absorb(outcome.tally)
        else:
            self.by_unit[unit].absorb(outcome.tally)

    @classmethod
    def of(cls, plan: Plan, used: list[FileOutcome]) -> _Fold:
        fold = cls(plan)
        for outcome in used:
            fold.add(outcome)
        return fold


def _by_centre(used: list[FileOutcome]) -> list[FileOutcome]:
    return sorted(used, key=lambda o: (o.meta.centre if o.meta else "", o.file))


def _assemble(plan: LoadedPlan, day: dt.date, files: list[FileStatus], used: list[FileOutcome],
              findings: list[Finding], fold: _Fold) -> Consolidation:
    the_plan = plan.plan
    province, by_unit, provincial = fold.province, fold.by_unit, fold.provincial
    # One decision per enterprise for the whole consolidation, so units and the province agree.
    top = roster_tiers(province, the_plan)
    tiers = decide_tiers(province, the_plan, top)
    units = {u.name: progress(by_unit.get(u.name, Tally()), the_plan.targets(u.name), the_plan, day, tiers)
             for u in the_plan.annex3.units}
    served = served_by_tier(province, tiers)  # the province's row and the provincial centre's
    centres_used = {o.meta.centre for o in used if o.meta}
    registry = the_plan.registry
    listed = {**top, **{code: registry[code] for code in top.keys() & registry.keys()}}  # the registry wins
    by_category = [{"category": cat, "tier": tier, "sessions": province.by_category[(cat, tier)],
                    "quota": the_plan.session_quota(cat, tier)}
                   for cat in the_plan.category_labels for tier in the_plan.tier_labels]
    return Consolidation(
        plan=plan, as_of=day, files=files,
        missing=[name for name in the_plan.centre_names() if name not in centres_used],
        units=units,
        province=progress(province, the_plan.province_targets(), the_plan, day, tiers, served=served),
        by_category=by_category, duplicates=_duplicates(fold.shared, _by_centre(used), the_plan),
        findings=findings + _conflicts(province, the_plan, fold.shared),
        # 协同省中心: the provincial centre's targets are the province's and are met together with
        # the units, so its row shows the province's figures; its own work is provincial_own.
        provincial_centre=progress(province, the_plan.targets(None), the_plan, day, tiers, served=served),
        provincial_own=None if provincial is None else progress(
            provincial, the_plan.targets(None), the_plan, day, tiers, pace=False),
        reports={o.file: o.report for o in used},
        unit_by_category={u: dict(t.by_category) for u, t in by_unit.items()},
        roster_by_tier=dict(Counter(listed.values())),
    )


def claim_kind(centres: set[str], plan: Plan) -> ClaimKind:
    """协同 when every claimer belongs to one 附表3 unit (the provincial centre aside), else 跨单位."""
    units = {plan.unit_of(centre) for centre in centres} - {None}
    return ClaimKind.CROSS_UNIT if len(units) > 1 else ClaimKind.COLLABORATION


def _duplicates(shared: dict[str, set[str]], used: list[FileOutcome], plan: Plan) -> list[dict[str, Any]]:
    names: dict[str, str] = {}  # the first name seen, in centre order (not the order files were read in)
    for outcome in used:
        assert outcome.tally is not None
        known = outcome.tally.names
        for code in known.keys() & shared.keys():
            names.setdefault(code, known[code])
    rows = [{"uscc": code, "centres": sorted(centres), "kind": claim_kind(centres, plan).value,
             "names": [names[code]] if code in names else []}
            for code, centres in shared.items()]
    return sorted(rows, key=lambda d: (d["kind"] != ClaimKind.CROSS_UNIT.value, d["uscc"]))


def _conflicts(province: Tally, plan: Plan, shared: dict[str, set[str]]) -> list[Finding]:
    """A tier-conflict warning per enterprise whose centres' rosters disagree, naming the centres
    (looked for among the enterprises ``shared`` by several centres)."""
    out = []
    for code, claims in tier_conflicts(province, plan, shared).items():
        detail = "；".join(f"{centre}：{tier}" for centre, tier in sorted(claims.items()))
        chosen = highest_tier(claims.values(), plan)
        out.append(finding("tier-conflict", sheet=c.ROSTER.name, column=c.ROSTER.column("tier").header,
                           value=code, detail=detail, tier=chosen))
    return out
