"""What a centre workbook holds, once read: entries with the Excel row they came from.

Records are immutable: the three entry rows and the target figures shown are named tuples
(hundreds to thousands per workbook, built on the hot path, where a frozen dataclass costs three
times as much to make), the rest frozen dataclasses with slots. Values are already cleaned; a
value that could not be read is None (its finding says why).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple


class Enterprise(NamedTuple):
    """A row of 培育企业 (the roster)."""

    row: int
    uscc: str | None
    name: str | None
    tier: str | None
    prefecture: str | None = None
    figures: dict[str, float] = {}  # noqa: RUF012 — rule metrics that were filled; never changed in place


class Activity(NamedTuple):
    """A row of 服务活动: one service session (场次)."""

    row: int
    id: str | None
    date: dt.date | None
    category: str | None  # canonical label when the name or alias was known
    tier: str | None
    content: str | None
    name: str | None
    form: str | None = None
    enterprises: int | None = None  # declared 服务企业数
    attendees: int | None = None
    evidence: str | None = None


class Participant(NamedTuple):
    """A row of 服务对象: one enterprise signed in at one session."""

    row: int
    activity_id: str | None
    uscc: str | None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """A row of 企业指标: one enterprise's figures for one year (screening, DESIGN §11)."""

    row: int
    uscc: str | None
    year: int | None
    figures: dict[str, float | str] = field(default_factory=dict)  # filled columns: numbers, or level words


@dataclass(frozen=True, slots=True)
class Meta:
    """The `_meta` sheet: how the engine identifies a submission (never by its file name)."""

    template_version: str | None = None
    plan_id: str | None = None
    plan_year: int | None = None
    centre: str | None = None
    unit: str | None = None
    submitter: str | None = None
    created_at: dt.datetime | None = None
    exported_at: dt.datetime | None = None


class QuotaSeen(NamedTuple):
    """A target figure as the workbook shows it (完成情况 or the 附表3 mirror; hundreds a file)."""

    sheet: str
    row: int
    column: str
    tier: str
    measure: str  # "enterprises" | "sessions"
    value: object
    unit: str | None = None  # the 附表3 row it belongs to; None: the centre's own (完成情况)
    position: int | None = None  # 附表3 mirror: the tier's index in the row (the label is not on the row)


@dataclass(frozen=True)
class Submission:
    """Everything read from one workbook."""

    file: str
    meta: Meta
    enterprises: tuple[Enterprise, ...] = ()
    activities: tuple[Activity, ...] = ()
    participants: tuple[Participant, ...] = ()
    quotas_seen: tuple[QuotaSeen, ...] = ()
    indicators: tuple[IndicatorRow, ...] = ()  # 企业指标 (optional sheet; empty for template version 1)
    unusable_sheets: frozenset[str] = frozenset()  # entry sheets missing a required column
    saved_at: dt.datetime | None = None  # when the workbook was last saved (docProps), for versions
