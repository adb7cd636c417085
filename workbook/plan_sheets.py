"""Read-only mirrors of the plan's three annexes, the cover, and the hidden lists and _meta."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tidu.schemas import contract as c
from tidu.schemas.plan import Plan, TierRuleSet
from tidu.schemas.reference import counties, industries
from tidu.workbook.calc_sheet import build_lookup_tables
from tidu.workbook.xl import Formats, sheet_ref

# Protection lets the clerk select, sort-free read and filter, but not edit the mirrors.
_READ_ONLY = {"select_locked_cells": True, "select_unlocked_cells": True, "autofilter": True}


def _quota_text(value: int | None) -> Any:
    return "/" if value is None else value


def build_annex1(book: Any, plan: Plan, rules: TierRuleSet, fmts: Formats) -> None:
    ws = book.add_worksheet(c.ANNEX1)
    ws.merge_range(0, 0, 0, len(plan.tiers) + 1, f"附表1  {plan.year}年企业梯度培育具体措施表", fmts.subtitle)
    ws.write_string(1, 0, "服务类别", fmts.header)
    ws.write_string(1, 1, "项目", fmts.header)
    for j, tier in enumerate(plan.tiers, start=2):
        ws.write_string(1, j, f"{tier.label}\n({tier.population}户)", fmts.header)
        ws.set_column(j, j, 30)
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 8)
    ws.set_row(1, 32)
    row = 2
    ws.write_string(row, 0, "企业基本特征", fmts.label)
    ws.write_string(row, 1, "", fmts.label)
    for j, tier in enumerate(plan.tiers, start=2):
        criteria = rules.tiers.get(tier.label)
        ws.write_string(row, j, criteria.text if criteria else "", fmts.cell)
    ws.set_row(row, 120)
    for r in plan.annex1.rows:
        row += 1
        ws.merge_range(row, 0, row + 1, 0, r.category, fmts.label)
        ws.write_string(row, 1, "服务内容", fmts.cell_center)
        ws.write_string(row + 1, 1, "场次", fmts.cell_center)
        for j, (tier, quota) in enumerate(zip(plan.tier_labels, r.sessions, strict=True), start=2):
            cell = r.content.get(tier)
            ws.write_string(row, j, cell.text if cell else "/", fmts.cell)
            ws.write(row + 1, j, _quota_text(quota), fmts.cell_int)
        ws.set_row(row, 60)
        row += 1
    row += 1
    ws.write_string(row, 0, "合计场次", fmts.total)
    ws.write_string(row, 1, "", fmts.total)
    for j, total in enumerate(plan.annex1.totals, start=2):
        ws.write(row, j, _quota_text(total), fmts.total)
    ws.freeze_panes(2, 2)
    _print_setup(ws, landscape=True)
    ws.protect("", _READ_ONLY)


def build_annex2(book: Any, plan: Plan, fmts: Formats) -> None:
    ws = book.add_worksheet(c.ANNEX2)
    n = len(plan.tiers)
    ws.merge_range(0, 0, 0, n + 2, f"附表2  {plan.year}年企业梯度培育暨重点工作任务清单（省中心）", fmts.subtitle)
    headers = ["工作事项", *plan.tier_labels, "完成时限", "省中心负责人"]
    for j, h in enumerate(headers):
        ws.write_string(1, j, h, fmts.header)
    ws.set_column(0, 0, 14)
    ws.set_column(1, n, 28)
    ws.set_column(n + 1, n + 2, 10)
    for i, r in enumerate(plan.annex2, start=2):
        ws.write_string(i, 0, r.category, fmts.label)
        for j, tier in enumerate(plan.tier_labels, start=1):
            ws.write_string(i, j, r.tasks.get(tier, "/"), fmts.cell)
        ws.write_string(i, n + 1, r.deadline, fmts.cell_center)
        ws.write_string(i, n + 2, r.responsible, fmts.cell_center)
        ws.set_row(i, 64)
    # Merged across the table, so the note prints whole instead of being cut at the first column.
    ws.merge_range(len(plan.annex2) + 3, 0, len(plan.annex2) + 3, n + 2,
                   f"注：全年完成 = {plan.year}年12月31日前完成。", fmts.note)
    ws.freeze_panes(2, 1)
    _print_setup(ws, landscape=True)
    ws.protect("", _READ_ONLY)


def build_annex3(book: Any, plan: Plan, fmts: Formats, unit: str | None) -> None:
    ws = book.add_worksheet(c.ANNEX3)
    n = len(plan.tiers)
    ws.merge_range(0, 0, 0, 2 * n, f"附表3  {plan.year}年企业梯度培育任务安排表", fmts.subtitle)
    ws.merge_range(1, 0, 2, 0, "中心及平台", fmts.header)
    for i, tier in enumerate(plan.tiers):
        ws.merge_range(1, 1 + 2 * i, 1, 2 + 2 * i, printed_tier_header(plan, tier.label), fmts.header)
        ws.write_string(2, 1 + 2 * i, "目标企业家数", fmts.header)
        ws.write_string(2, 2 + 2 * i, "服务场次", fmts.header)
    ws.set_row(1, 48)
    ws.set_row(2, 30)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 2 * n, 10)
    for r, u in enumerate(plan.annex3.units, start=3):
        own = u.name == unit
        ws.write_string(r, 0, u.name, fmts.highlight if own else fmts.cell)
        for j, value in enumerate(u.row, start=1):
            ws.write(r, j, _quota_text(value), fmts.highlight_center if own else fmts.cell_int)
    total_row = 3 + len(plan.annex3.units)
    ws.write_string(total_row, 0, "合计", fmts.total)
    for j, value in enumerate(plan.annex3.totals, start=1):
        ws.write(total_row, j, _quota_text(value), fmts.total)
    if unit:
        ws.merge_range(total_row + 2, 0, total_row + 2, 2 * n, f"黄色底纹为本单位所在行：{unit}", fmts.note)
        _own_row_lookup(ws, total_row + 3, unit, len(plan.annex3.units), n, fmts)
    ws.freeze_panes(3, 1)
    _print_setup(ws, landscape=True)
    ws.protect("", _READ_ONLY)


def _own_row_lookup(ws: Any, row: int, unit: str, units: int, n: int, fmts: Formats) -> None:
    """本单位所在行 again, looked up by formula (INDEX/MATCH on the unit's name), so the figures
    the workbook judges against can be traced to the annex without Python."""
    ws.write_string(row, 0, "本单位指标（公式查找）", fmts.label)
    name_range = f"$A$4:$A${3 + units}"
    for j in range(1, 2 * n + 1):
        col = chr(ord("A") + j)
        ws.write_formula(row, j, f'=INDEX({col}$4:{col}${3 + units},MATCH("{unit}",{name_range},0))',
                         fmts.cell_int)


def printed_tier_header(plan: Plan, label: str) -> str:
    """附表3's column head as the plan prints it: "35户国家级专精特新“小巨人”企业（协同省中心）"."""
    tier = plan.tier(label)
    if tier is None or label not in plan.provincial_centre.tiers:
        return label
    name = label.replace("小巨人", "专精特新“小巨人”企业") if label.endswith("小巨人") else label
    return f"{tier.population}户{name}\n（{plan.annex3.national_note}）"


def build_cover(book: Any, plan: Plan, fmts: Formats, centre: str, unit: str | None) -> None:
    ws = book.add_worksheet(c.COVER)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 70)
    ws.merge_range(0, 0, 0, 1, f"{plan.year}年企业梯度培育工作台账", fmts.title)
    ws.set_row(0, 30)
    info = [
        ("报送单位", centre),
        ("附表3单位", unit or "（省中心：国家级、省级小巨人协同全省）"),
        ("计划", plan.title),
        ("计划年度", str(plan.year)),
        ("模板版本", c.TEMPLATE_VERSION),
    ]
    for i, (label, value) in enumerate(info, start=2):
        ws.write_string(i, 0, label, fmts.label)
        ws.write_string(i, 1, value, fmts.cell)
    steps = [
        f"1. 在《{c.ROSTER.name}》登记本单位培育的企业（红色表头为必填项），培育梯度从下拉列表选择。",
        f"2. 每开展一场服务活动，在《{c.ACTIVITY.name}》登记一行（一行 = 一场次），活动编号不能重复。",
        f"3. 在《{c.SIGNIN.name}》按活动编号登记每场活动参加的企业（一家企业一行）。",
        f"4. 《{c.PROGRESS}》随时显示各梯度的完成情况、差距和进度（公式自动计算）。",
        "5. 安装了“企业梯度培育”加载项的电脑：点击功能区的“校验”“汇总”“差距”，再“导出上报”。",
        "6. 附表1–3为计划原文，只读。请勿改动工作表名称和第1行表头。",
    ]
    entry = book.add_format({"font_name": "等线", "border": 1, "bg_color": "#FFFFE0", "valign": "vcenter"})
    entry_date = book.add_format({"font_name": "等线", "border": 1, "bg_color": "#FFFFE0", "valign": "vcenter",
                                  "num_format": "yyyy-mm-dd", "align": "left"})
    for i, (label, prompt) in enumerate((("填报人", "填写本台账的人员姓名"), ("审核人", "本单位负责审核的人员姓名"),
                                         ("联系电话", "填报人的联系电话"), ("填报日期", "如 2021-12-31")), start=7):
        ws.write_string(i, 0, label, fmts.label)
        ws.write_blank(i, 1, None, entry_date if label == "填报日期" else entry)
        rule = {"validate": "date", "criteria": ">", "value": dt.date(2000, 1, 1), "error_message": "请填写日期。"} \
            if label == "填报日期" else {"validate": "any"}
        ws.data_validation(i, 1, i, 1, {**rule, "input_title": label, "input_message": prompt})
    ws.write_string(12, 0, "使用说明", fmts.subtitle)
    for i, text in enumerate(steps, start=13):
        ws.write_string(i, 1, text, fmts.wrap)
    ws.write_string(13 + len(steps), 1, "黄色底纹的格子供填写；《完成情况》和附表1–3受保护（无密码，"
                    "仅防误改：审阅 → 撤消工作表保护）。工作表不能增删改名。", fmts.note)
    ws.fit_to_pages(1, 1)
    ws.activate()


def build_lists(book: Any, plan: Plan, fmts: Formats) -> None:
    """Hidden sheet holding the drop-down sources, each under a defined name."""
    ws = book.add_worksheet(c.LISTS)
    columns = [
        (c.NAME_TIERS, "培育梯度", plan.tier_labels),
        (c.NAME_CATEGORIES, "服务类别", plan.category_labels),
        (c.NAME_FORMS, "服务形式", list(plan.service_forms)),
        (c.NAME_PREFECTURES, "州市", list(plan.prefectures)),
        (c.NAME_INDUSTRIES, "行业（GB/T 4754-2017）", industries()),
    ]
    known = counties()
    for pi, prefecture in enumerate(plan.prefectures, start=1):
        columns.append((c.county_list_name(pi), f"{prefecture}县区", known.get(prefecture) or [prefecture]))
    for ci, category in enumerate(plan.category_labels, start=1):
        for ti, tier in enumerate(plan.tier_labels, start=1):
            # A category 附表1 does not offer to the tier ("/") has no content to choose: no list.
            if plan.session_quota(category, tier) is None:
                continue
            items = list(plan.content_items(category, tier)) or [category]
            columns.append((c.content_list_name(ci, ti), f"{category}|{tier}", items))
    for j, (name, header, values) in enumerate(columns):
        ws.write_string(0, j, header, fmts.header)
        for i, value in enumerate(values, start=1):
            ws.write_string(i, j, value)
        book.define_name(name, "=" + sheet_ref(c.LISTS, 1, j, len(values), j))
    build_lookup_tables(book, ws, plan, len(columns) + 1)
    ws.hide()


def build_meta(book: Any, plan: Plan, fmts: Formats, centre: str, unit: str | None,
               created: dt.datetime, exported: dt.datetime | None = None) -> None:
    """Hidden `_meta` sheet: key / value / 说明; date-times as real date-time cells."""
    ws = book.add_worksheet(c.META)
    values: dict[str, Any] = {
        "template_version": c.TEMPLATE_VERSION,
        "plan_id": plan.id,
        "plan_year": plan.year,
        "centre": centre,
        "unit": unit or "",
        "submitter": "",
        "created_at": created,
        "exported_at": exported,
    }
    for j, h in enumerate(("键", "值", "说明")):
        ws.write_string(0, j, h, fmts.header)
    for i, (key, label) in enumerate(c.META_KEYS.items(), start=1):
        ws.write_string(i, 0, key)
        value = values[key]
        if isinstance(value, dt.datetime):
            ws.write_datetime(i, 1, value, fmts.datetime)
        elif isinstance(value, int):
            ws.write_number(i, 1, value)
        elif value:
            ws.write_string(i, 1, value)
        ws.write_string(i, 2, label)
        book.define_name(f"tidu_meta_{key}", "=" + sheet_ref(c.META, i, 1))
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 28)
    ws.hide()


def _print_setup(ws: Any, landscape: bool = False) -> None:
    if landscape:
        ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, 2)
