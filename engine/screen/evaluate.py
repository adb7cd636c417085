"""Judging criteria and grids against one enterprise's series (DESIGN §11).

Every criterion gives an :class:`Outcome`: met, failed (with the value and threshold in the
indicator's unit) or undecided (figures missing, or manual). Groups combine them: ``all_of``
fails when one part fails, ``any_of`` fails only when every alternative fails. A missing figure
never fails anything. ``near`` says whether every failure is within the reserve margin.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

from tidu.engine.screen.series import Series
from tidu.schemas.screening import INDICATORS, Band, Criterion, Decision, Failed, Grid, GridItem, Over, RuleSet

_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


@dataclass
class Outcome:
    decision: Decision
    failed: list[Failed] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # undecided criterion (or grid item) ids
    manual: list[str] = field(default_factory=list)
    decided: int = 0  # numeric criteria decided (met or failed): evidence for a reserve
    score: float | None = None

    @property
    def near(self) -> bool:
        """Meets, or every failure within the margin and at least one figure decided."""
        if self.decision == Decision.MEETS:
            return True
        if self.decision == Decision.FAILS:
            return all(f.near for f in self.failed)
        return self.decided > 0


@dataclass(frozen=True)
class Judge:
    """What a criterion is judged with: the rule set, the series and whether the credit code is valid."""

    rules: RuleSet
    series: Series
    registered: bool = True

    @property
    def margin(self) -> float:
        return self.rules.reserve / 100

    def criterion(self, crit: Criterion) -> Outcome:
        """The outcome of one criterion (recursively for groups)."""
        kind = crit.kind
        if kind == "manual":
            return Outcome(Decision.REVIEW, missing=[crit.id], manual=[crit.id])
        if kind == "registered":
            if self.registered:
                return Outcome(Decision.MEETS)
            return Outcome(Decision.FAILS, [Failed(criterion=crit.id, value=None, threshold=None, text=crit.text)])
        if kind == "all_of":
            return _all([self.criterion(c) for c in crit.all_of])
        if kind == "any_of":
            return _any([self.criterion(c) for c in crit.any_of])
        if kind == "grid":
            return self.grid(crit, self.rules.grids[crit.grid or ""])
        if crit.one_of:
            return self._text(crit)
        return self._numeric(crit)

    def _text(self, crit: Criterion) -> Outcome:
        value = self.series.value(crit.indicator or "", self.series.last)
        if not isinstance(value, str):
            return Outcome(Decision.REVIEW, missing=[crit.id])
        if value in crit.one_of:
            return Outcome(Decision.MEETS, decided=1)
        return Outcome(Decision.FAILS, [Failed(criterion=crit.id, value=value, threshold="、".join(crit.one_of),
                                               text=crit.text)], decided=1)

    def _numeric(self, crit: Criterion) -> Outcome:
        key, op, threshold = crit.indicator or "", crit.op or ">=", float(crit.threshold or 0)
        unit = INDICATORS[key].unit
        value, values = self.series.take(key, crit.over, crit.years)
        if crit.over == Over.EACH:
            known = [v for v in values if v is not None]
            bad = [v for v in known if not _OPS[op](v, threshold)]
            if bad:  # one failing year decides, even when another year is missing
                value = min(bad) if op in (">", ">=") else max(bad)
            elif len(known) < len(values):
                return Outcome(Decision.REVIEW, missing=[crit.id])
            else:
                value = min(known) if op in (">", ">=") else max(known)
        if value is None and crit.over == Over.LAST:
            inferred = self._bounded(key, op, threshold)
            if inferred is not None:
                return inferred if inferred.decision == Decision.MEETS else Outcome(
                    Decision.FAILS, [f.model_copy(update={"criterion": crit.id, "text": crit.text})
                                     for f in inferred.failed], decided=1)
        if value is None:
            return Outcome(Decision.REVIEW, missing=[crit.id])
        if _OPS[op](value, threshold):
            return Outcome(Decision.MEETS, decided=1)
        near = _within(value, op, threshold, self.margin)
        return Outcome(Decision.FAILS, [Failed(criterion=crit.id, value=_tidy(value), threshold=_tidy(threshold),
                                               unit=unit, text=crit.text, near=near)], decided=1)

    def _bounded(self, key: str, op: str, threshold: float) -> Outcome | None:
        """Decide from a bound when the figure itself is missing: 主营业务收入 never exceeds 营业收入.

        Main revenue below the threshold is certain when total revenue is; total revenue reaches
        it when main revenue does. Anything else stays undecided.
        """
        if op not in (">", ">="):
            return None
        other = {"main_revenue": "revenue", "revenue": "main_revenue"}.get(key)
        bound = self.series.value(other, self.series.last) if other else None
        if not isinstance(bound, (int, float)):
            return None
        if key == "main_revenue" and not _OPS[op](bound, threshold):
            return Outcome(Decision.FAILS, [Failed(criterion="", value=_tidy(bound), threshold=_tidy(threshold),
                                                   unit=INDICATORS[key].unit,
                                                   near=_within(bound, op, threshold, self.margin))], decided=1)
        if key == "revenue" and _OPS[op](bound, threshold):
            return Outcome(Decision.MEETS, decided=1)
        return None

    # --- grids -------------------------------------------------------------------------------

    def item_points(self, item: GridItem) -> tuple[float, float, bool]:
        """(at least, at most, decided) points of one grid item."""
        if item.manual:
            return item.min_points, item.points, False
        known: list[float] = []
        unknown = False
        for scale in item.scales:
            if INDICATORS[scale.indicator].text:
                value = self.series.value(scale.indicator, self.series.last)
                value = value if isinstance(value, str) else None
            else:
                value, _ = self.series.take(scale.indicator, scale.over, scale.years)
            if value is None:
                unknown = True
                continue
            known.append(_band_points(scale.bands, value))
        low = max(known, default=item.min_points)
        high = item.points if (unknown or item.lower_bound) else low
        return low, high, not unknown or (bool(known) and low >= item.points)

    def grid(self, crit: Criterion, grid: Grid) -> Outcome:
        """A grid against its pass score and block minimums; the score given is the points known."""
        low = high = 0.0
        blocks_low: dict[str, float] = dict.fromkeys(grid.blocks, 0.0)
        blocks_high: dict[str, float] = dict.fromkeys(grid.blocks, 0.0)
        undecided: list[str] = []
        manual: list[str] = []
        decided = 0
        for item in grid.items:
            lo, hi, done = self.item_points(item)
            low, high = low + lo, high + hi
            if item.block in blocks_low:
                blocks_low[item.block] += lo
                blocks_high[item.block] += hi
            if item.manual:
                manual.append(item.id)
            if lo != hi:
                undecided.append(item.id)
            decided += int(done and not item.manual)
        score = _tidy(low)
        failed = []
        if high < grid.pass_score:
            failed.append(Failed(criterion=crit.id, value=score, threshold=grid.pass_score, unit="分", text=crit.text,
                                 near=high >= grid.pass_score * (1 - self.margin)))
        for block, minimum in grid.blocks.items():
            if blocks_high[block] < minimum:
                failed.append(Failed(criterion=f"{crit.id}:{block}", value=_tidy(blocks_low[block]), threshold=minimum,
                                     unit="分", text=f"{block}不低于{minimum:g}分",
                                     near=blocks_high[block] >= minimum * (1 - self.margin)))
        if failed:
            return Outcome(Decision.FAILS, failed, decided=max(decided, 1), score=score)
        if low >= grid.pass_score and all(blocks_low[b] >= m for b, m in grid.blocks.items()):
            return Outcome(Decision.MEETS, decided=max(decided, 1), score=score)
        return Outcome(Decision.REVIEW, missing=undecided, manual=[m for m in manual if m in undecided],
                       decided=decided, score=score)


def _band_points(bands: tuple[Band, ...], value: float | str) -> float:
    for band in bands:
        if band.equals:
            if value in band.equals:
                return band.points
        elif isinstance(value, (int, float)) and band.op and _OPS[band.op](value, band.value):
            return band.points
    return 0.0


def _within(value: float, op: str, threshold: float, margin: float) -> bool:
    """Whether a failed value is within ``margin`` (a fraction) of its threshold."""
    reach = abs(threshold) * margin
    return value >= threshold - reach if op in (">", ">=") else value <= threshold + reach


def _tidy(number: float) -> float | int:
    """Whole numbers as int (2000 not 2000.0) in results; others rounded for reading."""
    rounded = round(float(number), 4)
    return int(rounded) if rounded.is_integer() else rounded


def _all(parts: list[Outcome]) -> Outcome:
    out = Outcome(Decision.MEETS)
    for part in parts:
        out.failed += part.failed
        out.missing += part.missing
        out.manual += part.manual
        out.decided += part.decided
    if out.failed:
        out.decision = Decision.FAILS
    elif out.missing:
        out.decision = Decision.REVIEW
    scores = [p.score for p in parts if p.score is not None]
    out.score = scores[0] if scores else None
    return out


def _any(parts: list[Outcome]) -> Outcome:
    decided = sum(p.decided for p in parts)
    scores = [p.score for p in parts if p.score is not None]
    score = max(scores) if scores else None
    met = [p for p in parts if p.decision == Decision.MEETS]
    if met:
        return Outcome(Decision.MEETS, decided=decided, score=score)
    open_ = [p for p in parts if p.decision == Decision.REVIEW]
    if open_:
        missing = [m for p in open_ for m in p.missing]
        manual = [m for p in open_ for m in p.manual]
        # evidence counts only when some alternative could still carry it
        return Outcome(Decision.REVIEW, missing=missing, manual=manual, score=score,
                       decided=sum(p.decided for p in open_) + int(any(p.near for p in parts if p.failed)))
    best = min(parts, key=lambda p: (not p.near, len(p.failed)))  # the closest alternative explains it
    return Outcome(Decision.FAILS, list(best.failed), decided=decided, score=score)


def judge_tier(judge: Judge, criteria: tuple[Criterion, ...]) -> Outcome:
    """A tier: all of its criteria."""
    return _all([judge.criterion(c) for c in criteria])
