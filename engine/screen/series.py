"""Indicator series per enterprise: 企业指标 rows by year, the roster standing for the previous year.

A series answers "what was indicator K in year Y" for plain columns and for ratios. The roster's
figures (上年营业收入 …, 研发人员占比, 营业收入增长率) fill the year before the plan year where
企业指标 has no such figure (DESIGN §4).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tidu.schemas import contract as c
from tidu.schemas.entries import Enterprise, IndicatorRow
from tidu.schemas.screening import INDICATORS, Over

#: Roster columns that stand for the previous year's 企业指标 figures (roster key → indicator key).
ROSTER_STANDS_FOR = {"revenue": "revenue", "main_revenue": "main_revenue", "rd_expense": "rd_expense",
                     "employees": "employees", "rd_staff_share": "rd_staff_share",
                     "revenue_growth": "revenue_growth"}

#: Computed values are rounded before comparing, so 30/1000×100 is exactly 3.
_DIGITS = 6


@dataclass
class Series:
    """One enterprise's figures by year (plan year and the years before it)."""

    plan_year: int
    years: dict[int, dict[str, float | str]] = field(default_factory=dict)
    rows: dict[int, int] = field(default_factory=dict)  # year → 企业指标 row it came from

    @property
    def last(self) -> int:
        """The year before the plan year ("上年度")."""
        return self.plan_year - 1

    def raw(self, key: str, year: int) -> float | str | None:
        return self.years.get(year, {}).get(key)

    def value(self, key: str, year: int) -> float | str | None:
        """Indicator ``key`` in ``year``: a column, or a ratio (percent) of two; None when unknown."""
        spec = INDICATORS.get(key)
        if spec is not None and spec.ratio is not None:
            num, den = self.raw(spec.ratio[0], year), self.raw(spec.ratio[1], year)
            if isinstance(num, (int, float)) and isinstance(den, (int, float)) and den > 0:
                return round(num / den * 100, _DIGITS)
        return self.raw(key, year)

    def window(self, years: int) -> list[int]:
        """The ``years`` years before the plan year, oldest first ("近N年")."""
        return list(range(self.plan_year - years, self.plan_year))

    def take(self, key: str, over: Over, years: int) -> tuple[float | None, list[float | None]]:
        """The value a criterion compares (None when not computable) and the yearly values it used."""
        if over == Over.LAST:
            value = self.value(key, self.last)
            number = value if isinstance(value, (int, float)) else None
            return number, [number]
        span = self.window(years)
        values = [v if isinstance(v := self.value(key, y), (int, float)) else None for y in span]
        if over == Over.GROWTH:
            return self.growth(key, years), values
        if any(v is None for v in values):
            return None, values
        numbers = [float(v) for v in values if v is not None]
        if over == Over.MEAN:
            return round(sum(numbers) / len(numbers), _DIGITS), values
        if over == Over.SUM:
            return round(sum(numbers), _DIGITS), values
        return None, values  # EACH is judged year by year by the caller

    def growth(self, key: str, years: int) -> float | None:
        """Yearly compound growth (%) from the first to the last of the ``years`` years before the plan year."""
        if years < 2:
            return None
        first, last = self.value(key, self.plan_year - years), self.value(key, self.last)
        if key == "revenue" and years == 2 and first is None:
            reported = self.raw("revenue_growth", self.last)  # the roster's 营业收入增长率(%)
            if isinstance(reported, (int, float)):
                return round(float(reported), _DIGITS)
        if not isinstance(first, (int, float)) or not isinstance(last, (int, float)) or first <= 0 or last < 0:
            return None
        return round((math.pow(last / first, 1 / (years - 1)) - 1) * 100, _DIGITS)

    def change(self, key: str) -> float | None:
        """Year-on-year change (%) of the previous year against the one before."""
        return self.growth(key, 2)


def build_series(plan_year: int, enterprise: Enterprise | None, rows: Iterable[IndicatorRow]) -> Series:
    """The series of one enterprise: its 企业指标 rows (first row per year wins) and roster figures."""
    series = Series(plan_year)
    low = plan_year - c.INDICATOR_YEARS_BACK
    for row in rows:
        if row.year is None or not low <= row.year <= plan_year or row.year in series.years:
            continue
        series.years[row.year] = dict(row.figures)
        series.rows[row.year] = row.row
    if enterprise is not None:
        last = series.years.setdefault(plan_year - 1, {})
        for roster_key, key in ROSTER_STANDS_FOR.items():
            value = enterprise.figures.get(roster_key)
            if value is not None and last.get(key) is None:
                last[key] = value
    return series


def group_rows(rows: Iterable[IndicatorRow]) -> Mapping[str, list[IndicatorRow]]:
    """企业指标 rows by credit code, in sheet order."""
    out: dict[str, list[IndicatorRow]] = {}
    for row in rows:
        if row.uscc:
            out.setdefault(row.uscc, []).append(row)
    return out
