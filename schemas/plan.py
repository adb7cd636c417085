"""The yearly plan as data: tiers, categories, the three annexes and the centre registry.

The models mirror the plan file (``schemas/plans/<id>.yaml``) one to one, so that a person
edits the file and the model stays a plain reading of it. Structural rules (types, "/" versus
numbers) live here; cross-checks between annexes (totals, known names) are in
``engine.plan_checks`` so that every inconsistency is reported, not just the first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal

# The records are plain frozen dataclasses, and pydantic is imported only where a plan file is
# validated (engine.plan): a command that loads an already validated plan (engine.plan_cache)
# never imports it. The markers below tell pydantic the rules a field's type cannot say.

NOT_ASSIGNED = "/"


def _parse_quota(value: object) -> object:
    """"/" (not assigned) becomes None; numbers stay numbers; anything else is left to pydantic."""
    if isinstance(value, str) and value.strip() in {NOT_ASSIGNED, "／"}:
        return None
    return value


class Bounds:
    """Marker for pydantic: a whole number within ``ge``..``le`` (``Annotated[int, Bounds(ge=0)]``)."""

    def __init__(self, ge: int | None = None, le: int | None = None):
        self.ge, self.le = ge, le

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        schema = handler(source)
        schema.update({k: v for k, v in (("ge", self.ge), ("le", self.le)) if v is not None})
        return schema


class _QuotaCell:
    """Marker for pydantic: "/" reads as None, anything else as a non-negative whole number;
    None is written back as "/"."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema as cs

        return cs.no_info_before_validator_function(
            _parse_quota, cs.nullable_schema(cs.int_schema(ge=0)),
            serialization=cs.plain_serializer_function_ser_schema(lambda v: NOT_ASSIGNED if v is None else v))


#: A quota cell of an annex: a non-negative whole number, or None for "/" (not assigned).
#: None and 0 are different: "/" means no completion figure at all.
Quota = Annotated[int | None, _QuotaCell()]

#: A record of the plan file: frozen, keyword-only, and (when pydantic reads a file into it) no
#: key the record does not know.
_record = dataclass(frozen=True, kw_only=True)


class _Frozen:
    __pydantic_config__: ClassVar[dict[str, str]] = {"extra": "forbid"}


@_record
class Tier(_Frozen):
    """A tier of the pyramid; ``label`` is what workbooks show, ``code`` is for identifiers."""

    code: str
    label: str
    population: Annotated[int, Bounds(ge=0)]


@_record
class Category(_Frozen):
    """A service category (服务类别) with the other spellings found in the plan's annexes."""

    code: str
    label: str
    aliases: tuple[str, ...] = ()


@_record
class ContentCell(_Frozen):
    """附表1 service content for one category × tier: the printed text and its pickable items."""

    text: str
    items: tuple[str, ...] = ()


@_record
class Annex1Row(_Frozen):
    """附表1, one category: session quota per tier (plan tier order) and content per tier label."""

    category: str
    sessions: tuple[Quota, ...]
    content: dict[str, ContentCell] = field(default_factory=dict)


@_record
class Annex1(_Frozen):
    """附表1 as a whole: the totals row (sessions per tier) and one row per category."""

    totals: tuple[Quota, ...]
    rows: tuple[Annex1Row, ...]


@_record
class Annex2Row(_Frozen):
    """附表2, one category: the provincial centre's task per tier label, deadline, person."""

    category: str
    deadline: str
    responsible: str
    tasks: dict[str, str] = field(default_factory=dict)


@_record
class Unit(_Frozen):
    """附表3, one row: ``row`` holds (enterprises, sessions) per tier, flattened as printed."""

    name: str
    kind: Literal["prefecture", "platform"]
    prefecture: str
    row: tuple[Quota, ...]


@_record
class Annex3(_Frozen):
    """附表3 as a whole: the note on national targets, the totals row and one row per unit."""

    national_note: str = ""
    totals: tuple[Quota, ...]
    units: tuple[Unit, ...]


@_record
class Centre(_Frozen):
    """A reporting centre of the registry and the 附表3 row it reports."""

    name: str
    kind: Literal["prefecture_centre", "prefecture_platform", "platform"]
    unit: str


@_record
class ProvincialCentre(_Frozen):
    """The provincial centre (协同省中心) and the tiers the plan makes it answer for."""

    name: str
    tiers: tuple[str, ...]


@_record
class Target(_Frozen):
    """Targets of one tier for one unit: None means "/" (no target assigned)."""

    tier: str
    enterprises: int | None
    sessions: int | None


class GoalMeasure(StrEnum):
    """What a headline goal (三、工作思路及目标) is measured by in the data."""

    SERVED = "served"  # distinct enterprises of the tier served at counted sessions
    ROSTER = "roster"  # enterprises of the tier on the valid rosters
    NEW_ABOVE_SCALE = "new_above_scale"  # roster enterprises whose 是否纳入规上统计 turned 是 in the plan year


@_record
class Goal(_Frozen):
    """A headline goal of the plan, reported against what the data shows (DESIGN §2.5)."""

    code: str
    label: str  # the plan's words, e.g. 一企一策
    tier: str | None = None
    target: Annotated[int, Bounds(ge=0)]
    measure: GoalMeasure


@_record
class Plan(_Frozen):
    """One year's plan, exactly as its data file says."""

    id: str
    year: Annotated[int, Bounds(ge=2000, le=2100)]
    title: str
    issuer: str = ""
    tier_rules: str
    tiers: tuple[Tier, ...]
    categories: tuple[Category, ...]
    service_forms: tuple[str, ...] = ()
    annex1: Annex1
    annex2: tuple[Annex2Row, ...]
    annex3: Annex3
    prefectures: dict[str, str]
    provincial_centre: ProvincialCentre
    centres: tuple[Centre, ...]
    #: 分解落实: per shared 附表3 unit, per centre, a row laid out like the unit's (enterprises,
    #: sessions per tier; "/" where the unit's row has "/"). Optional; shares must add up to the row.
    shares: dict[str, dict[str, tuple[Quota, ...]]] = field(default_factory=dict)
    goals: tuple[Goal, ...] = ()
    #: Enterprises whose tier the province has confirmed (published lists): credit code → tier label.
    registry: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # the full plan is pages long; tracebacks need only its identity
        return f"Plan(id={self.id!r}, year={self.year})"

    # --- lookups (derived, never stored) -------------------------------------------------

    @property
    def tier_labels(self) -> list[str]:
        return [t.label for t in self.tiers]

    @cached_property
    def tier_set(self) -> frozenset[str]:
        """Every tier label, for membership tests on the hot path (``label in plan.tier_set``)."""
        return frozenset(self._tier_index)

    @property
    def category_labels(self) -> list[str]:
        return [c.label for c in self.categories]

    @cached_property
    def _category_names(self) -> dict[str, str]:
        names = {}
        for c in self.categories:
            names[c.label] = c.label
            for alias in c.aliases:
                names.setdefault(alias, c.label)
        return names

    def category_label(self, name: str) -> str | None:
        """The canonical label of a category name or alias, or None when unknown."""
        return self._category_names.get(name.strip())

    def tier(self, label: str) -> Tier | None:
        index = self._tier_index.get(label)
        return None if index is None else self.tiers[index]

    @cached_property
    def _annex1_rows(self) -> dict[str, Annex1Row]:
        rows: dict[str, Annex1Row] = {}
        for r in self.annex1.rows:
            label = self.category_label(r.category)
            if label is not None:
                rows.setdefault(label, r)
        return rows

    @cached_property
    def _tier_index(self) -> dict[str, int]:
        return {t.label: i for i, t in enumerate(self.tiers)}

    def annex1_row(self, category: str) -> Annex1Row | None:
        label = self.category_label(category)
        return self._annex1_rows.get(label) if label is not None else None

    def session_quota(self, category: str, tier: str) -> int | None:
        """附表1 sessions for category × tier; None when "/" (not offered) or unknown."""
        row = self.annex1_row(category)
        index = self._tier_index.get(tier)
        if row is None or index is None:
            return None
        return row.sessions[index]

    def content_items(self, category: str, tier: str) -> tuple[str, ...]:
        row = self.annex1_row(category)
        cell = row.content.get(tier) if row else None
        return cell.items if cell else ()

    @cached_property
    def _units(self) -> dict[str, Unit]:
        return {u.name: u for u in reversed(self.annex3.units)}  # of a repeated name, the first

    def unit(self, name: str) -> Unit | None:
        return self._units.get(name)

    @cached_property
    def _centres(self) -> dict[str, Centre]:
        return {c.name: c for c in reversed(self.centres)}  # of a repeated name, the first

    def centre(self, name: str) -> Centre | None:
        return self._centres.get(name)

    def centre_names(self) -> list[str]:
        """Every reporting centre, then the provincial centre."""
        return [c.name for c in self.centres] + [self.provincial_centre.name]

    def unit_of(self, centre: str) -> str | None:
        """The 附表3 row a centre reports (None for the provincial centre)."""
        found = self.centre(centre)
        return found.unit if found else None

    def partners(self, centre: str) -> list[str]:
        """The other centres that report the same 附表3 row (empty for a row of its own)."""
        unit = self.unit_of(centre)
        return [c.name for c in self.centres if unit is not None and c.unit == unit and c.name != centre]

    def share_targets(self, centre: str) -> list[Target] | None:
        """The centre's own share of its unit's targets (分解落实), or None when the plan has no split."""
        unit = self.unit_of(centre)
        row = self.shares.get(unit or "", {}).get(centre)
        if row is None:
            return None
        return [Target(tier=t.label, enterprises=row[2 * i], sessions=row[2 * i + 1])
                for i, t in enumerate(self.tiers)]

    def tier_rank(self, label: str) -> int:
        """Position in the pyramid, 0 for the highest tier (the plan lists tiers top down)."""
        return self._tier_index[label]

    def province_targets(self) -> list[Target]:
        """The whole province's targets per tier: the 附表3 totals row."""
        row = self.annex3.totals
        return [Target(tier=t.label, enterprises=row[2 * i], sessions=row[2 * i + 1])
                for i, t in enumerate(self.tiers)]

    def targets(self, unit: str | None) -> list[Target]:
        """Targets per tier for a 附表3 unit; ``None`` means the provincial centre.

        The provincial centre is answerable for the tiers the plan gives it, at the 附表3
        totals; other tiers have no target for it.
        """
        known = self._targets.get(unit)
        if known is None:
            if unit is None:
                row = self.annex3.totals
                own = set(self.provincial_centre.tiers)
            else:
                found = self.unit(unit)
                if found is None:
                    raise KeyError(unit)
                row = found.row
                own = set(self.tier_labels)
            known = self._targets[unit] = tuple(
                Target(
                    tier=t.label,
                    enterprises=row[2 * i] if t.label in own else None,
                    sessions=row[2 * i + 1] if t.label in own else None,
                )
                for i, t in enumerate(self.tiers)
            )
        return list(known)  # Targets are frozen; the list is the caller's own

    @cached_property
    def _targets(self) -> dict[str | None, tuple[Target, ...]]:
        return {}  # unit → its targets, made once (asked for by every file and every unit)


@_record
class Rule(_Frozen):
    """One criterion: a roster metric, or the percentage ratio of two metrics, against a bound."""

    metric: str | None = None
    ratio: tuple[str, str] | None = None
    op: Literal[">", ">=", "<", "<="]
    value: float
    text: str


class _RuleFilePart:
    # A rule set file also holds the screening criteria (DESIGN §11), read strictly by
    # tidu.schemas.screening.RuleSet; this model reads only the roster checks and ignores the rest.
    __pydantic_config__: ClassVar[dict[str, str]] = {"extra": "ignore"}


@_record
class TierCriteria(_RuleFilePart):
    """One tier's criteria in a rule set: the notice's words and the rules checked on rosters."""

    text: str
    rules: tuple[Rule, ...] = ()


@_record
class TierRuleSet(_RuleFilePart):
    """A versioned set of tier criteria (e.g. the 2018 national notice), chosen by a plan."""

    id: str
    title: str
    tiers: dict[str, TierCriteria]

    def __repr__(self) -> str:
        return f"TierRuleSet(id={self.id!r})"


@_record
class LoadedPlan(_Frozen):
    """A plan that passed every check, with its rule set: neither is ever missing.

    ``source`` is where it was read from (a shipped plan's path or the file the analyst gave);
    the object itself travels to worker processes, so nothing downstream reloads a plan.
    """

    plan: Plan
    rules: TierRuleSet
    source: str

    def __repr__(self) -> str:
        return f"LoadedPlan(id={self.plan.id!r}, source={self.source!r})"
