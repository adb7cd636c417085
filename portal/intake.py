"""One upload, start to finish: store the bytes, examine them in an isolated worker, one ledger row.

The order makes a crash harmless: the file is written (by content hash) first, the ledger row is
one transaction last. A crash in between leaves an unreferenced file, never a row without its
file. The worker — a separate process with a memory and CPU cap (``tidu.engine.isolation``) —
reads the workbook, so a file that crashes its reader costs that upload only; the server goes
on. The marked copy is written the same way, on its first download (openpyxl takes seconds
over a full workbook, which an upload's answer should not wait for).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import queue
import secrets
import threading
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tidu.engine.check import check_file
from tidu.engine.isolation import Crashed, run_isolated
from tidu.portal.ledger import Ledger, UploadRow, UploadStatus, now
from tidu.portal.marking import write_marked
from tidu.portal.store import MAX_UPLOAD, store
from tidu.schemas.catalogue import CATALOGUE, finding
from tidu.schemas.findings import Severity
from tidu.schemas.plan import LoadedPlan
from tidu.schemas.results import SubmissionReport


@dataclass(frozen=True)
class Job:
    """What the worker needs (plain, picklable data)."""

    path: str
    centre: str
    plan: LoadedPlan


@dataclass(frozen=True)
class Examined:
    report: SubmissionReport
    reason: str  # why the upload is refused; "" when it is used


@dataclass(frozen=True)
class MarkJob:
    path: str
    plan: LoadedPlan
    as_of: dt.date | None
    target: str


def rejection(report: SubmissionReport, centre: str) -> str:
    """Why an upload cannot stand as this centre's submission ("" if it can): the file-level errors
    consolidation rejects a file for, or a workbook whose ``_meta`` names another centre."""
    file_level = [f for f in report.findings if CATALOGUE[f.code].rejects_file]
    if file_level:
        return "；".join(dict.fromkeys(f.message for f in file_level[:3]))
    if report.centre != centre:
        return finding("upload-other-centre", value=report.centre, centre=centre).message
    return ""


def examine(job: Job) -> Examined:
    """Check the stored file and decide whether it stands as the centre's upload (runs in the worker)."""
    report = check_file(job.path, job.plan)
    reason = rejection(report, job.centre)
    if reason and report.centre is not None and report.centre != job.centre:
        report.findings.insert(0, finding("upload-other-centre", value=report.centre, centre=job.centre))
    return Examined(report, reason)


def mark(job: MarkJob) -> bool:
    """Check the stored file again (same plan and date, so the same findings) and write its marked
    copy (runs in the worker: it opens the uploaded file with openpyxl)."""
    return write_marked(job.path, job.target, check_file(job.path, job.plan, job.as_of))


# Marked copies written at once: more would only queue for the same cores (and each worker can
# take up to the isolation's memory cap).
_SLOTS = threading.BoundedSemaphore(2)


def _isolated(fn: Any, job: Any) -> Any:
    """``fn(job)`` in a worker process of its own (a Crashed when the worker dies)."""
    with _SLOTS:
        for _, result in run_isolated(fn, [job], workers=1):
            return result
    raise AssertionError("run_isolated yields one result per item")


class _Batches:
    """Uploads that arrive together are examined together: one ``run_isolated`` over the batch,
    whose worker processes start once and take the files in turn (one per core), so a burst of
    46 centres pays for one pool, not 46. A worker crash still costs only the file that caused it
    (run_isolated retries what was in flight one at a time)."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1
        self._waiting: queue.SimpleQueue[tuple[Job, Future[Any]]] = queue.SimpleQueue()
        self._started = False
        self._lock = threading.Lock()

    def examine(self, job: Job) -> Any:
        """``examine(job)`` or a Crashed, once the batch it joined has run."""
        done: Future[Any] = Future()
        self._waiting.put((job, done))
        with self._lock:
            if not self._started:  # a daemon thread: it must not keep the server from stopping
                threading.Thread(target=self._loop, name="tidu-examine", daemon=True).start()
                self._started = True
        return done.result()

    def _loop(self) -> None:
        while True:
            batch = [self._waiting.get()]
            with contextlib.suppress(queue.Empty):
                while True:
                    batch.append(self._waiting.get_nowait())
            pending = {id(job): done for job, done in batch}
            try:
                for job, result in run_isolated(examine, [job for job, _ in batch], self.workers):
                    pending.pop(id(job)).set_result(result)
            except Exception as exc:  # the pool itself failed: every upload of the batch says so
                for done in pending.values():
                    done.set_exception(exc)
            for done in pending.values():
                if not done.done():
                    done.set_exception(RuntimeError("examination lost"))


_BATCHES = _Batches()


def _examine_isolated(job: Job) -> Examined:
    result = _BATCHES.examine(job)
    if isinstance(result, Crashed):
        crash = finding("file-unsafe", reason=result.reason)
        return Examined(SubmissionReport(file=job.path, findings=[crash]), crash.message)
    return result


def receive(ledger: Ledger, plan: LoadedPlan, centre: str, chunks: Iterable[bytes], suffix: str,
            limit: int = MAX_UPLOAD) -> UploadRow:
    """Store, examine and record one upload of ``centre``; returns its ledger row.

    Raises :class:`tidu.portal.store.TooLarge` past ``limit`` (nothing is recorded then).
    """
    data = ledger.data_dir
    stored = store(data, chunks, suffix, limit)
    token = secrets.token_hex(16)
    examined = _examine_isolated(Job(str(stored.path(data)), centre, plan))
    report = examined.report
    markable = not examined.reason and Path(stored.relative).suffix in OPENPYXL_SUFFIXES
    record: dict[str, Any] = {
        "token": token, "centre": centre, "received_at": now(), "sha256": stored.sha256, "size": stored.size,
        "stored": stored.relative, "status": UploadStatus.REJECTED if examined.reason else UploadStatus.USED,
        "reason": examined.reason, "workbook_centre": report.centre, "valid": report.valid and not examined.reason,
        "errors": len(report.errors), "warnings": sum(1 for f in report.findings if f.severity == Severity.WARNING),
        "counts": report.stats, "findings": [f.to_json() for f in report.findings],
        "progress": [p.to_json() for p in report.progress],
        "as_of": report.as_of.isoformat() if report.as_of else None,
        # The marked copy is written on first download (openpyxl needs seconds for a full workbook).
        "marked": f"marked/{token[:2]}/{token}.xlsx" if markable else None,
    }
    upload_id = ledger.add_upload(record)
    row = ledger.upload(upload_id)
    assert row is not None
    return row


OPENPYXL_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm"}
_MARKING: dict[str, threading.Lock] = {}
_MARKING_LOCK = threading.Lock()


def marked_path(ledger: Ledger, plan: LoadedPlan, row: UploadRow) -> Path | None:
    """The marked copy of an upload, written now if it was not yet; None if it cannot have one."""
    if row.marked is None:
        return None
    target = ledger.data_dir / row.marked
    with _MARKING_LOCK:
        lock = _MARKING.setdefault(row.token, threading.Lock())
    with lock:  # two downloads of the same upload at once write it once
        if not target.is_file():
            as_of = dt.date.fromisoformat(row.as_of) if row.as_of else None
            done = _isolated(mark, MarkJob(str(ledger.data_dir / row.stored), plan, as_of, str(target)))
            if done is not True:
                return None
    return target
