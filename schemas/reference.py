"""Reference lists shipped as data files (schemas/data): Yunnan's counties and GB/T 4754 industries.

The workbook's drop-downs read them; each file names its source.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load(resources.files("tidu.schemas").joinpath("data", name).read_text(encoding="utf-8"))


def counties() -> dict[str, list[str]]:
    """Prefecture name (as the plan spells it) → its county-level divisions."""
    return dict(_load("yunnan-counties.yaml")["prefectures"])


def industries() -> list[str]:
    """The 行业 drop-down: each GB/T 4754-2017 门类, with B/C/D (规上工业) also by 大类."""
    data = _load("industries-gbt4754-2017.yaml")
    items = []
    for code, name in data["sections"].items():
        items.append(f"{code} {name}")
        for number, division in (data["industrial_divisions"].get(code) or {}).items():
            items.append(f"{code}{number} {division}")
    return items
