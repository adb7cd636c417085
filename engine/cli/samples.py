"""Realistic generated centre entries (seeded), for the demo and the benchmarks.

Valid credit codes with Yunnan region codes, plausible enterprise names, sessions spread over
the year according to 附表1's offer, sign-ins drawn from the roster; optionally a few deliberate
mistakes of the kinds clerks make.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from tidu.engine.uscc import CHARSET, with_check_character
from tidu.schemas import contract as c
from tidu.schemas.plan import Plan

_COUNTIES = {  # a few county codes per prefecture (positions 3–8 of the credit code)
    "5301": ["530102", "530103", "530111", "530112", "530114", "530181"],
    "5303": ["530302", "530303", "530381"], "5304": ["530402", "530403"], "5305": ["530502", "530581"],
    "5306": ["530602", "530621"], "5307": ["530702", "530721"], "5308": ["530802", "530821"],
    "5309": ["530902", "530921"], "5323": ["532301", "532331"], "5325": ["532501", "532502", "532503"],
    "5326": ["532601", "532622"], "5328": ["532801", "532822"], "5329": ["532901", "532922"],
    "5331": ["533102", "533103"], "5333": ["533301", "533321"], "5334": ["533401", "533422"],
}
_BRANDS = [*"云岭滇池金沙苍洱彩云春城高原普洱翡翠玉龙红土石林哀牢乌蒙", "七彩", "南诏", "雪山", "茶马"]
_TRADES = ["精密机械", "生物科技", "食品", "电子", "新材料", "建材", "农业科技", "物流", "软件", "医药", "花卉",
           "茶业", "化工", "光电", "装备制造", "商贸", "文化传媒", "环保科技", "咖啡", "矿业"]
_FORMS = ["有限公司", "股份有限公司", "有限责任公司"]
_INDUSTRIES = ["制造业", "信息技术", "批发零售", "农林牧渔", "医药健康", "文化旅游", "建筑业", "交通物流"]
# revenue ranges (万元) that satisfy each tier of the 2018 rules
_FIGURES = {
    "国家级小巨人": (12000, 60000), "省级小巨人": (5000, 30000), "规上工业企业": (2200, 20000),
    "成长型中小企业": (600, 3000), "小微企业": (20, 500),
}


def credit_code(rng: random.Random, prefecture_code: str) -> str:
    region = rng.choice(_COUNTIES.get(prefecture_code, [prefecture_code + "02"]))
    body = "".join(rng.choice(CHARSET) for _ in range(9))
    return with_check_character(f"91{region}{body}")


def enterprise_name(rng: random.Random, place: str) -> str:
    brand = "".join(rng.sample(_BRANDS, 2))
    return f"{place.rstrip('市州')}{brand}{rng.choice(_TRADES)}{rng.choice(_FORMS)}"


def _split(total: int, weights: list[float], rng: random.Random) -> list[int]:
    """``total`` items spread over weighted buckets."""
    counts = [0] * len(weights)
    for i in rng.choices(range(len(weights)), weights, k=total):
        counts[i] += 1
    return counts


PYRAMID = [1, 2, 10, 8, 30]  # default tier weights: few giants, many small firms


def generate_rows(plan: Plan, centre: str, roster: int | list[int], sessions: int | list[int], seed: int = 0,
                  as_of: dt.date | None = None, mistakes: int = 0,
                  known: dict[str, list[list[Any]]] | None = None) -> dict[str, list[list[Any]]]:
    """Entries for one centre, as rows in header order for ``workbook.builder.build_workbook``.

    ``roster`` and ``sessions`` are totals (spread over the tiers like the pyramid) or counts per
    tier in the plan's order. Each session signs in enough of its tier's enterprises that the
    roster is served about once over the year.
    """
    rng = random.Random(f"{seed}:{centre}")
    unit = plan.unit(plan.unit_of(centre) or "")
    prefecture = unit.prefecture if unit else "昆明市"
    region = plan.prefectures.get(prefecture, "5301")
    end = min(as_of or dt.date(plan.year, 12, 31), dt.date(plan.year, 12, 31))
    days = max((end - dt.date(plan.year, 1, 1)).days, 0)
    tiers = plan.tier_labels
    weights = PYRAMID[: len(tiers)]
    per_roster = roster if isinstance(roster, list) else _split(roster, weights, rng)
    per_sessions = sessions if isinstance(sessions, list) else _split(sessions, weights, rng)
    by_tier: dict[str, list[list[Any]]] = {t: [] for t in tiers}
    codes: set[str] = set()
    for tier, count in zip(tiers, per_roster, strict=True):
        if known and tier in known:
            by_tier[tier] = [list(row) for row in known[tier]]
            codes.update(row[0] for row in known[tier])
            continue
        for _ in range(count):
            code = credit_code(rng, region)
            while code in codes:
                code = credit_code(rng, region)
            codes.add(code)
            by_tier[tier].append(enterprise_row(rng, code, tier, prefecture))
    activities: list[list[Any]] = []
    signins: list[list[Any]] = []
    number = 0
    for tier, count in zip(tiers, per_sessions, strict=True):
        offered = [(cat, q) for cat in plan.category_labels if (q := plan.session_quota(cat, tier))]
        pool = by_tier[tier]
        typical = max(1, round(2 * len(pool) / max(count, 1)))
        for _ in range(count):
            number += 1
            category = rng.choices([cat for cat, _ in offered], [q for _, q in offered])[0]
            attendees = rng.sample(pool, min(len(pool), rng.randint(1, typical))) if pool else []
            aid = f"HD{plan.year}-{number:04d}"
            activities.append(_activity(rng, plan, aid, tier, category, days, len(attendees)))
            signins.extend([aid, e[0], e[1]] for e in attendees)
    rng.shuffle(activities)
    rows = {"roster": [row for tier in tiers for row in by_tier[tier]], "activity": activities, "signin": signins}
    _add_mistakes(rows, rng, mistakes, plan)
    # a generator of its own, so the entries above stay what they were before 企业指标 existed
    rows["indicators"] = indicator_rows(random.Random(f"{seed}:{centre}:indicators"), plan, rows["roster"])
    return rows


# 企业指标 profiles: most enterprises grow; some slump (warnings); a few left without figures.
_PROFILES = (("steady", 0.78), ("slump", 0.12), ("blank", 0.10))


def indicator_rows(rng: random.Random, plan: Plan, roster: list[list[Any]]) -> list[list[Any]]:
    """企业指标 rows (three years back, and the plan year's 规上 flag) consistent with the roster.

    The previous year matches the roster's 上年 figures; earlier years follow from a growth path.
    Growth SMEs whose main revenue nears 2000万 are the 升规 reserve; some of them entered the
    statistics in the plan year (新增规上).
    """
    keys = {col.key: i for i, col in enumerate(c.ROSTER.columns)}
    ranks = {label: i for i, label in enumerate(plan.tier_labels)}
    out: list[list[Any]] = []
    for row in roster:
        code, tier, revenue = row[keys["uscc"]], row[keys["tier"]], row[keys["revenue"]]
        if not code or tier not in ranks or not isinstance(revenue, (int, float)):
            continue
        profile = rng.choices([p for p, _ in _PROFILES], [w for _, w in _PROFILES])[0]
        if profile == "blank":
            continue
        rank = ranks[tier]  # 0 = 国家级小巨人 … 4 = 小微企业
        main = row[keys["main_revenue"]] or revenue * 0.9
        employees = row[keys["employees"]] or rng.randint(10, 300)
        big = rank <= 2  # 规上 and above are in the statistics every year
        for back in range(3, 0, -1):
            year = plan.year - back
            if profile == "slump" and back == 1:
                factor, margin, debt = 1.0, rng.uniform(-0.15, -0.02), rng.uniform(0.72, 0.92)
            elif profile == "slump":
                factor = rng.uniform(1.15, 1.8) * (1.05 ** (back - 2))  # revenue was higher before
                margin, debt = rng.uniform(0.01, 0.06), rng.uniform(0.55, 0.7)
            else:
                factor = 1 / (1 + rng.uniform(0.04, 0.22)) ** (back - 1)
                margin, debt = rng.uniform(0.02, 0.14), rng.uniform(0.3, 0.68)
            rev = round(revenue * factor, 1)
            assets = round(rev * rng.uniform(0.8, 1.6), 1)
            staff = employees if back == 1 else round(employees * (factor if profile == "slump" else 1 / factor ** 0.3))
            values = {
                "uscc": code, "year": year, "revenue": rev, "main_revenue": round(main * factor, 1),
                "net_profit": round(rev * margin, 1), "profit_tax": round(rev * (abs(margin) + 0.03), 1),
                "assets": assets, "liabilities": round(assets * debt, 1),
                "rd_expense": round(rev * rng.uniform(0.01, 0.07) if rank >= 3 else rev * rng.uniform(0.03, 0.08), 1),
                "employees": staff, "rd_staff": round(staff * rng.uniform(0.05, 0.3)),
                "ip1": rng.randint(0, 2) if rank >= 3 else rng.randint(1, 8), "ip2": rng.randint(0, 12),
                "market_share": round(rng.uniform(0.5, 6) if rank >= 2 else rng.uniform(5, 30), 1),
                "province_rank": rng.randint(1, 4) if rank <= 1 else rng.randint(3, 30),
                "niche_years": rng.randint(2, 15) - back + 1, "rd_institution": rng.choice(
                    ("省级", "市级", "市级以下") if rank <= 1 else ("市级以下", "无", "无")),
                "digital_level": rng.choice(("二级", "三级") if rank <= 2 else ("一级", "二级")),
                "above_scale": "是" if big else "否",
            }
            out.append([values.get(col.key) for col in c.INDICATORS.columns])
        if not big and main >= 2000 and rng.random() < 0.6:  # entered the statistics this year
            values = {"uscc": code, "year": plan.year, "above_scale": "是", "note": "本年度纳入规上统计"}
            out.append([values.get(col.key) for col in c.INDICATORS.columns])
    return out


def enterprise_row(rng: random.Random, code: str, tier: str, prefecture: str) -> list[Any]:
    """A plausible roster row for a given code and tier (figures fit the tier's criteria)."""
    low, high = _FIGURES.get(tier, (100, 1000))
    revenue = round(rng.uniform(low, high), 1)
    values = {"uscc": code, "name": enterprise_name(rng, prefecture), "tier": tier, "prefecture": prefecture,
              "industry": rng.choice(_INDUSTRIES), "revenue": revenue,
              "main_revenue": round(revenue * rng.uniform(0.75, 0.98), 1),
              "revenue_growth": round(rng.uniform(-5, 35), 1),
              "rd_expense": round(revenue * rng.uniform(0.035, 0.08), 1),
              "rd_staff_share": round(rng.uniform(16, 40), 1), "employees": rng.randint(5, 2000),
              "contact": rng.choice("张王李赵刘陈杨黄周吴") + rng.choice(["老师", "经理", "主任"]),
              "phone": f"0871-6{rng.randint(1000000, 9999999)}"}
    return [values.get(col.key) for col in c.ROSTER.columns]


def _activity(rng: random.Random, plan: Plan, aid: str, tier: str, category: str, days: int,
              enterprises: int) -> list[Any]:
    items = plan.content_items(category, tier)
    date = dt.date(plan.year, 1, 1) + dt.timedelta(days=rng.randint(0, days))
    kind = rng.choice(["专题活动", "对接会", "培训", "送服务进企业"])
    values = {"id": aid, "date": date, "category": category, "tier": tier,
              "content": rng.choice(items) if items else None,
              "name": f"{date.month}月{tier}{category.removesuffix('服务')}{kind}",
              "form": rng.choice(plan.service_forms) if plan.service_forms else None,
              "enterprises": enterprises, "attendees": enterprises * rng.randint(1, 3),
              "owner": rng.choice("张王李赵刘陈") + rng.choice("明华丽军芳伟"),
              "evidence": rng.choice(["签到表、照片", "会议通知、签到表", "服务记录单", "签到表", None])}
    return [values.get(col.key) for col in c.ACTIVITY.columns]


def _add_mistakes(rows: dict[str, list[list[Any]]], rng: random.Random, count: int, plan: Plan) -> None:
    """A few errors of the kinds clerks make: mistyped codes, last year's date, an unknown tier."""
    headers = {s.key: s.headers for s in c.ENTRY_SHEETS}

    def set_cell(sheet: str, key: str, value: Any) -> None:
        spec = next(s for s in c.ENTRY_SHEETS if s.key == sheet)
        if rows[sheet]:
            rows[sheet][rng.randrange(len(rows[sheet]))][headers[sheet].index(spec.column(key).header)] = value

    kinds = [
        lambda: set_cell("roster", "uscc", "91530100MA6K00000X"),  # wrong check digit
        lambda: set_cell("activity", "date", dt.date(plan.year - 1, 12, 20)),  # outside the plan year
        lambda: set_cell("activity", "tier", "专精特新企业"),  # not a tier
        lambda: set_cell("activity", "enterprises", -2),
        lambda: set_cell("roster", "main_revenue", 150.0),  # contradicts a tier's criteria (warning)
    ]
    for i in range(count):
        kinds[i % len(kinds)]()
