"""What changed between two uploads of a centre: entries read, findings fixed and new, sessions per tier."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tidu.portal.ledger import UploadRow

STAT_LABELS = {"enterprises": "名册企业", "activities": "服务活动", "participants": "服务对象"}


def _key(f: dict[str, Any]) -> tuple:
    return (f.get("code"), f.get("sheet"), f.get("row"), f.get("column"))


@dataclass(frozen=True)
class Changes:
    stats: list[tuple[str, int, int]]  # (label, before, after) for counts that changed
    sessions: list[tuple[str, int, int]]  # (tier, before, after) for tiers whose sessions changed
    fixed: list[dict[str, Any]]  # findings of the previous upload gone now
    new: list[dict[str, Any]]  # findings not in the previous upload
    errors: tuple[int, int]

    @property
    def nothing(self) -> bool:
        return not (self.stats or self.sessions or self.fixed or self.new)


def changes(before: UploadRow, after: UploadRow) -> Changes:
    """The difference from ``before`` to ``after`` (a finding is the same if code and cell are)."""
    stats = [(label, before.counts.get(k, 0), after.counts.get(k, 0)) for k, label in STAT_LABELS.items()
             if before.counts.get(k, 0) != after.counts.get(k, 0)]
    old_sessions = {p["tier"]: p["sessions"] for p in before.progress}
    sessions = [(p["tier"], old_sessions.get(p["tier"], 0), p["sessions"]) for p in after.progress
                if old_sessions.get(p["tier"], 0) != p["sessions"]]
    old_keys, new_keys = {_key(f) for f in before.findings}, {_key(f) for f in after.findings}
    return Changes(stats, sessions, [f for f in before.findings if _key(f) not in new_keys],
                   [f for f in after.findings if _key(f) not in old_keys], (before.errors, after.errors))
