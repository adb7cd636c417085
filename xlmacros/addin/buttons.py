"""The one list of ribbon buttons: the customUI XML is generated from it, the VBA callbacks and
the Python entry points are checked against it by the tests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Button:
    id: str  # ribbon control id
    label: str
    screentip: str
    supertip: str
    image: str  # a built-in Office icon (imageMso): nothing binary to ship
    callback: str  # the VBA Sub in tidu_ribbon.bas (onAction)
    entry: str  # the Python function it runs, in xlmacros.ribbon


TAB_ID, TAB_LABEL = "tiduTab", "企业梯度培育"
GROUP_ID, GROUP_LABEL = "tiduGroup", "台账"

BUTTONS = (
    Button("tiduValidate", "校验", "校验台账",
           "检查三张填报表的每一行：必填项、信用代码、日期、梯度和类别等；问题列在《校验结果》，并在单元格上标色、加批注。",
           "AcceptInvitation", "TiduValidate", "validate_caller"),
    Button("tiduRollup", "汇总", "汇总完成情况",
           "按计数规则统计各梯度的服务场次、服务企业户数和户次，写入《完成情况》的系统核算表。",
           "AutoSum", "TiduRollup", "rollup_caller"),
    Button("tiduGaps", "差距", "标出差距",
           "对照本单位的目标和全年进度，标出落后、尚有差距和已完成的梯度，并说明差多少。",
           "ChartTypeBarInsertGallery", "TiduFlagGaps", "flag_gaps_caller"),
    Button("tiduScreen", "评估", "梯度评估",
           "按计划的梯度认定规则评估名册中的每家企业：是否符合本梯度和上一梯度、差在哪里、缺哪些数，"
           "是否为储备企业，有无风险预警；结果写入《梯度评估》工作表，缺数的单元格标黄并加批注。",
           "FindDialog", "TiduScreen", "screen_caller"),
    Button("tiduExport", "导出上报", "导出上报文件",
           "校验无错误后，记录导出时间并在本工作簿所在文件夹另存一份“单位_报送_日期.xlsx”，用于上报省中心。",
           "FileSaveAs", "TiduExport", "export_submission_caller"),
)
