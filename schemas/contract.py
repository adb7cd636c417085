"""The workbook contract (DESIGN §4): sheet names, column headers, capacities, defined names.

Everything that knows where a thing sits in a centre workbook asks this module: the builder
writes by it, the engine reads by headers listed here, the xlwings layer looks up the defined
names made from it. No other module spells a header or a cell address.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

TEMPLATE_VERSION = "2.0"

ColumnKind = Literal["text", "code", "date", "count", "amount", "percent", "signed_percent", "list"]


@dataclass(frozen=True)
class Column:
    key: str  # identifier, also the suffix of the column's defined name
    header: str  # exactly what row 1 shows
    kind: ColumnKind = "text"
    required: bool = False
    width: float = 14
    prompt: str = ""  # input prompt shown by Excel / WPS / LibreOffice


@dataclass(frozen=True)
class EntrySheet:
    key: str
    name: str
    columns: tuple[Column, ...]
    capacity: int  # data rows prepared with validations and covered by defined names

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column(self, key: str) -> Column:
        return self._by_key[key]

    @cached_property
    def _by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    def range_name(self, key: str) -> str:
        """Defined name of one column's data cells, e.g. ``tidu_activity_tier``."""
        return f"tidu_{self.key}_{key}"

    @property
    def table_name(self) -> str:
        """Defined name of the whole entry range, header row included."""
        return f"tidu_{self.key}"


ROSTER = EntrySheet(
    key="roster",
    name="培育企业",
    capacity=5000,
    columns=(
        Column("uscc", "统一社会信用代码", "code", True, 22, "18位统一社会信用代码，字母大写，如 91530100MA6K000000"),
        Column("name", "企业名称", "text", True, 30, "营业执照上的企业全称"),
        Column("tier", "培育梯度", "list", True, 16, "从下拉列表选择企业所属培育梯度"),
        Column("prefecture", "所属州市", "list", False, 12, "从下拉列表选择企业所在州市"),
        Column("county", "所属县区", "list", False, 12, "先选所属州市，再从下拉列表选择县（市、区）"),
        Column("industry", "行业", "list", False, 14,
               "按《国民经济行业分类》GB/T 4754-2017 选择门类；工业企业选到大类（如 C39）"),
        Column("revenue", "上年营业收入(万元)", "amount", False, 14, "单位：万元，填数字"),
        Column("main_revenue", "上年主营业务收入(万元)", "amount", False, 14, "单位：万元，填数字"),
        Column("revenue_growth", "营业收入增长率(%)", "signed_percent", False, 12,
               "填百分数，如 12.5 或 12.5%，都表示 12.5%；下降填负数"),
        Column("rd_expense", "研发费用(万元)", "amount", False, 12, "单位：万元，填数字"),
        Column("rd_staff_share", "研发人员占比(%)", "percent", False, 12, "0–100 之间，如 15 或 15%，都表示 15%"),
        Column("employees", "从业人员(人)", "count", False, 10, "不小于0的整数"),
        Column("contact", "联系人", "text", False, 10),
        Column("phone", "联系电话", "code", False, 14),
        Column("note", "备注", "text", False, 20),
    ),
)

ACTIVITY = EntrySheet(
    key="activity",
    name="服务活动",
    capacity=5000,
    columns=(
        Column("id", "活动编号", "code", True, 14,
               "本中心内唯一的编号，如 HD2021-001；《服务对象》表按此编号登记参加企业"),
        Column("date", "活动日期", "date", True, 12, "计划年度内的日期，格式 2021-03-15"),
        Column("category", "服务类别", "list", True, 18, "从下拉列表选择服务类别"),
        Column("tier", "服务梯度", "list", True, 16, "本场活动服务的培育梯度"),
        Column("content", "服务内容", "list", False, 24, "先选服务类别和服务梯度，再从附表1的服务内容中选择"),
        Column("name", "活动名称", "text", True, 30, "活动的完整名称"),
        Column("form", "服务形式", "list", False, 12, "从下拉列表选择服务形式（如 政策宣讲会、一对一服务）"),
        Column("enterprises", "服务企业数", "count", False, 10, "本场服务的企业户数，不小于0的整数"),
        Column("attendees", "参与人次", "count", False, 10, "不小于0的整数"),
        Column("partner", "合作机构", "text", False, 16),
        Column("owner", "负责人", "text", False, 10),
        Column("evidence", "佐证材料", "text", False, 20, "照片、签到表、通知等佐证材料的名称或存放位置"),
        Column("note", "备注", "text", False, 20),
    ),
)

SIGNIN = EntrySheet(
    key="signin",
    name="服务对象",
    capacity=30000,
    columns=(
        Column("activity_id", "活动编号", "code", True, 14, "《服务活动》表中的活动编号"),
        Column("uscc", "统一社会信用代码", "code", True, 22, "参加企业的18位统一社会信用代码"),
        Column("name", "企业名称", "text", False, 30),
    ),
)

ENTRY_SHEETS = (ROSTER, ACTIVITY, SIGNIN)

# 企业指标 (DESIGN §4, §11): yearly figures for screening, one row per enterprise per year.
INDICATORS = EntrySheet(
    key="indicators",
    name="企业指标",
    capacity=5000,
    columns=(
        Column("uscc", "统一社会信用代码", "code", True, 22, "须是《培育企业》名册中的企业的18位统一社会信用代码"),
        Column("year", "年度", "count", True, 8, "计划年度或此前3年内的年度，如 2020"),
        Column("revenue", "营业收入(万元)", "amount", False, 14, "单位：万元，填数字"),
        Column("main_revenue", "主营业务收入(万元)", "amount", False, 14, "单位：万元，填数字"),
        Column("net_profit", "净利润(万元)", "amount", False, 12, "单位：万元，亏损填负数"),
        Column("profit_tax", "利税总额(万元)", "amount", False, 12, "单位：万元，填数字"),
        Column("assets", "资产总额(万元)", "amount", False, 12, "单位：万元，填数字"),
        Column("liabilities", "负债总额(万元)", "amount", False, 12, "单位：万元，填数字"),
        Column("rd_expense", "研发费用(万元)", "amount", False, 12, "单位：万元，填数字"),
        Column("employees", "从业人员(人)", "count", False, 10, "年末从业人员，不小于0的整数"),
        Column("rd_staff", "研发人员(人)", "count", False, 10, "从事研发和相关技术创新活动的人员，不小于0的整数"),
        Column("ip1", "Ⅰ类知识产权(件)", "count", False, 10, "发明专利等Ⅰ类知识产权件数"),
        Column("ip2", "Ⅱ类知识产权(件)", "count", False, 10, "实用新型、外观设计、软件著作权等Ⅱ类知识产权件数"),
        Column("market_share", "主导产品细分市场占有率(%)", "percent", False, 12, "0–100 之间的数字，如 12 表示 12%"),
        Column("province_rank", "主导产品省内排名", "count", False, 10, "主导产品在全省细分市场的名次，如 1、2、3"),
        Column("niche_years", "从事细分市场年限(年)", "count", False, 10, "从事特定细分市场的整年数"),
        Column("rd_institution", "研发机构级别", "list", False, 12, "从下拉列表选择：国家级、省级、市级、市级以下、无"),
        Column("digital_level", "数字化水平等级", "list", False, 12, "中小企业数字化水平评测等级：一级至四级，或无"),
        Column("above_scale", "是否纳入规上统计", "list", False, 10, "该年度是否纳入统计部门规模以上企业统计：是 / 否"),
        Column("note", "备注", "text", False, 20),
    ),
)

#: Sheets a workbook may lack (template version 1 has none of them); never a reason to reject a file.
OPTIONAL_SHEETS = (INDICATORS,)

#: Choices of the 企业指标 level columns (drop-downs; the engine reads the same words).
RD_INSTITUTION_LEVELS = ("国家级", "省级", "市级", "市级以下", "无")
DIGITAL_LEVELS = ("一级", "二级", "三级", "四级", "无")
YES_NO = ("是", "否")
#: How many years before the plan year 企业指标 may hold.
INDICATOR_YEARS_BACK = 3

# The other sheets of a centre workbook.
COVER = "封面"
ANNEX1 = "附表1-培育措施"
ANNEX2 = "附表2-任务清单"
ANNEX3 = "附表3-任务安排"
PROGRESS = "完成情况"
FINDINGS = "校验结果"
META = "_meta"
LISTS = "_lists"
CALC = "_calc"

SHEET_ORDER = (COVER, ROSTER.name, ACTIVITY.name, SIGNIN.name, INDICATORS.name, PROGRESS, FINDINGS, ANNEX1, ANNEX2,
               ANNEX3, META, LISTS, CALC)

# `_meta` holds key / value / 说明 rows; keys are stable identifiers.
META_KEYS = {
    "template_version": "模板版本",
    "plan_id": "计划编号",
    "plan_year": "计划年度",
    "centre": "报送单位",
    "unit": "附表3单位",
    "submitter": "填报人",
    "created_at": "创建时间",
    "exported_at": "导出时间",
}
META_DATETIME_KEYS = ("created_at", "exported_at")

# Roster columns a tier rule set may refer to.
RULE_METRICS = ("revenue", "main_revenue", "revenue_growth", "rd_expense", "rd_staff_share", "employees")

# 完成情况: one row per tier, these columns (key, header).
PROGRESS_COLUMNS = (
    ("tier", "培育梯度"),
    ("enterprises_target", "目标企业家数"),
    ("enterprises", "服务企业户数"),
    ("enterprises_rate", "企业完成率"),
    ("enterprises_gap", "企业差距"),
    ("sessions_target", "目标服务场次"),
    ("sessions", "服务场次"),
    ("sessions_rate", "场次完成率"),
    ("sessions_gap", "场次差距"),
    ("sessions_expected", "按进度应完成场次"),
    ("pace", "进度"),
    ("visits", "服务企业户次"),
)

# Defined names of the 完成情况 and 校验结果 output areas.
NAME_ASOF = "tidu_asof"
NAME_PROGRESS_FORMULAS = "tidu_progress_formulas"  # formula block (works without Python)
NAME_PROGRESS_ENGINE = "tidu_progress_engine"  # block the 汇总 button fills
NAME_FINDINGS = "tidu_findings"  # header row + findings area of 校验结果
NAME_TIERS = "tidu_tiers"
NAME_CATEGORIES = "tidu_categories"
NAME_FORMS = "tidu_forms"
NAME_PREFECTURES = "tidu_prefectures"
NAME_INDUSTRIES = "tidu_industries"


def county_list_name(prefecture_index: int) -> str:
    """Defined name of the county-level divisions of one prefecture (1-based, plan order)."""
    return f"tidu_county_{prefecture_index}"


def content_list_name(category_index: int, tier_index: int) -> str:
    """Defined name of the 附表1 content items of one category × tier (1-based indices)."""
    return f"tidu_content_{category_index}_{tier_index}"


FINDING_HEADERS = ("严重程度", "代码", "工作表", "行", "列", "填写值", "说明", "定位", "标记")
MARK_FILL, MARK_NOTE = "底色", "批注"  # what the 校验 button did to the cell, so it can undo it
