"""The catalogue of checks on a read submission: each a small generator of findings.

Checks see the plan and the as-of date through a :class:`Context`; none raises, none stops the
others. The order of ``CHECKS`` is the order findings are listed in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import cast

from tidu.engine import uscc
from tidu.engine.criteria import failed_rules
from tidu.engine.normalize import clean_text
from tidu.engine.rollup import invalid_rows
from tidu.schemas import contract as c
from tidu.schemas.catalogue import finding, finding_maker
from tidu.schemas.entries import Submission
from tidu.schemas.findings import Finding
from tidu.schemas.plan import Plan, Target, TierRuleSet

_ITEM_SEPARATORS = re.compile(r"[、,;，；]")


@dataclass(frozen=True)
class Context:
    submission: Submission
    plan: Plan
    rules: TierRuleSet | None
    as_of: dt.date
    read_findings: list[Finding] = field(default_factory=list)  # what the reader found (rows it voided)

    @property
    def file(self) -> str:
        return self.submission.file

    @cached_property
    def unit(self) -> str | None:
        """The 附表3 row, from the registry when the centre is known, else as _meta says."""
        centre = self.submission.meta.centre
        return self.plan.unit_of(centre) if centre and self.plan.centre(centre) else self.submission.meta.unit

    @cached_property
    def known_centre(self) -> bool:
        centre = self.submission.meta.centre
        return bool(centre) and (centre == self.plan.provincial_centre.name or self.plan.centre(centre) is not None)

    @cached_property
    def shared_without_split(self) -> bool:
        """The centre shares its 附表3 row and the plan gives it no share of its own."""
        centre = self.submission.meta.centre or ""
        return bool(self.plan.partners(centre)) and self.plan.share_targets(centre) is None

    @cached_property
    def targets(self) -> list[Target]:
        """What this centre is judged against: its share (分解落实), else its unit's row."""
        if not self.known_centre:
            return [replace(t, enterprises=None, sessions=None) for t in self.plan.targets(None)]
        return self.plan.share_targets(self.submission.meta.centre or "") or self.plan.targets(self.unit)

    @cached_property
    def activity_rows(self) -> dict[str, int]:
        """First row of each activity id."""
        return _first_rows((a.id, a.row) for a in self.submission.activities)

    @cached_property
    def roster_rows(self) -> dict[str, int]:
        """First row of each credit code on the roster."""
        return _first_rows((e.uscc, e.row) for e in self.submission.enterprises)

    def at(self, code: str, sheet: str, row: int | None = None, column: str | None = None,
           value: object = None, **params: object) -> Finding:
        return finding(code, file=self.file, sheet=sheet, row=row, column=column, value=value, **params)

    def maker(self, code: str, sheet: c.EntrySheet, key: str) -> Callable[..., Finding]:
        """``make(row, value, **params)`` for findings of one code in one column of this file
        (a check's loop over thousands of rows)."""
        return finding_maker(code, file=self.file, sheet=sheet.name, column=_h(sheet, key))


ROSTER, ACTIVITY, SIGNIN = c.ROSTER, c.ACTIVITY, c.SIGNIN


def _first_rows(pairs: Iterable[tuple[str | None, int]]) -> dict[str, int]:
    """Each key's first row (in one C-speed step: of repeated keys the last assignment stays)."""
    rows: dict[str | None, int] = dict(reversed(list(pairs)))
    rows.pop(None, None)
    return cast(dict[str, int], rows)


_HEADERS = {(sheet.name, col.key): col.header for sheet in (*c.ENTRY_SHEETS, *c.OPTIONAL_SHEETS)
            for col in sheet.columns}


def _h(sheet: c.EntrySheet, key: str) -> str:
    return _HEADERS[(sheet.name, key)]


def check_meta(ctx: Context) -> Iterator[Finding]:
    """The submission names a centre of the registry, the plan and the unit it reports."""
    meta, plan = ctx.submission.meta, ctx.plan
    if meta.centre is None:
        return  # reported by the reader as meta-missing
    if not ctx.known_centre:
        yield ctx.at("meta-centre-unknown", c.META, value=meta.centre, year=plan.year)
        return
    expected_unit = plan.unit_of(meta.centre)
    if (meta.unit or None) != expected_unit:
        yield ctx.at("meta-mismatch", c.META, value=meta.unit or "", what="附表3单位", expected=expected_unit or "")
    if meta.plan_id and meta.plan_id != plan.id:
        yield ctx.at("meta-mismatch", c.META, value=meta.plan_id, what="计划编号", expected=plan.id)


def check_uscc(ctx: Context) -> Iterator[Finding]:
    """Credit codes: format and check digit (GB 32100-2015); roster region against the centre."""
    region = None
    if ctx.unit and (unit := ctx.plan.unit(ctx.unit)):
        region = ctx.plan.prefectures.get(unit.prefecture)
    elsewhere = f"不在本单位所在州市（{region}）"
    sheets = ((ROSTER, ctx.submission.enterprises), (SIGNIN, ctx.submission.participants))
    bad = uscc.problems(e.uscc for _, rows in sheets for e in rows if e.uscc is not None)
    reasons, start = uscc.REASONS, uscc.REGION_START
    for sheet, rows in sheets:
        invalid, outside = ctx.maker("uscc-invalid", sheet, "uscc"), ctx.maker("uscc-region", sheet, "uscc")
        for e in rows:
            code = e.uscc
            if code is None:
                continue
            problem = bad.get(code)
            if problem:
                yield invalid(e.row, code, reason=reasons[problem])
            elif sheet is ROSTER:
                if not code.startswith("53", start):
                    yield outside(e.row, code, region=uscc.region(code), reason="不是云南省登记的企业")
                elif region and not code.startswith(region, start):
                    yield outside(e.row, code, region=uscc.region(code), reason=elsewhere)


def _first_valid(pairs: Iterable[tuple[str | None, int]], bad: set[int]) -> dict[str, int]:
    """The row that counts for each id: the first without other errors, else the first."""
    first: dict[str, int] = {}
    for key, row in pairs:
        if key is None:
            continue
        if key not in first or (first[key] in bad and row not in bad):
            first[key] = row
    return first


def check_duplicates(ctx: Context, voided: set[tuple[str, int]]) -> Iterator[Finding]:
    """Rows sharing an id: the first row with no other error counts, the others are duplicates."""

    def bad(sheet: c.EntrySheet) -> set[int]:
        return {row for name, row in voided if name == sheet.name}

    roster = _first_valid(((e.uscc, e.row) for e in ctx.submission.enterprises), bad(ROSTER))
    for e in ctx.submission.enterprises:
        if e.uscc is not None and roster[e.uscc] != e.row:
            yield ctx.at("enterprise-duplicate", ROSTER.name, e.row, _h(ROSTER, "uscc"), e.uscc, first=roster[e.uscc])
    sessions = _first_valid(((a.id, a.row) for a in ctx.submission.activities), bad(ACTIVITY))
    for a in ctx.submission.activities:
        if a.id is not None and sessions[a.id] != a.row:
            yield ctx.at("activity-duplicate", ACTIVITY.name, a.row, _h(ACTIVITY, "id"), a.id, first=sessions[a.id])
    pairs = [(f"{p.activity_id}\x00{p.uscc}" if p.activity_id and p.uscc else None, p.row)
             for p in ctx.submission.participants]
    signins = _first_valid(pairs, bad(SIGNIN))
    for p, (key, row) in zip(ctx.submission.participants, pairs, strict=True):
        if key is not None and signins[key] != row:
            yield ctx.at("signin-duplicate", SIGNIN.name, p.row, _h(SIGNIN, "uscc"), p.uscc, first=signins[key],
                         activity=p.activity_id)


def check_tiers_and_categories(ctx: Context) -> Iterator[Finding]:
    """Known tiers and categories (aliases accepted); 附表1's offer and its content items."""
    plan = ctx.plan
    known = plan.tier_set
    for e in ctx.submission.enterprises:
        if e.tier is not None and e.tier not in known:
            yield ctx.at("tier-unknown", ROSTER.name, e.row, _h(ROSTER, "tier"), e.tier,
                         allowed="、".join(plan.tier_labels))
    # A session's findings depend on its tier, category and content only: each combination
    # (a file repeats a few dozen) is judged once, and its findings are placed on each row.
    judged: dict[tuple[str | None, str | None, str | None], list[Finding]] = {}
    for a in ctx.submission.activities:
        said = (a.tier, a.category, a.content)
        found = judged.get(said)
        if found is None:
            found = judged[said] = list(_session_problems(ctx, *said))
        for f in found:
            yield f.on_row(a.row)


def _session_problems(ctx: Context, tier: str | None, category: str | None,
                      content: str | None) -> Iterator[Finding]:
    """What is wrong with a session's tier, category and content (findings with no row yet)."""
    plan, sheet = ctx.plan, ACTIVITY.name
    tier_ok = tier is None or tier in plan.tier_set
    if not tier_ok:
        yield ctx.at("tier-unknown", sheet, None, _h(ACTIVITY, "tier"), tier, allowed="、".join(plan.tier_labels))
    label = plan.category_label(category) if category else None
    if category is not None and label is None:
        yield ctx.at("category-unknown", sheet, None, _h(ACTIVITY, "category"), category,
                     allowed="、".join(plan.category_labels))
    if label is None or tier is None or not tier_ok:
        return
    if plan.session_quota(label, tier) is None:
        yield ctx.at("category-not-offered", sheet, None, _h(ACTIVITY, "category"), category, category=label,
                     tier=tier)
    elif content is not None and not _content_known(content, plan, label, tier):
        yield ctx.at("content-unknown", sheet, None, _h(ACTIVITY, "content"), content, category=label, tier=tier)


def _content_known(content: str, plan: Plan, category: str, tier: str) -> bool:
    """Content is 附表1's full text, or one or more of its items separated by 、 , ; (cleaned alike)."""
    full, items = _content_of(plan, category, tier)
    if content == full:
        return True
    return all(p.strip() in items for p in _ITEM_SEPARATORS.split(content) if p.strip())


_CONTENT: dict[tuple[int, str, str], tuple[Plan, str | None, frozenset[str | None]]] = {}


def _content_of(plan: Plan, category: str, tier: str) -> tuple[str | None, frozenset[str | None]]:
    """附表1's cleaned full text and items of one category × tier (asked for every session;
    cached per plan object, which the entry keeps alive so its id is not reused)."""
    key = (id(plan), category, tier)
    if key not in _CONTENT:
        row = plan.annex1_row(category)
        cell = row.content.get(tier) if row else None
        _CONTENT[key] = (plan, clean_text(cell.text) if cell else None,
                         frozenset(clean_text(i) for i in plan.content_items(category, tier)))
    return _CONTENT[key][1:]


def check_dates(ctx: Context) -> Iterator[Finding]:
    """Sessions within the plan year; those after the as-of date wait for a later snapshot."""
    year = ctx.plan.year
    for a in ctx.submission.activities:
        if a.date is None:
            continue
        if a.date.year != year:
            yield ctx.at("date-outside-year", ACTIVITY.name, a.row, _h(ACTIVITY, "date"), a.date.isoformat(),
                         year=year)
        elif a.date > ctx.as_of:
            yield ctx.at("date-after-asof", ACTIVITY.name, a.row, _h(ACTIVITY, "date"), a.date.isoformat(),
                         as_of=ctx.as_of.isoformat())


def check_signins(ctx: Context) -> Iterator[Finding]:
    """Sign-ins point at a known session; enterprises not on the roster are counted by session tier."""
    tiers = {a.id: a.tier for a in ctx.submission.activities if a.id}
    sessions, roster, is_valid = ctx.activity_rows, ctx.roster_rows, uscc.is_valid
    for p in ctx.submission.participants:
        session = p.activity_id
        if session is None:
            continue
        if session not in sessions:
            yield ctx.at("signin-unknown-activity", SIGNIN.name, p.row, _h(SIGNIN, "activity_id"), session)
        elif p.uscc is not None and p.uscc not in roster and is_valid(p.uscc):
            yield ctx.at("signin-not-on-roster", SIGNIN.name, p.row, _h(SIGNIN, "uscc"), p.uscc,
                         tier=tiers.get(session) or "")
    registry, known = ctx.plan.registry, ctx.plan.tier_set
    for e in ctx.submission.enterprises:
        registered = registry.get(e.uscc or "")
        if registered is not None and e.tier is not None and e.tier != registered and e.tier in known:
            yield ctx.at("tier-registry", ROSTER.name, e.row, _h(ROSTER, "tier"), e.uscc, registered=registered,
                         tier=e.tier)


def check_participants(ctx: Context) -> Iterator[Finding]:
    """Declared 服务企业数 against the enterprises signed in for the session."""
    if SIGNIN.name in ctx.submission.unusable_sheets:
        return
    signed: dict[str, set[str]] = {}
    for p in ctx.submission.participants:
        if p.activity_id and p.uscc:
            signed.setdefault(p.activity_id, set()).add(p.uscc)
    first, mismatch = ctx.activity_rows, ctx.maker("participants-mismatch", ACTIVITY, "enterprises")
    for a in ctx.submission.activities:
        if a.id is None or a.enterprises is None or first.get(a.id) != a.row:
            continue
        actual = len(signed.get(a.id, ()))
        if actual != a.enterprises:
            yield mismatch(a.row, a.enterprises, actual=actual)


def check_tier_criteria(ctx: Context) -> Iterator[Finding]:
    """Roster figures against the plan's tier rule set (warnings: the tier is the centre's call)."""
    if ctx.rules is None:
        return
    by_tier = ctx.rules.tiers
    for e in ctx.submission.enterprises:
        criteria = by_tier.get(e.tier)  # type: ignore[arg-type]  # None is no tier's label
        if criteria is None or not e.figures:
            continue
        for rule, actual in failed_rules(criteria, e.figures):
            key = rule.metric or (rule.ratio[0] if rule.ratio else "")
            metric = (ROSTER.column(rule.metric).header if rule.metric
                      else f"{ROSTER.column(rule.ratio[0]).header}/{ROSTER.column(rule.ratio[1]).header}")
            shown = f"{actual:g}" if rule.metric else f"{actual:.1f}%"
            yield ctx.at("tier-criteria", ROSTER.name, e.row, ROSTER.column(key).header, e.figures.get(key),
                         tier=e.tier, rule=rule.text, metric=metric, actual=shown)


def check_quotas(ctx: Context) -> Iterator[Finding]:
    """Target figures shown in the workbook that differ from the plan (the plan wins)."""
    names = {"enterprises": "目标企业家数", "sessions": "服务场次"}
    own = {t.tier: t for t in ctx.targets}  # 完成情况 shows the centre's own (its share, else its unit's)
    targets: dict[str, dict[str, Target]] = {}
    labels, known_centre = ctx.plan.tier_labels, ctx.known_centre  # asked once: 附表3 shows hundreds
    for q in ctx.submission.quotas_seen:
        if q.unit is None and not known_centre:
            continue
        unit = q.unit
        if unit is not None and unit not in targets:
            targets[unit] = {t.tier: t for t in ctx.plan.targets(unit)} if ctx.plan.unit(unit) else {}
        tier = q.tier if q.position is None else (labels[q.position] if q.position < len(labels) else "")
        target = (own if unit is None else targets[unit]).get(tier)
        if target is None:
            continue
        expected = getattr(target, q.measure)
        if _quota_value(q.value) != expected:
            where = f"《{q.sheet}》" + (f"“{q.unit}”行" if q.unit else "")
            yield ctx.at("quota-mismatch", q.sheet, q.row, q.column, q.value, where=where,
                         tier=tier, measure=names[q.measure], expected="/" if expected is None else expected)


def _quota_value(value: object) -> int | str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() else str(value)
    text = str(value).strip() if value is not None else ""
    if text in {"/", "／", ""}:
        return None
    return text


def check_evidence(ctx: Context) -> Iterator[Finding]:
    """A session without 佐证材料 is counted; the centre is reminded to keep its archive."""
    missing = ctx.maker("evidence-missing", ACTIVITY, "evidence")
    for a in ctx.submission.activities:
        if a.evidence is None and a.id is not None:
            yield missing(a.row)


def check_empty(ctx: Context) -> Iterator[Finding]:
    for sheet, rows in ((ROSTER, ctx.submission.enterprises), (ACTIVITY, ctx.submission.activities)):
        if not rows and sheet.name not in ctx.submission.unusable_sheets:
            yield ctx.at("sheet-empty", sheet.name)


CHECKS = (check_meta, check_empty, check_uscc, check_tiers_and_categories, check_dates,
          check_signins, check_participants, check_tier_criteria, check_quotas, check_evidence)


def checked(ctx: Context) -> tuple[list[Finding], set[tuple[str, int]]]:
    """Every check's findings, duplicates last (the row that counts is the first without other
    errors), and the rows they and the reader's findings void: (sheet, row) of each row with an
    error (what :func:`~tidu.engine.rollup.invalid_rows` of them all gives)."""
    found = [f for check in CHECKS for f in check(ctx)]
    voided = invalid_rows([*ctx.read_findings, *found])
    duplicates = list(check_duplicates(ctx, voided))
    return found + duplicates, voided | invalid_rows(duplicates)
