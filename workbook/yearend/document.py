"""The 专题报告 of one centre or of the province, written from YearFigures (DESIGN §13).

Every figure in a table is one of the engine's numbers as computed (engine.yearend, itself over
the Consolidation); nothing is retyped. Headings carry the government-document numbering
(一、… /（一）…). What only the clerk knows (reasons, next year's plans) is left as blanks
with prompts.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from tidu.engine.isolation import parallel_map
from tidu.engine.normalize import safe_filename
from tidu.engine.yearend import (
    LagKind,
    Practice,
    Scope,
    ScreeningTable,
    YearFigures,
)
from tidu.schemas.plan import LoadedPlan
from tidu.schemas.results import TierProgress
from tidu.workbook.yearend import docstyle as d
from tidu.workbook.yearend.charts import charts_for
from tidu.workbook.yearend.fonts import TITLE

REPORT_SUBJECT = "tidu-yearend-report"  # docProps subject: marks a file as ours
NUMERALS = "一二三四五六七八九十"
MAX_LISTED = 30  # sessions listed per category in a centre's report; the rest are counted
MAX_CLAIMS = 50  # cross-unit claims listed; the rest are counted

# cm; the text block of A4 with GB/T 9704 margins is 15.6 cm; rates (e.g. 156.7%) get the widest columns
TIER_WIDTHS = (2.7, 1.35, 1.35, 1.65, 1.35, 1.35, 1.35, 1.65, 1.35, 1.35)
TIER_HEADERS = ("培育梯度", "目标企业数", "服务企业数", "企业完成率", "企业差距",
                "目标场次", "服务场次", "场次完成率", "场次差距", "服务户次")
LAG_LABELS = {LagKind.SESSIONS: "服务场次未完成", LagKind.ENTERPRISES: "服务企业数未完成",
              LagKind.PACE: "进度落后", LagKind.CATEGORY: "附表1场次未完成", LagKind.IDLE_MONTHS: "无服务活动的月份"}


def report_filename(figures: YearFigures) -> str:
    """The document's file name: the centre (or 全省) and the year."""
    return safe_filename(f"{figures.name}_{figures.year}年企业梯度培育工作专题报告.docx")


def _n(i: int) -> str:
    return NUMERALS[i - 1] if i <= len(NUMERALS) else str(i)


def tier_row(p: TierProgress) -> list[Any]:
    """One row of the per-tier table (the test reads tables back with the same columns)."""
    return [p.tier, p.enterprises_target, p.enterprises, d.percent(p.enterprises_rate), p.enterprises_gap,
            p.sessions_target, p.sessions, d.percent(p.sessions_rate), p.sessions_gap, p.visits]


def _title_page(doc: Any, f: YearFigures) -> None:
    for _ in range(5):
        doc.add_paragraph()
    for text, size in ((f.name, d.TITLE_PT), (f"{f.year}年企业梯度培育工作", d.TITLE_PT), ("专题报告", d.TITLE_PT),
                       ("（初稿）", d.BODY_PT)):
        p = d.paragraph(doc, indent=False, align=d.WD_ALIGN_PARAGRAPH.CENTER)
        d.run(p, text, TITLE, size)
    for _ in range(6):
        doc.add_paragraph()
    lines = [f"报送单位：{f.name if f.scope == Scope.CENTRE else '云南省中小企业服务中心（全省汇总）'}",
             f"所属附表3单位：{f.unit}" if f.unit else "",
             f"依据计划：{f.plan_title}（{f.plan_id}）",
             f"统计截止日期：{f.as_of.year}年{f.as_of.month}月{f.as_of.day}日"]
    for line in filter(None, lines):
        d.paragraph(doc, line, indent=False, align=d.WD_ALIGN_PARAGRAPH.CENTER)
    p = d.paragraph(doc, indent=False, align=d.WD_ALIGN_PARAGRAPH.CENTER)
    d.run(p, "本稿中的数字由 tidu 依据报送台账按统一计数规则生成，请勿手工改动数字；"
             "黄色标注处请填写。", size=d.TABLE_PT)
    d.page_break(doc)


def _basics(doc: Any, f: YearFigures) -> None:
    d.heading(doc, "一、基本情况", 1)
    t = f.total
    per_tier = "，".join(f"{p.tier}{p.sessions}场" for p in f.progress)
    if f.scope == Scope.PROVINCE:
        status = "，".join(f"{label}{n}个" for label, n in _status_labels(f.file_status))
        d.paragraph(doc, f"全省应报送单位{f.centres_expected}个（含省中心），已报送并采用{f.centres_used}个，"
                         f"未报送{len(f.missing)}个。报送文件{status}。")
    else:
        shared = f"，与{'、'.join(f.partners)}共同承担附表3“{f.unit}”的任务" if f.partners else ""
        role = (f"为附表3“{f.unit}”的报送单位{shared}" if f.unit
                else "为省级报送单位，协同各州市完成国家级、省级梯度任务")
        d.paragraph(doc, f"{f.name}{role}。")
    d.paragraph(doc, f"依据《{f.plan_title}》，截至{f.as_of.isoformat()}，计入统计的服务活动中：{per_tier}；"
                     f"有指标梯度合计服务场次{t.sessions}场、服务企业{t.enterprises}家、服务企业户次{t.visits}户次。")
    d.paragraph(doc, f"台账中有{f.uncounted}条服务活动因存在错误未计入统计；校验发现错误{f.errors}处、"
                     f"警告{f.warnings}处（详见校验反馈）。")


def _status_labels(pairs: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    from tidu.engine.consolidate import STATUS_LABELS

    return [(STATUS_LABELS.get(status, status), n) for status, n in pairs]


def _completion(doc: Any, f: YearFigures, charts: dict[str, bytes], categories: Sequence[str]) -> None:
    d.heading(doc, "二、任务完成情况", 1)
    d.heading(doc, "（一）分梯度完成情况（对照附表3）", 2)
    if f.partners:
        d.paragraph(doc, f"下表目标为附表3“{f.unit}”的目标，由本单位与{'、'.join(f.partners)}共同承担；"
                         "实际数为本单位台账的数字。")
    d.caption(doc, f"表1 {f.name}分梯度任务完成情况")
    d.table(doc, TIER_HEADERS, [tier_row(p) for p in f.progress] + [tier_row(f.total)], TIER_WIDTHS,
            bold_last=True)
    d.paragraph(doc, "注：合计行只合计有数字指标的梯度；无指标（“/”）的梯度没有完成率，以“—”表示。")
    if f.unit_progress is not None:
        d.caption(doc, f"表1-1 附表3单位“{f.unit}”（各报送单位合计）完成情况")
        rows = [tier_row(p) for p in f.unit_progress]
        if f.unit_total is not None:
            rows.append(tier_row(f.unit_total))
        d.table(doc, TIER_HEADERS, rows, TIER_WIDTHS, bold_last=f.unit_total is not None)
    d.picture(doc, charts["tiers"])
    d.heading(doc, "（二）分服务类别完成情况（对照附表1）", 2)
    province = f.scope == Scope.PROVINCE
    if province:
        headers = ("服务类别", "培育梯度", "附表1场次", "实际场次", "完成率")
    else:
        headers = ("服务类别", "培育梯度", "附表1场次（全省）", "本单位场次")
        d.paragraph(doc, "附表1的场次为全省指标，列出供对照；本单位的完成情况以表1为准。")
    rows = []
    for cell in f.by_category:
        if cell.quota is None and not cell.sessions:
            continue  # not offered to the tier and nothing held
        row = [cell.category, cell.tier, cell.quota, cell.sessions]
        if province:
            row.append(d.percent(cell.sessions / cell.quota if cell.quota else None))
        rows.append(row)
    d.caption(doc, f"表2 {f.name}分服务类别服务场次")
    d.table(doc, headers, rows)
    d.picture(doc, charts["categories"])
    d.heading(doc, "（三）各月服务情况", 2)
    d.caption(doc, f"表3 {f.name}{f.year}年各月服务场次（按活动日期）")
    d.table(doc, ("月份", "服务场次"), [[f"{m}月", n] for m, n in enumerate(f.monthly, 1)]
            + [["合计", sum(f.monthly)]], bold_last=True)
    d.picture(doc, charts["months"])
    if province:
        _ranking(doc, f)


def _ranking(doc: Any, f: YearFigures) -> None:
    d.heading(doc, "（四）各单位完成情况排名", 2)
    d.paragraph(doc, "按各梯度合计（只合计有数字指标的梯度）的服务场次完成率排序，相同时按服务企业完成率排序。")
    d.caption(doc, "表4 附表3各单位完成情况排名")
    d.table(doc, ("排名", "附表3单位", "采用台账数", "目标场次", "服务场次", "场次完成率", "目标企业数",
                  "服务企业数", "企业完成率"),
            [[r.rank, r.unit, r.submitted, r.total.sessions_target, r.total.sessions, d.percent(r.total.sessions_rate),
              r.total.enterprises_target, r.total.enterprises, d.percent(r.total.enterprises_rate)]
             for r in f.ranking], (1.0, 5.0, 1.2, 1.2, 1.2, 1.5, 1.5, 1.5, 1.5))


def _practice(doc: Any, f: YearFigures, i: int, p: Practice) -> None:
    d.heading(doc, f"（{_n(i)}）{p.category}", 2)
    if not p.sessions:
        d.paragraph(doc, f"截至{f.as_of.isoformat()}，台账中没有计入统计的{p.category}活动。")
        d.prompt(doc, "未开展的原因，或已开展但未登记的情况", lines=1)
        return
    tiers = "、".join(f"{tier}{n}场" for tier, n in p.by_tier)
    who = f"{p.centres}个报送单位" if f.scope == Scope.PROVINCE else "本单位"
    text = f"{who}共开展{p.category}{p.sessions}场（{tiers}）。"
    if p.contents:
        text += "主要服务内容：" + "、".join(f"{c}（{n}场）" for c, n in p.contents) + "。"
    if f.scope == Scope.PROVINCE and p.names:
        text += "活动名称举例：" + "；".join(f"{name}" for name, _ in p.names) + "。"
    d.paragraph(doc, text)
    if f.scope == Scope.CENTRE:
        listed = p.held[:MAX_LISTED]
        d.table(doc, ("活动日期", "活动名称", "服务内容", "服务梯度", "服务企业数"),
                [[s.date.isoformat(), s.name, s.content, s.tier, s.enterprises] for s in listed],
                widths_cm=(2.2, 5.4, 3.8, 2.4, 1.8))
        if len(p.held) > len(listed):
            d.paragraph(doc, f"（另有{len(p.held) - len(listed)}场，见台账“服务活动”表。）")
    d.prompt(doc, "本类服务的特色做法、典型案例和成效", lines=2)


def _practices(doc: Any, f: YearFigures) -> None:
    d.heading(doc, "三、主要做法", 1)
    d.paragraph(doc, "以下按服务类别列出计入统计的服务活动（取自台账“服务活动”表的活动名称、服务内容）。")
    for i, p in enumerate(f.practices, 1):
        _practice(doc, f, i, p)


def _problems(doc: Any, f: YearFigures) -> None:
    d.heading(doc, "四、存在的问题", 1)
    d.heading(doc, "（一）任务差距", 2)
    if f.lags_of_unit:
        d.paragraph(doc, f"本单位与{'、'.join(f.partners)}共同承担附表3任务且未分解到本单位，"
                         f"差距按附表3单位“{f.unit}”的合计判断。")
    lags = [lag for lag in f.lags if lag.kind != LagKind.IDLE_MONTHS]
    if lags:
        d.caption(doc, f"表5 {f.name}未完成的任务")
        d.table(doc, ("问题", "梯度或类别", "实际", "指标或应完成", "差距"),
                [[LAG_LABELS[lag.kind], lag.label, lag.actual, lag.target, lag.gap] for lag in lags],
                (3.0, 5.8, 2.2, 2.6, 2.0))
    else:
        d.paragraph(doc, "各梯度服务场次、服务企业数均已达到附表3的目标。")
    idle = [lag for lag in f.lags if lag.kind == LagKind.IDLE_MONTHS]
    if idle:
        d.paragraph(doc, f"{idle[0].label}没有计入统计的服务活动，共{idle[0].gap}个月。")
    d.heading(doc, "（二）台账质量", 2)
    d.paragraph(doc, f"校验发现错误{f.errors}处、警告{f.warnings}处，{f.uncounted}条服务活动因错误未计入统计。")
    n = 3
    if f.scope == Scope.PROVINCE:
        d.heading(doc, f"（{_n(n)}）未报送单位", 2)
        n += 1
        d.paragraph(doc, ("截至统计日，以下单位未报送台账：" + "、".join(f.missing) + "。") if f.missing
                    else "全部报送单位均已报送台账。")
        d.heading(doc, f"（{_n(n)}）跨单位重复登记的企业", 2)
        n += 1
        _claims(doc, f)
    d.heading(doc, f"（{_n(n)}）原因分析", 2)
    d.prompt(doc, "上述差距和问题的主要原因（如企业需求、人员力量、经费、数据登记等）")


def _claims(doc: Any, f: YearFigures) -> None:
    if not f.cross_unit:
        d.paragraph(doc, "没有被两个及以上附表3单位同时登记的企业。")
        return
    d.paragraph(doc, f"共{len(f.cross_unit)}家企业被两个及以上附表3单位同时登记"
                     "（登记在培育企业名单或在其服务活动中签到），请核实归属，避免重复计数。")
    listed = f.cross_unit[:MAX_CLAIMS]
    d.table(doc, ("统一社会信用代码", "企业名称", "登记单位"),
            [[claim.uscc, claim.name, "、".join(claim.centres)] for claim in listed], widths_cm=(4.4, 4.6, 6.6))
    if len(f.cross_unit) > len(listed):
        d.paragraph(doc, f"（另有{len(f.cross_unit) - len(listed)}家，见全省汇总工作簿“重复企业”表。）")


def _next_steps(doc: Any, f: YearFigures) -> None:
    d.heading(doc, "五、下一步工作", 1)
    blanks = (("补齐任务差距", "补齐本年度任务差距的措施和时间安排"),
              ("下一年度工作重点", "下一年度梯度培育工作的重点和目标"),
              ("意见和建议", "需要上级协调解决的问题和建议"))
    if f.scope == Scope.PROVINCE:
        blanks = (("督导和补齐差距", "督导落后单位、补齐全省任务差距的安排"),
                  ("下一年度工作重点", "下一年度全省梯度培育工作的重点和任务分解"),
                  ("工作要求", "对各州市中心、窗口平台的工作要求"))
    for i, (title, text) in enumerate(blanks, 1):
        d.heading(doc, f"（{_n(i)}）{title}", 2)
        d.prompt(doc, text)


def _screening(doc: Any, tables: Sequence[ScreeningTable]) -> None:
    """附件: results of `tidu screen` (§11), written only when the caller passes them."""
    d.page_break(doc)
    d.heading(doc, "附件：梯度评估（筛查）结果", 1)
    for i, t in enumerate(tables, 1):
        d.caption(doc, f"附表{i} {t.title}")
        d.table(doc, t.headers, [list(r) for r in t.rows])
        if t.note:
            d.paragraph(doc, t.note)


def build_document(figures: YearFigures, loaded: LoadedPlan,
                   screening: Sequence[ScreeningTable] | None = None) -> Any:
    """The python-docx Document of one report."""
    title = f"{figures.name}{figures.year}年企业梯度培育工作专题报告"
    doc = d.new_document(title, REPORT_SUBJECT)
    categories = loaded.plan.category_labels
    charts = charts_for(figures, categories)
    _title_page(doc, figures)
    _basics(doc, figures)
    _completion(doc, figures, charts, categories)
    _practices(doc, figures)
    _problems(doc, figures)
    _next_steps(doc, figures)
    if screening:
        _screening(doc, screening)
    return doc


def write_report(figures: YearFigures, loaded: LoadedPlan, out_dir: str | Path,
                 screening: Sequence[ScreeningTable] | None = None) -> Path:
    """Write one report into ``out_dir`` atomically; returns its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / report_filename(figures)
    doc = build_document(figures, loaded, screening)
    fd, tmp = tempfile.mkstemp(suffix=".docx", dir=out)
    os.close(fd)
    try:
        doc.save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_reports(all_figures: Sequence[YearFigures], loaded: LoadedPlan, out_dir: str | Path,
                  screening: Sequence[ScreeningTable] | None = None, jobs: int | None = None,
                  progress: Callable[[Path], None] | None = None) -> list[Path]:
    """Every report, in worker processes; the screening results go into the province's only."""
    work = [(f, screening if f.scope == Scope.PROVINCE else None) for f in all_figures]
    paths = []
    for path in parallel_map(partial(_write_one, loaded=loaded, out_dir=Path(out_dir)), work, jobs):
        paths.append(path)
        if progress:
            progress(path)
    return paths


def _write_one(item: tuple[YearFigures, Sequence[ScreeningTable] | None], loaded: LoadedPlan, out_dir: Path) -> Path:
    return write_report(item[0], loaded, out_dir, item[1])
