"""The catalogue of finding types: every code tidu can emit, its Chinese title and severity.

A finding is made only through :func:`finding`, so no code can be emitted that is not listed
here (a test also checks this). Messages are templates filled from keyword parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemas.findings import Finding, Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True)
class FindingType:
    code: str
    title: str
    severity: Severity
    template: str


_TYPES = [
    # --- plan files ------------------------------------------------------------------------
    FindingType("plan-unreadable", "计划文件无法读取", E, "计划文件无法读取：{reason}"),
    FindingType("plan-field-invalid", "计划文件字段有误", E, "{where}：{reason}"),
    FindingType("plan-rules-missing", "梯度规则集不存在", E,
                "计划引用的梯度认定规则集“{name}”不存在（应在 schemas/rulesets/{name}.yaml）"),
    FindingType("plan-rules-invalid", "梯度规则集有误", E, "梯度认定规则集“{name}”：{reason}"),
    FindingType("plan-duplicate", "名称重复", E, "{what}“{name}”重复出现"),
    FindingType("plan-unknown-tier", "未知的培育梯度", E,
                "{where}：培育梯度“{name}”不在计划的梯度列表中"),
    FindingType("plan-unknown-category", "未知的服务类别", E,
                "{where}：服务类别“{name}”不在计划的服务类别列表中"),
    FindingType("plan-missing-category", "服务类别缺少数据", E, "{where}缺少服务类别“{name}”"),
    FindingType("plan-row-length", "数据个数不对", E,
                "{where}：应有 {expected} 个数，实际 {actual} 个"),
    FindingType("plan-total-mismatch", "合计不符", E,
                "{where}：各行相加为 {actual}，与合计行 {expected} 不符"),
    FindingType("plan-annex-mismatch", "附表之间不一致", E,
                "{tier}：附表1合计场次为 {annex1}，附表3服务场次合计为 {annex3}，两者应相等"),
    FindingType("plan-content-mismatch", "服务内容与场次不对应", E, "{where}：{reason}"),
    FindingType("plan-unknown-prefecture", "未知的州市", E,
                "{where}：州市“{name}”不在 prefectures 列表中"),
    FindingType("plan-unknown-unit", "未知的附表3单位", E,
                "报送单位“{centre}”所报的附表3行“{name}”不存在"),
    FindingType("plan-unit-uncovered", "附表3单位无人报送", E,
                "附表3行“{name}”没有任何报送单位"),
    FindingType("plan-region-invalid", "行政区划代码有误", E,
                "州市“{name}”的行政区划代码“{value}”应为4位数字"),
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
    severity: Severity | None = None,
    **params: Any,
) -> Finding:
    """Make a finding of a catalogued type; ``params`` fill its message template."""
    kind = CATALOGUE[code]
    return Finding(
        code=code,
        severity=severity or kind.severity,
        message=kind.template.format(value=value, **params),
        file=file,
        sheet=sheet,
        row=row,
        column=column,
        value=value,
    )
