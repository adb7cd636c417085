"""What a clerk should do about each kind of finding (the feedback files' 怎么改 column).

Keyed by the catalogue's codes; a code without its own line gets the advice of its scope.
A test checks that every key is a catalogued code.
"""

from __future__ import annotations

ADVICE: dict[str, str] = {
    "file-unreadable": "用 Excel 或 WPS 打开原台账，另存为 .xlsx 后重新报送",
    "file-format": "请使用省中心下发的标准台账模板（.xlsx）填报后重新报送",
    "file-encrypted": "取消工作簿的打开密码后另存为 .xlsx 再报送",
    "file-unsafe": "请从标准模板重新录入或复制数据后另存，再报送",
    "macros-present": "另存为“Excel 工作簿 (.xlsx)”格式（不含宏）再报送",
    "sheet-missing": "使用标准模板，不要删除或改名工作表；把数据复制回模板对应的工作表",
    "column-missing": "恢复模板第1行的表头原文（不要改名、删除或插入列）",
    "column-missing-optional": "恢复模板第1行的表头原文",
    "plan-other": "使用本年度计划的标准模板重新填报（可把数据复制过去）",
    "plan-unknown": "使用省中心下发的本年度模板",
    "plan-id-missing": "使用省中心下发的本年度模板",
    "meta-missing": "使用省中心下发的标准模板，不要删除隐藏的 _meta 工作表",
    "meta-centre-unknown": "使用本单位的台账模板（tidu template --centre 本单位名称）",
    "version-time-suspect": "检查电脑日期是否正确，在 Excel 中重新“导出上报”",
    "centre-name-mismatch": "确认文件是本单位的台账；文件名请用本单位名称",
    "meta-mismatch": "使用本单位本年度的标准模板",
    "required-missing": "补填此必填项；补齐前本行不计入统计",
    "uscc-invalid": "按营业执照核对18位统一社会信用代码（常见错误：把 O 写成 0、漏一位）",
    "uscc-region": "核对代码；确属外地登记的企业可保留，说明原因即可",
    "enterprise-duplicate": "删除重复的行，或把两行合并为一行",
    "activity-duplicate": "给这场活动换一个未用过的活动编号；若是重复录入请删除本行",
    "signin-duplicate": "删除重复的签到行",
    "tier-unknown": "从下拉列表中选择培育梯度",
    "category-unknown": "从下拉列表中选择服务类别",
    "category-not-offered": "按附表1改为该梯度提供的服务类别，或改为正确的服务梯度",
    "content-unknown": "从下拉列表中选择附表1的服务内容",
    "date-invalid": "按 2021-03-15 的格式填写日期",
    "date-ambiguous": "按 2021-03-05（年-月-日）的格式填写日期",
    "date-outside-year": "核对活动日期：只登记计划年度内的活动",
    "date-after-asof": "无需修改：到了活动日期后会自动计入",
    "count-negative": "填写不小于0的整数",
    "count-not-integer": "填写整数",
    "number-invalid": "只填数字（不要带单位或文字）",
    "signin-unknown-activity": "先在《服务活动》登记这场活动，或改正活动编号",
    "signin-not-on-roster": "把该企业补登到《培育企业》名册",
    "participants-mismatch": "核对“服务企业数”和《服务对象》的签到企业，使两者一致",
    "tier-criteria": "核对企业指标，或确认培育梯度是否选对",
    "tier-conflict": "与其他单位核对该企业的培育梯度",
    "tier-registry": "按省定名单改正培育梯度",
    "quota-mismatch": "不要改动指标数字；使用省中心下发的模板",
    "evidence-missing": "补填佐证材料（签到表、照片、通知等）的名称或存放位置",
    "sheet-empty": "开始填报后此提示会消失",
    "upload-other-centre": "只上传本单位的台账",
}

BY_SCOPE = {"file": "按提示修改后重新报送整个文件", "sheet": "按提示修改工作表", "row": "改正本行后重新校验",
            "cell": "核对此单元格", "plan": "请联系省中心"}


def advice(code: str, scope: str) -> str:
    """The clerk's next step for a finding of ``code`` (its scope's general advice otherwise)."""
    return ADVICE.get(code, BY_SCOPE.get(scope, "核对后重新校验"))
