"""Results of the engine: progress per tier, and the report of one submission."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from tidu.schemas.findings import Finding, Severity
from tidu.schemas.plan import LoadedPlan

#: Traffic lights on a completion rate, used by every front door and the template's formulas.
GREEN_AT = 1.0  # done
AMBER_AT = 0.5  # on its way; below this, far behind


@dataclass(frozen=True, kw_only=True)
class TierProgress:
    """Actuals against targets for one tier (DESIGN §5). A target of None means "/" or none."""

    tier: str
    sessions: int
    sessions_target: int | None
    enterprises: int
    enterprises_target: int | None
    visits: int
    sessions_expected: int | None  # whole sessions due by the as-of date
    behind_pace: bool | None
    sessions_rate: float | None
    enterprises_rate: float | None
    sessions_gap: int | None
    enterprises_gap: int | None

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # every value is JSON's own


@dataclass
class SubmissionReport:
    """What `tidu check` knows about one file: identity, findings, progress (frictionless-style)."""

    file: str
    centre: str | None = None
    unit: str | None = None
    plan: str | None = None
    as_of: dt.date | None = None
    findings: list[Finding] = field(default_factory=list)
    progress: list[TierProgress] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]

    @property
    def valid(self) -> bool:
        return not self.errors

    def flatten(self, spec: tuple[str, ...] = ("code", "severity", "sheet", "row", "column", "value")) -> list[list]:
        """Findings as plain rows of the requested fields, for tables and tests."""
        return [[getattr(f, key) for key in spec] for f in self.findings]

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "centre": self.centre,
            "unit": self.unit,
            "plan": self.plan,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "valid": self.valid,
            "stats": self.stats,
            "findings": [f.to_json() for f in self.findings],
            "progress": [p.to_json() for p in self.progress],
        }


class FileState(StrEnum):
    """What became of one entry of a submission folder (DESIGN §7, the `--json` ``status``)."""

    USED = "used"
    SUPERSEDED = "superseded"
    REJECTED = "rejected"
    SKIPPED = "skipped"

    @property
    def label(self) -> str:
        return {"used": "采用", "superseded": "被新版本取代", "rejected": "拒收", "skipped": "跳过"}[self.value]


@dataclass
class FileStatus:
    """One file of a consolidated folder: what became of it (used, superseded, rejected, skipped) and why."""

    file: str
    status: FileState
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
    #: per 附表3 unit: (category, tier) → counted sessions (分类完成 per unit)
    unit_by_category: dict[str, dict[tuple[str, str], int]] = field(default_factory=dict)
    #: file (as shown) → (severity, code) → count; complete even when ``findings`` lists only some
    finding_counts: dict[str, dict[tuple[str, str], int]] = field(default_factory=dict)
    #: False when ``findings`` holds only the first errors and warnings of each file (a quick run)
    complete: bool = True
    #: per used centre: the progress of its previous version in the folder (what changed since)
    previous: dict[str, SubmissionReport] = field(default_factory=dict)
    #: distinct enterprises on the valid rosters, per tier (decided as for those served)
    roster_by_tier: dict[str, int] = field(default_factory=dict)
    #: the provincial centre's own sessions and enterprises (its targets are the province's, 协同)
    provincial_own: list[TierProgress] | None = None
    #: file as shown → its real path (names that are not UTF-8 are shown decoded)
    paths: dict[str, str] = field(default_factory=dict)
    #: file (as shown) → what the caller's per-file step wrote in the worker (none where it failed);
    #: superseded versions included, so the caller can discard theirs
    staged: Mapping[str, str] = field(default_factory=dict)

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


