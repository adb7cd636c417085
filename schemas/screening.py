"""Screening (梯度评估, DESIGN §11): tier rule sets, early-warning rules and their results.

A rule set file (``schemas/rulesets/<id>.yaml``) judges the plan's tiers by criteria. A
criterion is one of:

* numeric: an indicator (a 企业指标 column or a ratio of two, see :data:`INDICATORS`), how its
  yearly values are taken (``over``: the last year, each / the mean / the sum / the growth over
  the ``years`` years before the plan year), a comparison ``op`` and a ``threshold`` in the
  indicator's own unit;
* ``manual``: no figure can decide it (a title, an award, equity raised);
* ``registered``: "合法登记注册", met by a valid credit code;
* ``any_of`` / ``all_of``: alternatives and groups of the kinds above;
* ``grid``: a points grid of the rule set (blocks with minimums, a pass score).

The same file may keep the roster checks (``rules``) that ``tidu check`` reads through
``schemas.plan.TierRuleSet``; this module reads the whole file strictly.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from tidu.schemas.plan import Rule


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Decision(StrEnum):
    """A tier's verdict for one enterprise."""

    MEETS = "meets"  # every criterion decided and met
    FAILS = "fails"  # at least one criterion failed
    REVIEW = "review"  # none failed, but figures are missing or a criterion is manual


DECISION_LABELS = {Decision.MEETS: "符合", Decision.FAILS: "不符合", Decision.REVIEW: "待核实"}


class Level(StrEnum):
    """How serious an early warning is."""

    HIGH = "高"
    MEDIUM = "中"
    LOW = "低"


LEVEL_ORDER = {Level.HIGH: 0, Level.MEDIUM: 1, Level.LOW: 2}


class Indicator(_Frozen):
    """A figure screening can use: a 企业指标 column, or the percentage ratio of two of them."""

    key: str
    label: str
    unit: str
    ratio: tuple[str, str] | None = None  # numerator, denominator (× 100)
    text: bool = False  # a level written as text (研发机构级别, 数字化水平等级, 是否纳入规上统计)


def _ind(key: str, label: str, unit: str, ratio: tuple[str, str] | None = None, text: bool = False) -> Indicator:
    return Indicator(key=key, label=label, unit=unit, ratio=ratio, text=text)


#: Every indicator a criterion may name; the base keys are the 企业指标 column keys.
INDICATORS: dict[str, Indicator] = {i.key: i for i in (
    _ind("revenue", "营业收入", "万元"),
    _ind("main_revenue", "主营业务收入", "万元"),
    _ind("net_profit", "净利润", "万元"),
    _ind("profit_tax", "利税总额", "万元"),
    _ind("assets", "资产总额", "万元"),
    _ind("liabilities", "负债总额", "万元"),
    _ind("rd_expense", "研发费用", "万元"),
    _ind("employees", "从业人员", "人"),
    _ind("rd_staff", "研发人员", "人"),
    _ind("ip1", "Ⅰ类知识产权", "件"),
    _ind("ip2", "Ⅱ类知识产权", "件"),
    _ind("market_share", "主导产品细分市场占有率", "%"),
    _ind("province_rank", "主导产品省内排名", "名次"),
    _ind("niche_years", "从事细分市场年限", "年"),
    _ind("rd_institution", "研发机构级别", "", text=True),
    _ind("digital_level", "数字化水平等级", "", text=True),
    _ind("above_scale", "是否纳入规上统计", "", text=True),
    # ratios (percent)
    _ind("main_share", "主营业务收入占营业收入比重", "%", ("main_revenue", "revenue")),
    _ind("rd_ratio", "研发费用占营业收入比重", "%", ("rd_expense", "revenue")),
    _ind("rd_ratio_main", "研发费用占主营业务收入比重", "%", ("rd_expense", "main_revenue")),
    _ind("debt_ratio", "资产负债率", "%", ("liabilities", "assets")),
    _ind("rd_staff_share", "研发人员占从业人员比重", "%", ("rd_staff", "employees")),
    _ind("net_margin", "净利润率", "%", ("net_profit", "revenue")),
)}


class Over(StrEnum):
    """How a numeric criterion takes an indicator's yearly values (years before the plan year)."""

    LAST = "last"  # the year before the plan year
    EACH = "each"  # every one of the last ``years`` years (the worst year is reported)
    MEAN = "mean"  # arithmetic mean over the last ``years`` years
    SUM = "sum"  # total over the last ``years`` years
    GROWTH = "growth"  # yearly compound growth (%) from the first to the last of the ``years`` years


Op = Literal[">", ">=", "<", "<="]


class Band(_Frozen):
    """One band of a grid item: the first band that holds gives its points."""

    op: Op | None = None
    value: float | None = None
    equals: tuple[str, ...] = ()  # text levels (e.g. 国家级) that fall in this band
    points: float

    @model_validator(mode="after")
    def _one_kind(self) -> Band:
        if (self.op is None) == (not self.equals) or (self.op is not None and self.value is None):
            raise ValueError("档位须为 op+value（数值）或 equals（文字等级）之一")
        return self


class Scale(_Frozen):
    """How one indicator scores within a grid item."""

    indicator: str
    over: Over = Over.LAST
    years: int = Field(default=1, ge=1, le=3)
    bands: tuple[Band, ...]

    @model_validator(mode="after")
    def _known(self) -> Scale:
        if self.indicator not in INDICATORS:
            raise ValueError(f"未知指标 {self.indicator}")
        return self


class GridItem(_Frozen):
    """A scored item of a grid: the best of its scales, or manual."""

    id: str
    text: str
    block: str | None = None
    points: float = Field(gt=0)  # the most this item gives
    scales: tuple[Scale, ...] = ()
    manual: bool = False
    min_points: float = 0  # what a manual item gives at least (e.g. 5 for any 主导产品领域)
    lower_bound: bool = False  # the scales see only part of the item: their points are a minimum
    single_source: bool = False
    configurable: bool = False  # set by each province (miit-2022 item 9)
    note: str = ""

    @model_validator(mode="after")
    def _decidable(self) -> GridItem:
        if self.manual == bool(self.scales):
            raise ValueError(f"评分项 {self.id}：须给出 scales，或 manual: true")
        return self


class Grid(_Frozen):
    """A points grid: items in blocks, each block with a minimum, and a pass score."""

    text: str
    items: tuple[GridItem, ...]
    blocks: dict[str, float] = {}  # block name → minimum points
    pass_score: float


class Criterion(_Frozen):
    """One condition of a tier (see the module docstring for the kinds)."""

    id: str
    text: str
    indicator: str | None = None
    over: Over = Over.LAST
    years: int = Field(default=1, ge=1, le=3)
    op: Op | None = None
    threshold: float | None = None
    one_of: tuple[str, ...] = ()  # a text indicator (研发机构级别…) met by any of these values
    manual: bool = False
    registered: bool = False
    any_of: tuple[Criterion, ...] = ()
    all_of: tuple[Criterion, ...] = ()
    grid: str | None = None
    single_source: bool = False  # only one source states it (rules/README.md): to be confirmed
    note: str = ""

    @model_validator(mode="after")
    def _one_kind(self) -> Criterion:
        numeric = self.indicator is not None
        kinds = [numeric, self.manual, self.registered, bool(self.any_of), bool(self.all_of), self.grid is not None]
        if sum(kinds) != 1:
            raise ValueError(f"条件 {self.id}：须且只能是 indicator、manual、registered、any_of、all_of、grid 之一")
        if numeric:
            found = INDICATORS.get(self.indicator or "")
            if found is None:
                raise ValueError(f"条件 {self.id}：未知指标 {self.indicator}")
            if found.text and not self.one_of:
                raise ValueError(f"条件 {self.id}：文字指标 {self.indicator} 须给出 one_of")
            if not found.text and (self.op is None or self.threshold is None):
                raise ValueError(f"条件 {self.id}：数值条件须有 op 和 threshold")
        return self

    @property
    def kind(self) -> str:
        for name in ("manual", "registered", "any_of", "all_of", "grid"):
            if getattr(self, name):
                return name
        return "numeric"

    def walk(self) -> list[Criterion]:
        """This criterion and every criterion nested in it."""
        out = [self]
        for sub in (*self.any_of, *self.all_of):
            out.extend(sub.walk())
        return out


class TierRules(_Frozen):
    """The criteria of one of the plan's tiers under a rule set."""

    text: str
    name: str = ""  # the source's own tier name when it differs (e.g. 专精特新中小企业)
    criteria: tuple[Criterion, ...] = ()
    rules: tuple[Rule, ...] = ()  # roster checks read by `tidu check` (schemas.plan.TierRuleSet)


class RuleSet(_Frozen):
    """A versioned tier rule set (DESIGN §11)."""

    id: str
    title: str
    status: Literal["有效", "待核对"] = "有效"
    basis: str = ""  # the documents it encodes
    reserve: float = Field(default=25, ge=0, le=100)  # 储备 margin, % of a threshold
    warnings: str = "warnings-default"  # the early-warning rule file
    grids: dict[str, Grid] = {}
    tiers: dict[str, TierRules]

    @model_validator(mode="after")
    def _grids_known(self) -> RuleSet:
        ids: set[str] = set()
        for label, tier in self.tiers.items():
            for top in tier.criteria:
                for crit in top.walk():
                    if crit.grid is not None and crit.grid not in self.grids:
                        raise ValueError(f"{label} 条件 {crit.id}：评分表 {crit.grid} 不存在")
                    if crit.id in ids:
                        raise ValueError(f"条件编号 {crit.id} 重复")
                    ids.add(crit.id)
        return self

    def criterion(self, cid: str) -> Criterion | None:
        """A criterion by id, wherever it is nested."""
        for tier in self.tiers.values():
            for top in tier.criteria:
                for crit in top.walk():
                    if crit.id == cid:
                        return crit
        return None


# --- early warnings ------------------------------------------------------------------------

WarningKind = Literal["revenue_change", "net_loss", "debt_ratio", "rd_below_tier", "headcount_change",
                      "no_service", "figures_missing"]


class WarningLevel(_Frozen):
    """A level reached when the measured value compares so with ``value``."""

    level: Level
    op: Op | None = None
    value: float | None = None


class WarningRule(_Frozen):
    code: str
    kind: WarningKind
    title: str
    message: str  # Chinese reason, with {value} / {threshold} / {days} / {missing} placeholders
    levels: tuple[WarningLevel, ...]  # most serious first; the first that holds applies
    days: int | None = None  # no_service: the window before the as-of date


class WarningRules(_Frozen):
    id: str
    title: str
    rules: tuple[WarningRule, ...]


# --- results -------------------------------------------------------------------------------


class Failed(_Frozen):
    criterion: str
    value: int | float | str | None
    threshold: int | float | str | None
    unit: str = ""
    text: str = ""  # the criterion's source text, for people
    near: bool = False  # within the rule set's reserve margin

    def to_json(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "value": self.value, "threshold": self.threshold}


class Assessment(_Frozen):
    """One tier judged for one enterprise."""

    tier: str
    decision: Decision
    score: float | None = None
    failed: tuple[Failed, ...] = ()
    missing: tuple[str, ...] = ()  # criterion ids not decided: figures missing or manual
    manual: tuple[str, ...] = ()  # the manual ones among ``missing``
    near: bool = False  # candidate material: meets, or every failure within the margin

    def to_json(self) -> dict[str, Any]:
        return {"tier": self.tier, "decision": self.decision.value, "score": self.score,
                "failed": [f.to_json() for f in self.failed], "missing": list(self.missing)}


class Warning(_Frozen):
    code: str
    level: Level
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "level": self.level.value, "message": self.message}


class EnterpriseScreen(_Frozen):
    uscc: str
    name: str | None
    centre: str | None
    tier: str
    assessments: tuple[Assessment, ...]
    candidate_for: str | None = None
    warnings: tuple[Warning, ...] = ()
    above_scale_new: bool = False  # 是否纳入规上统计 turned 是 in the plan year
    file: str = ""
    roster_row: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"uscc": self.uscc, "name": self.name, "centre": self.centre, "tier": self.tier,
                "assessments": [a.to_json() for a in self.assessments], "candidate_for": self.candidate_for,
                "warnings": [w.to_json() for w in self.warnings]}

    def assessment(self, tier: str) -> Assessment | None:
        return next((a for a in self.assessments if a.tier == tier), None)


class Screening(_Frozen):
    """Every roster enterprise judged: the `tidu screen --json` contract (DESIGN §11)."""

    rules: str
    rules_title: str = ""
    rules_status: str = "有效"
    reserve: float = 25  # the rule set's reserve margin, % of a threshold
    plan_year: int
    as_of: str
    enterprises: tuple[EnterpriseScreen, ...]
    goals: dict[str, int] = {}  # goal code → target, from the plan
    above_scale_label: str = ""  # the plan's 规上 tier
    below_scale_labels: tuple[str, ...] = ()  # tiers whose candidates for 规上 are the 升规 reserve
    above_scale_goal: int | None = None  # 新增规上 goal (200 in 2021)

    def to_json(self) -> dict[str, Any]:
        return {"rules": self.rules, "as_of": self.as_of, "enterprises": [e.to_json() for e in self.enterprises],
                "summary": self.summary()}

    def summary(self) -> dict[str, Any]:
        """Counts for people: reserves, 新增规上 against its goal, warnings by level."""
        levels = {lv.value: sum(1 for e in self.enterprises if any(w.level == lv for w in e.warnings))
                  for lv in Level}
        return {
            "candidates": sum(1 for e in self.enterprises if e.candidate_for),
            "above_scale_reserve": len(self.above_scale_reserve()),
            "above_scale_new": sum(1 for e in self.enterprises if e.above_scale_new),
            "above_scale_goal": self.above_scale_goal,
            "warned": levels,
        }

    def above_scale_reserve(self) -> list[EnterpriseScreen]:
        """升规 reserve: enterprises of the tiers below 规上 that meet it or are near it."""
        out = []
        for e in self.enterprises:
            a = e.assessment(self.above_scale_label)
            if e.tier in self.below_scale_labels and a is not None and a.near:
                out.append(e)
        return out
