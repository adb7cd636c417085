"""Charts of the 专题报告 (matplotlib, Agg backend, a CJK face found by name), as PNG bytes."""

from __future__ import annotations

import io
from collections.abc import Sequence

from tidu.engine.yearend import CategoryCell, Scope, YearFigures
from tidu.schemas.results import TierProgress
from tidu.workbook.yearend.fonts import chart_family

DPI = 150
BAR_COLOURS = ("#2f5597", "#c55a11")
TARGET_COLOUR = "#bfbfbf"


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg", force=False)  # no display: the report is written headless
    from matplotlib import pyplot as plt

    family = chart_family()
    style = {"font.family": [family] if family else ["sans-serif"], "axes.unicode_minus": False,
             "font.size": 9}
    with plt.rc_context(style):
        fig, ax = plt.subplots(figsize=(width, height), dpi=DPI)
    for text in (ax.title, ax.xaxis.label, ax.yaxis.label):
        text.set_fontfamily(style["font.family"])
    return plt, fig, ax, style


def _png(plt, fig, left: float = 0.1) -> bytes:
    buf = io.BytesIO()
    # Fixed margins: tight_layout would cost more than drawing the chart, for every report.
    fig.subplots_adjust(left=left, right=0.98, top=0.9, bottom=0.13)
    fig.savefig(buf, format="png", dpi=DPI)
    plt.close(fig)
    return buf.getvalue()


def _label_bars(ax, bars, texts: Sequence[str], family: list[str]) -> None:
    for bar, text in zip(bars, texts, strict=True):
        ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                    fontsize=7, xytext=(0, 2), textcoords="offset points", fontfamily=family)


def completion_by_tier(rows: Sequence[TierProgress], title: str) -> bytes:
    """Sessions and enterprises completion per tier, with the 100% line (tiers without a target: none)."""
    plt, fig, ax, style = _figure(6.2, 3.2)
    family = style["font.family"]
    labels = [p.tier for p in rows]
    xs = range(len(rows))
    width = 0.38
    for offset, (name, key, colour) in enumerate((("服务场次完成率", "sessions_rate", BAR_COLOURS[0]),
                                                  ("服务企业完成率", "enterprises_rate", BAR_COLOURS[1]))):
        values = [getattr(p, key) for p in rows]
        bars = ax.bar([x + (offset - 0.5) * width for x in xs], [100 * (v or 0) for v in values], width,
                      label=name, color=colour)
        _label_bars(ax, bars, ["无指标" if v is None else f"{100 * v:.0f}%" for v in values], family)
    ax.axhline(100, color="#7f7f7f", linestyle="--", linewidth=1)
    ax.set_xticks(list(xs), labels, fontfamily=family)
    ax.set_ylabel("完成率（%）", fontfamily=family)
    ax.set_title(title, fontfamily=family)
    ax.legend(prop={"family": family, "size": 8}, loc="upper right")
    ax.margins(y=0.15)
    return _png(plt, fig)


def sessions_by_category(cells: Sequence[CategoryCell], categories: Sequence[str], title: str,
                         with_quota: bool) -> bytes:
    """Sessions per service category; with the 附表1 quota beside it where ``with_quota``."""
    plt, fig, ax, style = _figure(6.2, 3.4)
    family = style["font.family"]
    held = [sum(c.sessions for c in cells if c.category == cat) for cat in categories]
    quota = [sum(c.quota or 0 for c in cells if c.category == cat) for cat in categories]
    ys = range(len(categories))
    height = 0.38 if with_quota else 0.6
    bars = ax.barh([y - (height / 2 if with_quota else 0) for y in ys], held, height, label="实际场次",
                   color=BAR_COLOURS[0])
    ax.bar_label(bars, [str(v) for v in held], fontsize=7, padding=2)
    if with_quota:
        qbars = ax.barh([y + height / 2 for y in ys], quota, height, label="附表1场次指标", color=TARGET_COLOUR)
        ax.bar_label(qbars, [str(v) for v in quota], fontsize=7, padding=2)
        ax.legend(prop={"family": family, "size": 8}, loc="lower right")
    ax.set_yticks(list(ys), categories, fontfamily=family)
    ax.invert_yaxis()
    ax.set_xlabel("场次", fontfamily=family)
    ax.set_title(title, fontfamily=family)
    ax.margins(x=0.12)
    return _png(plt, fig, left=0.24)


def sessions_by_month(monthly: Sequence[int], title: str) -> bytes:
    """Counted sessions per month of the plan year (活动日期)."""
    plt, fig, ax, style = _figure(6.2, 2.8)
    family = style["font.family"]
    months = [f"{m}月" for m in range(1, 13)]
    bars = ax.bar(months, list(monthly), color=BAR_COLOURS[0])
    ax.bar_label(bars, [str(v) for v in monthly], fontsize=7, padding=2)
    ax.set_xticks(range(12), months, fontfamily=family)
    ax.set_ylabel("场次", fontfamily=family)
    ax.set_title(title, fontfamily=family)
    ax.margins(y=0.15)
    return _png(plt, fig)


def charts_for(figures: YearFigures, categories: Sequence[str]) -> dict[str, bytes]:
    """The three charts of one report, by key: tiers, categories, months."""
    who = figures.name
    return {
        "tiers": completion_by_tier(figures.progress, f"{who}各梯度任务完成率"),
        "categories": sessions_by_category(figures.by_category, categories, f"{who}各服务类别服务场次",
                                           with_quota=figures.scope == Scope.PROVINCE),
        "months": sessions_by_month(figures.monthly, f"{who}{figures.year}年各月服务场次"),
    }
