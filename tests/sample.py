"""A small, fully valid set of centre entries that tests mutate one cell at a time."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from tidu.engine.uscc import with_check_character
from tidu.schemas import contract as c

CENTRE = "昆明市中小企业服务中心"
UNIT = "昆明市中小中心及窗口平台"


def code(serial: int, region: str = "530102") -> str:
    """A valid credit code registered in ``region`` (default: Kunming, 五华区)."""
    return with_check_character(f"91{region}MA{serial:07d}"[:17])


E1, E2, E3, E9 = code(1), code(2), code(3), code(9)


def _row(sheet: c.EntrySheet, **values: Any) -> list[Any]:
    return [values.get(col.key) for col in sheet.columns]


def roster(**v: Any) -> list[Any]:
    return _row(c.ROSTER, **v)


def activity(**v: Any) -> list[Any]:
    return _row(c.ACTIVITY, **v)


def signin(**v: Any) -> list[Any]:
    return _row(c.SIGNIN, **v)


BASE: dict[str, list[list[Any]]] = {
    "roster": [
        roster(uscc=E1, name="云南甲制造有限公司", tier="规上工业企业", prefecture="昆明市",
               revenue=3500, main_revenue=3000, employees=120),
        roster(uscc=E2, name="昆明乙商贸有限公司", tier="小微企业", prefecture="昆明市"),
        roster(uscc=E3, name="云南丙科技股份有限公司", tier="国家级小巨人", revenue=20000, main_revenue=18000,
               rd_expense=800, rd_staff_share=20),
    ],
    "activity": [
        activity(id="H1", date=dt.date(2021, 3, 1), category="政策信息服务", tier="规上工业企业",
                 content="政策宣讲", name="2021年惠企政策宣讲会", form="政策宣讲会", enterprises=2, attendees=10,
                 evidence="签到表、照片"),
        activity(id="H2", date=dt.date(2021, 5, 10), category="创业服务", tier="小微企业", content="创业辅导",
                 name="小微企业创业辅导", form="一对一服务", enterprises=1, attendees=2, evidence="服务记录"),
        activity(id="H3", date=dt.date(2021, 6, 1), category="投融资服务", tier="国家级小巨人",
                 content="标准信贷产品", name="小巨人银企对接会", form="对接活动", enterprises=1, attendees=3,
                 evidence="会议纪要"),
    ],
    "signin": [
        signin(activity_id="H1", uscc=E1, name="云南甲制造有限公司"),
        signin(activity_id="H1", uscc=E3),
        signin(activity_id="H2", uscc=E2),
        signin(activity_id="H3", uscc=E3),
    ],
}


def rows(changes: dict[str, Any] | None = None, add: dict[str, list[list[Any]]] | None = None,
         drop: dict[str, list[int]] | None = None) -> dict[str, list[list[Any]]]:
    """A deep copy of BASE: ``changes`` map "sheet:index:key" (0-based data index) to a value,
    ``add`` appends rows, ``drop`` removes rows by index."""
    data = copy.deepcopy(BASE)
    for sheet, indices in (drop or {}).items():
        data[sheet] = [r for i, r in enumerate(data[sheet]) if i not in indices]
    for sheet, extra in (add or {}).items():
        data[sheet].extend(extra)
    for where, value in (changes or {}).items():
        sheet, index, key = where.split(":")
        spec = next(s for s in c.ENTRY_SHEETS if s.key == sheet)
        data[sheet][int(index)][spec.headers.index(spec.column(key).header)] = value
    return data
