"""The province's view: every centre's status, the 催报 list, and consolidation of the latest uploads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from tidu.engine.consolidate import Consolidation, consolidate
from tidu.engine.normalize import looks_like_formula, safe_filename, safe_text
from tidu.engine.rollup import total
from tidu.portal.ledger import Ledger, UploadRow, UploadStatus
from tidu.schemas.plan import LoadedPlan
from tidu.schemas.results import TierProgress
from tidu.workbook.report import write_report


class CentreStatus(StrEnum):
    """A centre on the board (DESIGN §12)."""

    SUBMITTED = "submitted"  # at least one upload was used
    MISSING = "missing"  # nothing uploaded yet
    REJECTED = "rejected"  # uploaded, but every upload was refused


STATUS_LABELS = {CentreStatus.SUBMITTED: "已报送", CentreStatus.MISSING: "未报送", CentreStatus.REJECTED: "被拒收"}


@dataclass(frozen=True)
class BoardRow:
    index: int  # position in the plan's registry (names the centre in URLs)
    centre: str
    unit: str | None
    status: CentreStatus
    uploads: int
    last: UploadRow | None  # the newest upload, used or not
    used: UploadRow | None  # the newest used upload
    completion: float | None  # sessions done / target over the tiers with a target, newest used upload

    @property
    def errors(self) -> int | None:
        return self.last.errors if self.last else None

    def to_json(self) -> dict[str, Any]:
        return {"centre": self.centre, "unit": self.unit, "status": str(self.status),
                "last_upload": self.last.received_at if self.last else None, "errors": self.errors,
                "last_status": str(self.last.status) if self.last else None, "uploads": self.uploads,
                "completion": self.completion}


def completion(row: UploadRow, year: int) -> float | None:
    """Share of the year's session target done, over the tiers that have one (engine's totals row)."""
    if not row.progress:
        return None
    tiers = [TierProgress(**p) for p in row.progress]
    as_of = dt.date.fromisoformat(row.as_of) if row.as_of else dt.date.today()
    return total(tiers, as_of, year).sessions_rate


def board(ledger: Ledger, plan: LoadedPlan) -> list[BoardRow]:
    """One row per centre of the registry, in the plan's order."""
    the_plan = plan.plan
    last = ledger.latest_per_centre()
    used = ledger.latest_per_centre(UploadStatus.USED)
    counts = ledger.upload_counts()
    rows = []
    for i, name in enumerate(the_plan.centre_names()):
        good = used.get(name)
        status = (CentreStatus.SUBMITTED if good else CentreStatus.REJECTED if name in last
                  else CentreStatus.MISSING)
        rows.append(BoardRow(i, name, the_plan.unit_of(name), status, counts.get(name, 0), last.get(name), good,
                             completion(good, the_plan.year) if good else None))
    return rows


def _csv_text(value: Any) -> Any:
    if isinstance(value, str):
        text = safe_text(value)
        return "'" + text if looks_like_formula(text) else text  # a spreadsheet must not run it
    return value


def chase_csv(rows: list[BoardRow]) -> str:
    """The 催报 list (centres not yet submitted) as CSV that Excel and WPS open in Chinese (BOM)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["报送单位", "附表3单位", "状态", "上传次数", "最近上传", "最近一次拒收原因"])
    for r in rows:
        if r.status is CentreStatus.SUBMITTED:
            continue
        reason = r.last.reason if r.last else ""
        writer.writerow([_csv_text(v) for v in (r.centre, r.unit or "", STATUS_LABELS[r.status], r.uploads,
                                                r.last.received_at if r.last else "", reason)])
    return "\ufeff" + out.getvalue()


def consolidate_latest(ledger: Ledger, plan: LoadedPlan) -> tuple[Consolidation, int]:
    """Consolidate each centre's newest used upload; the report is kept under ``DIR/reports``.

    The files are hard-linked (copied where links are not possible) into a temporary folder,
    one per centre and named after it, so the report lists them by centre.
    """
    data = ledger.data_dir
    latest = ledger.latest_per_centre(UploadStatus.USED)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    with tempfile.TemporaryDirectory(dir=data / "tmp", prefix="consolidate-") as tmp:
        for centre, row in latest.items():
            source = data / row.stored
            target = Path(tmp) / f"{safe_filename(centre)}{source.suffix}"
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)
        result = consolidate(tmp, plan)
    relative = f"reports/全省汇总_{stamp}.xlsx"
    (data / "reports").mkdir(parents=True, exist_ok=True)
    write_report(result, data / relative)
    summary = result.to_json()
    for f in summary["files"]:
        f["file"] = Path(f["file"]).name  # the temporary folder is gone
    for f in summary["findings"]:
        f["file"] = Path(f["file"]).name if f.get("file") else None
    return result, ledger.add_consolidation(relative, summary)
