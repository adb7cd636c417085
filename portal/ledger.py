"""The SQLite ledger of the portal: versioned SQL migrations, WAL mode, one transaction per write.

Every upload is one row (centre, time, sha256, size, status, counts, findings). Rows are only
inserted: an upload never overwrites or deletes anything. Each operation opens its own
connection, so threads never share one; WAL lets readers go on while a writer commits, and the
busy timeout makes simultaneous writers wait their turn instead of failing.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

LEDGER_NAME = "tidu.sqlite3"
BUSY_TIMEOUT_S = 30.0


class UploadStatus(StrEnum):
    """What became of one upload (the `used` / `rejected` of DESIGN §9)."""

    USED = "used"
    REJECTED = "rejected"


def _migrations() -> list[tuple[int, str]]:
    """The numbered SQL files of ``migrations/``, in order (``0001_ledger.sql`` is version 1)."""
    folder = resources.files("tidu.portal") / "migrations"
    found = [(int(p.name.split("_", 1)[0]), p.read_text(encoding="utf-8"))
             for p in folder.iterdir() if p.name.endswith(".sql")]
    return sorted(found)


def now() -> str:
    """The current local time as the ledger stores it (ISO 8601, seconds)."""
    return dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")


@dataclass(frozen=True)
class UploadRow:
    """One upload as the ledger holds it."""

    id: int
    token: str
    centre: str
    received_at: str
    sha256: str
    size: int
    stored: str
    status: UploadStatus
    reason: str
    workbook_centre: str | None
    valid: bool
    errors: int
    warnings: int
    counts: dict[str, int]
    findings: list[dict[str, Any]]
    progress: list[dict[str, Any]]
    as_of: str | None
    marked: str | None


def _upload(row: sqlite3.Row) -> UploadRow:
    return UploadRow(
        id=row["id"], token=row["token"], centre=row["centre"], received_at=row["received_at"],
        sha256=row["sha256"], size=row["size"], stored=row["stored"], status=UploadStatus(row["status"]),
        reason=row["reason"], workbook_centre=row["workbook_centre"], valid=bool(row["valid"]),
        errors=row["errors"], warnings=row["warnings"], counts=json.loads(row["counts"]),
        findings=json.loads(row["findings"]), progress=json.loads(row["progress"]), as_of=row["as_of"],
        marked=row["marked"])


class Ledger:
    """The ledger file of one data folder."""

    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / LEDGER_NAME

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection of its own (autocommit: transactions are opened explicitly)."""
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE), committed or rolled back whole."""
        with self.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def migrate(self) -> int:
        """Create the ledger or bring it to the newest schema; returns the schema version."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.connect() as conn:
            conn.execute("PRAGMA journal_mode = WAL")  # persistent: set once per file
        with self.transaction() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for number, sql in _migrations():
                if number > version:
                    # One statement at a time inside the transaction (executescript would commit first).
                    body = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
                    for statement in (s for s in body.split(";") if s.strip()):
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {int(number)}")
                    version = number
        return version

    # --- uploads ---------------------------------------------------------------------------

    def add_upload(self, values: dict[str, Any]) -> int:
        """Insert one upload row (one transaction); returns its id."""
        record = dict(values)
        for key in ("counts", "findings", "progress"):
            record[key] = json.dumps(record[key], ensure_ascii=False)
        record["status"] = str(record["status"])
        record["valid"] = int(bool(record["valid"]))
        columns = ", ".join(record)
        marks = ", ".join(f":{k}" for k in record)
        with self.transaction() as conn:
            cursor = conn.execute(f"INSERT INTO uploads ({columns}) VALUES ({marks})", record)
            return int(cursor.lastrowid or 0)

    def upload(self, upload_id: int) -> UploadRow | None:
        with self.connect() as conn:
            row = conn.execute("SELECT * FROM uploads WHERE id = ?", (upload_id,)).fetchone()
        return _upload(row) if row else None

    def uploads_of(self, centre: str) -> list[UploadRow]:
        """A centre's uploads, newest first."""
        with self.connect() as conn:
            rows = conn.execute("SELECT * FROM uploads WHERE centre = ? ORDER BY id DESC", (centre,)).fetchall()
        return [_upload(r) for r in rows]

    def previous(self, row: UploadRow) -> UploadRow | None:
        """The same centre's upload just before this one."""
        with self.connect() as conn:
            found = conn.execute("SELECT * FROM uploads WHERE centre = ? AND id < ? ORDER BY id DESC LIMIT 1",
                                 (row.centre, row.id)).fetchone()
        return _upload(found) if found else None

    def latest_per_centre(self, status: UploadStatus | None = None) -> dict[str, UploadRow]:
        """Each centre's newest upload (of the given status, if one is given)."""
        where = "WHERE status = ?" if status else ""
        params = (str(status),) if status else ()
        with self.connect() as conn:
            rows = conn.execute(f"SELECT * FROM uploads WHERE id IN (SELECT max(id) FROM uploads {where} "
                                f"GROUP BY centre)", params).fetchall()
        return {r["centre"]: _upload(r) for r in rows}

    def upload_counts(self) -> dict[str, int]:
        with self.connect() as conn:
            rows = conn.execute("SELECT centre, count(*) FROM uploads GROUP BY centre").fetchall()
        return {r[0]: r[1] for r in rows}

    # --- consolidations --------------------------------------------------------------------

    def add_consolidation(self, report: str, summary: dict[str, Any]) -> int:
        with self.transaction() as conn:
            cursor = conn.execute("INSERT INTO consolidations (made_at, report, summary) VALUES (?, ?, ?)",
                                  (now(), report, json.dumps(summary, ensure_ascii=False)))
            return int(cursor.lastrowid or 0)

    def consolidation(self, consolidation_id: int | None = None) -> dict[str, Any] | None:
        """One consolidation (the newest without an id): id, made_at, report, summary."""
        with self.connect() as conn:
            if consolidation_id is None:
                row = conn.execute("SELECT * FROM consolidations ORDER BY id DESC LIMIT 1").fetchone()
            else:
                row = conn.execute("SELECT * FROM consolidations WHERE id = ?", (consolidation_id,)).fetchone()
        if row is None:
            return None
        return {"id": row["id"], "made_at": row["made_at"], "report": row["report"],
                "summary": json.loads(row["summary"])}
