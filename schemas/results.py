"""Results of the engine: progress per tier, and the report of one submission."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from tidu.schemas.findings import Finding, Severity

#: Traffic lights on a completion rate, used by every front door and the template's formulas.
GREEN_AT = 1.0  # done
AMBER_AT = 0.5  # on its way; below this, far behind


class Light(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


def light(rate: float | None) -> Light | None:
    """The traffic light of a completion rate; None without a rate (no target)."""
    if rate is None:
        return None
    return Light.GREEN if rate >= GREEN_AT else Light.AMBER if rate >= AMBER_AT else Light.RED


class TierProgress(BaseModel):
    """Actuals against targets for one tier (DESIGN §5). A target of None means "/" or none."""

    model_config = ConfigDict(frozen=True)

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
        return self.model_dump(mode="json")


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
