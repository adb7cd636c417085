"""The catalogue of finding types: every code tidu can emit, its Chinese title and severity.

A finding is made only through :func:`finding` (or :func:`finding_maker`, its form for hot
loops), so no code can be emitted that is not listed here (a test also checks this). Messages
are templates filled from keyword parameters.
"""

from __future__ import annotations

import keyword
import string
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from tidu.schemas.findings import Finding, Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


class Scope(StrEnum):
    """What a finding of this type puts out of the count."""

    PLAN = "plan"  # a plan file: the plan cannot be used
    FILE = "file"  # the whole workbook: it is rejected in consolidation
    SHEET = "sheet"  # a sheet or column: said once, the rows still count as they can
    ROW = "row"  # one row: an error keeps the row out of the count
    CELL = "cell"  # one optional cell: never voids its row (warnings and infos)


@dataclass(frozen=True)
class FindingType:
    code: str
    title: str
    severity: Severity
    template: str
    scope: Scope = Scope.ROW

    @property
    def rejects_file(self) -> bool:
        """An error of file scope: consolidation rejects the workbook."""
        return self.scope is Scope.FILE and self.severity is Severity.ERROR


_TYPES = [
    # --- plan files ------------------------------------------------------------------------
    FindingType("plan-unreadable", "计划文件无法读取", E, "计划文件无法读取：{reason}", Scope.PLAN),
    FindingType("plan-field-invalid", "计划文件字段有误", E, "计划文件 {where} 处有误：{reason}", Scope.PLAN),
    FindingType("plan-rules-missing", "梯度规则集不存在", E,
                "计划引用的梯度认定规则集“{name}”不存在（应在 schemas/rulesets/{name}.yaml）", Scope.PLAN),
    FindingType("plan-rules-invalid", "梯度规则集有误", E, "梯度认定规则集“{name}”：{reason}", Scope.PLAN),
    FindingType("plan-duplicate", "名称重复", E, "{what}“{name}”重复出现", Scope.PLAN),
    FindingType("plan-unknown-tier", "未知的培育梯度", E,
                "{where}：培育梯度“{name}”不在计划的梯度列表中", Scope.PLAN),
    FindingType("plan-unknown-category", "未知的服务类别", E,
                "{where}：服务类别“{name}”不在计划的服务类别列表中", Scope.PLAN),
    FindingType("plan-missing-category", "服务类别缺少数据", E, "{where}缺少服务类别“{name}”", Scope.PLAN),
    FindingType("plan-row-length", "数据个数不对", E,
                "{where}：应有 {expected} 个数，实际 {actual} 个", Scope.PLAN),
    FindingType("plan-total-mismatch", "合计不符", E,
                "{where}：各行相加为 {actual}，与合计行 {expected} 不符", Scope.PLAN),
    FindingType("plan-annex-mismatch", "附表之间不一致", E,
                "{tier}：附表1合计场次为 {annex1}，附表3服务场次合计为 {annex3}，两者应相等", Scope.PLAN),
    FindingType("plan-content-mismatch", "服务内容与场次不对应", E,
                "{where}：服务内容与场次不对应，{reason}", Scope.PLAN),
    FindingType("plan-unknown-prefecture", "未知的州市", E,
                "{where}：州市“{name}”不在 prefectures 列表中", Scope.PLAN),
    FindingType("plan-unknown-unit", "未知的附表3单位", E,
                "报送单位“{centre}”所报的附表3行“{name}”不存在", Scope.PLAN),
    FindingType("plan-unit-uncovered", "附表3单位无人报送", E,
                "附表3行“{name}”没有任何报送单位", Scope.PLAN),
    FindingType("plan-region-invalid", "行政区划代码有误", E,
                "州市“{name}”的行政区划代码“{value}”应为4位数字", Scope.PLAN),
    FindingType("plan-share-centre", "分解对象不属于该单位", E,
                "{where}：报送单位“{name}”不报送这一附表3行，不能分得它的指标", Scope.PLAN),
    FindingType("plan-share-slash", "分解与附表3的“/”不一致", E,
                "{where}：附表3此项为“/”时分解也应为“/”，有数时分解也应为数（填写的是 {value}）", Scope.PLAN),
    FindingType("plan-registry-code", "省定名单信用代码有误", E,
                "registry 中的统一社会信用代码“{value}”{reason}", Scope.PLAN),
    # --- reading a workbook ----------------------------------------------------------------
    FindingType("file-unreadable", "文件无法读取", E, "无法读取此文件：{reason}", Scope.FILE),
    FindingType("file-format", "不是 .xlsx 工作簿", E, "文件格式不对：{reason}", Scope.FILE),
    FindingType("file-encrypted", "工作簿有密码", E, "无法读取加密的工作簿：{reason}", Scope.FILE),
    FindingType("file-unsafe", "文件不安全，已拒绝", E, "出于安全考虑未读取此文件：{reason}", Scope.FILE),
    FindingType("macros-present", "工作簿含有宏", W,
                "工作簿含有宏（VBA），已读取数据，宏不会被运行；请报送不含宏的 .xlsx", Scope.SHEET),
    FindingType("sheet-missing", "缺少工作表", E,
                "缺少工作表《{sheet}》，请使用标准台账模板，不要改动工作表名称", Scope.FILE),
    FindingType("column-missing", "缺少表头列", E,
                "《{sheet}》第1行找不到表头“{column}”（可能被改名或删除），请恢复模板的表头", Scope.FILE),
    FindingType("column-missing-optional", "缺少选填列", W,
                "《{sheet}》第1行找不到表头“{column}”（选填列，可能被改名或删除），请恢复模板的表头", Scope.SHEET),
    FindingType("plan-other", "台账属于另一年度的计划", E,
                "台账属于计划“{value}”，本次按计划“{expected}”校验汇总，不能采用；请使用本年度计划的模板",
                Scope.FILE),
    FindingType("plan-unknown", "台账的计划不明", E,
                "_meta 中的计划编号“{value}”不是已知的计划（已知：{known}），无法校验；请使用省中心下发的模板",
                Scope.FILE),
    FindingType("plan-id-missing", "台账未记录计划编号", W,
                "_meta 中没有计划编号，按计划“{expected}”校验", Scope.SHEET),
    FindingType("meta-missing", "无法识别报送单位", E,
                "找不到隐藏的 _meta 工作表或其中的报送单位，无法识别这份台账；请在标准台账模板中填报", Scope.FILE),
    FindingType("meta-centre-unknown", "报送单位不在名录中", E,
                "_meta 中的报送单位“{value}”不在{year}年计划的报送单位名录中", Scope.FILE),
    FindingType("version-time-suspect", "导出时间不可信", W,
                "_meta 中的导出时间 {value} 晚于现在或晚于文件的保存时间一天以上，比较版本时按保存时间", Scope.SHEET),
    FindingType("centre-name-mismatch", "文件名与报送单位不符", W,
                "文件名像是“{other}”的台账，但 _meta 登记的报送单位是“{value}”；汇总按 _meta 计入“{value}”，"
                "请确认没有报错文件", Scope.SHEET),
    FindingType("meta-mismatch", "台账信息与计划不符", W,
                "_meta 中的{what}为“{value}”，按计划应为“{expected}”", Scope.SHEET),
    FindingType("upload-other-centre", "不是本单位的台账", E,  # the portal: a centre uploads as itself only
                "这份台账的报送单位是“{value}”，不是本单位（{centre}），不能以本单位名义上传；请上传本单位的台账",
                Scope.FILE),
    # --- entries -----------------------------------------------------------------------------
    FindingType("required-missing", "必填项为空", E, "“{column}”为必填项，此行不计入统计"),
    FindingType("uscc-invalid", "统一社会信用代码有误", E, "统一社会信用代码“{value}”{reason}"),
    FindingType("uscc-region", "信用代码登记地与本单位不符", W,
                "统一社会信用代码“{value}”的登记地代码为 {region}，{reason}", Scope.CELL),
    FindingType("enterprise-duplicate", "企业重复登记", E,
                "统一社会信用代码“{value}”已在第 {first} 行登记，重复行不计入"),
    FindingType("activity-duplicate", "活动编号重复", E, "活动编号“{value}”已在第 {first} 行使用，重复行不计入"),
    FindingType("signin-duplicate", "同一企业重复签到", E,
                "企业“{value}”已在第 {first} 行登记参加活动“{activity}”，重复行不计入"),
    FindingType("tier-unknown", "培育梯度无法识别", E, "培育梯度“{value}”不是计划中的梯度（{allowed}）"),
    FindingType("category-unknown", "服务类别无法识别", E, "服务类别“{value}”不是计划中的服务类别（{allowed}）"),
    FindingType("category-not-offered", "该梯度不提供此类服务", E,
                "按附表1，{category}不面向{tier}（场次为“/”），此场次不计入"),
    FindingType("content-unknown", "服务内容不在附表1中", W,
                "服务内容“{value}”不在附表1“{category} × {tier}”的服务内容中", Scope.CELL),
    FindingType("date-invalid", "日期无法识别", E, "“{value}”不是有效日期，请按 2021-03-15 的格式填写"),
    FindingType("date-ambiguous", "日期写法有歧义", E,
                "“{value}”是“月/日/年”写法，无法确定月和日，请按 2021-03-05 的格式填写，此场次不计入"),
    FindingType("date-outside-year", "日期不在计划年度内", E, "活动日期 {value} 不在 {year} 年内，此场次不计入"),
    FindingType("date-after-asof", "日期晚于统计截止日", INFO,
                "活动日期 {value} 晚于统计截止日 {as_of}，本次统计暂不计入", Scope.CELL),
    FindingType("count-negative", "数量为负数", W, "“{column}”不能为负数（填写的是 {value}），按 0 计", Scope.CELL),
    FindingType("count-not-integer", "数量不是整数", W, "“{column}”应为整数（填写的是 {value}）", Scope.CELL),
    FindingType("number-invalid", "不是数字", W, "“{column}”应填数字（填写的是“{value}”）", Scope.CELL),
    FindingType("signin-unknown-activity", "签到的活动不存在", E,
                "活动编号“{value}”不在《服务活动》表中，此签到不计入"),
    FindingType("signin-not-on-roster", "签到企业不在培育名册中", W,
                "企业“{value}”不在《培育企业》名册中，请补登名册（未登记的企业按省定名单，"
                "或其最早参加的已计入活动的服务梯度统计）", Scope.CELL),
    FindingType("participants-mismatch", "签到企业数与申报不符", W,
                "申报服务企业数为 {value}，《服务对象》中登记了 {actual} 家", Scope.CELL),
    FindingType("tier-criteria", "企业指标不符合梯度条件", W,
                "{tier}的条件是“{rule}”，该企业{metric}为 {actual}", Scope.CELL),
    FindingType("tier-conflict", "各单位所填梯度不一致", W,
                "企业“{value}”在各单位名册中的培育梯度不一致（{detail}），统计时按最高的“{tier}”计", Scope.CELL),
    FindingType("tier-registry", "梯度与省定名单不符", W,
                "企业“{value}”在省定名单中为“{registered}”，名册填的是“{tier}”；统计以省定名单为准", Scope.CELL),
    FindingType("quota-mismatch", "指标与计划不符", W,
                "{where}显示{tier}{measure}为 {value}，计划为 {expected}；统计以计划为准", Scope.CELL),
    FindingType("evidence-missing", "未填写佐证材料", INFO, "未填写佐证材料", Scope.CELL),
    FindingType("sheet-empty", "没有填报内容", INFO, "《{sheet}》还没有填报内容", Scope.SHEET),
]

CATALOGUE: dict[str, FindingType] = {t.code: t for t in _TYPES}


def finding(
    code: str,
    *,
    file: str | None = None,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    value: Any = None,
    **params: Any,
) -> Finding:
    """Make a finding of a catalogued type; ``params`` fill its message template."""
    return finding_maker(code, file=file, sheet=sheet, column=column)(row, value, **params)


def finding_maker(code: str, *, file: str | None = None, sheet: str | None = None,
                  column: str | None = None) -> Callable[..., Finding]:
    """``make(row, value, **params)``: the same finding as ``finding(code, file=file, sheet=sheet,
    column=column, row=row, value=value, **params)``, for a check that makes thousands of one type
    at one place (the type is looked up once, not per row)."""
    kind = CATALOGUE[code]
    severity, fill = kind.severity, _filler(kind.template)

    def make(row: int | None = None, value: Any = None, **params: Any) -> Finding:
        return Finding(code, severity, fill(value, column, sheet, row, **params),
                       file, sheet, row, column, value)

    return make


@cache
def _filler(template: str) -> Callable[..., str]:
    """``fill(value, column, sheet, row, **params)``: ``template.format`` of them, compiled as an
    f-string (a file has thousands of findings; str.format parses its template at every call).
    Templates are this module's own constants; one whose fields are not plain names is left to
    ``template.format``."""
    pieces = list(string.Formatter().parse(template))
    fields = [(name, spec, conversion) for _, name, spec, conversion in pieces if name is not None]
    if any(not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_") or spec or conversion
           for name, spec, conversion in fields):
        return lambda value, column, sheet, row, /, **params: template.format(
            value=value, column=column, sheet=sheet, row=row, **params)
    text = "".join(_escaped(literal) + ("{" + name + "}" if name is not None else "")
                   for literal, name, _, _ in pieces)
    others = sorted({name for name, _, _ in fields} - {"value", "column", "sheet", "row"})
    signature = ", ".join(["value, column, sheet, row, /", *(["*", *others] if others else []), "**_unused"])
    return eval(f'lambda {signature}: f"{text}"')  # our own template, checked above


def _escaped(literal: str) -> str:
    """Literal text as it must be written inside f"…"."""
    return (literal.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
            .replace("{", "{{").replace("}", "}}"))
