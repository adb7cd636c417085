"""Rendering a plan for people (Chinese tables) and for tools (JSON)."""

from __future__ import annotations

from typing import Any

from tidu.engine.cli.texttable import render
from tidu.engine.plan import PlanReport, as_json
from tidu.engine.plan_checks import annex3_headers
from tidu.schemas.plan import NOT_ASSIGNED


def _q(value: int | None) -> Any:
    return NOT_ASSIGNED if value is None else value


def plan_text(report: PlanReport) -> str:
    """附表1 session quotas, 附表2 owners, 附表3 targets and the registry, as text tables."""
    plan = report.plan
    tiers = plan.tier_labels
    parts = [f"{plan.title}（{plan.id}，梯度条件规则集 {plan.tier_rules}）"]
    parts.append("\n培育梯度\n" + render(["梯度", "代码", "企业户数"],
                                      [[t.label, t.code, t.population] for t in plan.tiers]))
    rows = [[r.category, *map(_q, r.sessions)] for r in plan.annex1.rows]
    rows.append(["合计场次", *map(_q, plan.annex1.totals)])
    parts.append("\n附表1 服务场次（服务类别 × 梯度）\n" + render(["服务类别", *tiers], rows))
    rows = [[r.category, r.deadline, r.responsible, "、".join(t for t in tiers if t in r.tasks)]
            for r in plan.annex2]
    parts.append("\n附表2 省中心任务\n" + render(["服务类别", "完成时限", "负责人", "涉及梯度"], rows))
    short = [h.replace("目标企业家数", "·企业").replace("服务场次", "·场次") for h in annex3_headers(plan)]
    rows = [[u.name, *map(_q, u.row)] for u in plan.annex3.units]
    rows.append(["合计", *map(_q, plan.annex3.totals)])
    parts.append("\n附表3 任务安排（目标企业家数 · 服务场次）\n" + render(["中心及平台", *short], rows))
    rows = [[c.name, c.unit] for c in plan.centres] + [[plan.provincial_centre.name, "（省中心）"]]
    title = f"\n报送单位名录（{len(plan.centres)} 个报送单位 + 省中心）\n"
    parts.append(title + render(["报送单位", "附表3单位"], rows))
    verdict = "一致性检查通过" if report.valid else f"一致性检查发现 {len(report.findings)} 处问题"
    parts.append(f"\n{verdict}：各列合计与合计行相符，附表1合计场次与附表3服务场次合计相符。"
                 if report.valid else f"\n{verdict}")
    return "\n".join(parts)


def plan_json(report: PlanReport) -> dict[str, Any]:
    plan = report.plan
    data = as_json(plan)
    data["valid"] = report.valid
    data["findings"] = [f.to_json() for f in report.findings]
    data["rules"] = as_json(report.rules) if report.rules else None
    return data
