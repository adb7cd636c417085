"""A small folder of submissions with known figures, for the consolidation tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from tidu.workbook.builder import build_workbook

from .sample import BASE, E1, E9, activity, code, roster, rows, signin
from .xledit import edit_workbook

KM_CENTRE, KM_PLATFORM, QJ_CENTRE = "昆明市中小企业服务中心", "昆明市中小企业公共服务窗口平台", "曲靖市中小企业服务中心"
KM_UNIT, QJ_UNIT = "昆明市中小中心及窗口平台", "曲靖市中小中心及窗口平台"
Q1 = code(21, "530302")

PLATFORM_ROWS = {
    "roster": [BASE["roster"][0], roster(uscc=E9, name="昆明丁电子有限公司", tier="小微企业")],
    "activity": [activity(id="P1", date=dt.date(2021, 4, 1), category="政策信息服务", tier="规上工业企业",
                          content="政策解读", name="平台政策解读会", enterprises=2, evidence="签到表")],
    "signin": [signin(activity_id="P1", uscc=E1), signin(activity_id="P1", uscc=E9)],
}


def qujing_rows(sessions: int) -> dict:
    acts = [activity(id="Q1", date=dt.date(2021, 6, 1), category="法律服务", tier="成长型中小企业",
                     content="法律知识讲座", name="合同法讲座", enterprises=1, evidence="照片"),
            activity(id="Q2", date=dt.date(2021, 7, 1), category="管理咨询服务", tier="成长型中小企业",
                     content="提升现代化管理水平", name="管理诊断", enterprises=1, evidence="报告")]
    return {"roster": [roster(uscc=Q1, name="曲靖戊食品有限公司", tier="成长型中小企业", main_revenue=800)],
            "activity": acts[:sessions], "signin": [signin(activity_id=a[0], uscc=Q1) for a in acts[:sessions]]}


# (tier → (sessions, enterprises, visits)) for the 昆明 unit: centre and platform summed, E1 once
KM_EXPECTED = {"国家级小巨人": (1, 1, 1), "省级小巨人": (0, 0, 0), "规上工业企业": (2, 1, 4),
               "成长型中小企业": (0, 0, 0), "小微企业": (1, 2, 1)}


def set_meta(path: Path, key: str, value) -> None:
    """Change one ``_meta`` value of a built workbook (as a forger or an old tool would)."""

    def change(book) -> None:
        for row in book["_meta"].iter_rows(min_row=2):
            if row[0].value == key:
                row[1].value = value

    edit_workbook(path, change)


def make_folder(folder: Path, plan_report) -> dict[str, str]:
    """Build the folder; returns {file name: expected status}."""
    lp = plan_report
    folder.mkdir(parents=True, exist_ok=True)
    oct1, nov1 = dt.datetime(2021, 10, 1, 9), dt.datetime(2021, 11, 1, 9)
    build_workbook(folder / "昆明中心.xlsx", KM_CENTRE, lp, rows=rows(), exported=nov1)
    build_workbook(folder / "昆明平台.xlsx", KM_PLATFORM, lp, rows=PLATFORM_ROWS, exported=nov1)
    build_workbook(folder / "曲靖-新.xlsx", QJ_CENTRE, lp, rows=qujing_rows(2), exported=nov1)
    build_workbook(folder / "曲靖-旧.xlsx", QJ_CENTRE, lp, rows=qujing_rows(1), exported=oct1)
    unknown = build_workbook(folder / "未知单位.xlsx", KM_CENTRE, lp, rows=rows())
    set_meta(unknown, "centre", "某某中心")
    foreign = openpyxl.Workbook()
    foreign.active["A1"] = "与台账无关的表格"
    foreign.save(folder / "别的表格.xlsx")
    (folder / "~$昆明中心.xlsx").write_bytes(b"\x00" * 165)
    (folder / "说明.txt").write_text("请查收", encoding="utf-8")
    (folder / "签到表.xlsx").write_text("a,b\n1,2\n", encoding="utf-8")
    return {"昆明中心.xlsx": "used", "昆明平台.xlsx": "used", "曲靖-新.xlsx": "used", "曲靖-旧.xlsx": "superseded",
            "未知单位.xlsx": "rejected", "别的表格.xlsx": "rejected", "签到表.xlsx": "rejected",
            "~$昆明中心.xlsx": "skipped", "说明.txt": "skipped"}
