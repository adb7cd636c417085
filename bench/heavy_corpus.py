"""A findings-heavy corpus: 46 realistic workbooks with the warnings and infos real data has.

Real submissions carry many findings that are not errors: enterprises registered outside the
centre's prefecture (uscc-region warnings), sessions without 佐证材料 (evidence-missing infos),
declared 服务企业数 that differ from the sign-ins, content outside 附表1's items. About 140,000
rows and 60,000 findings in all (seeded, built once and cached).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_consolidate import build_corpus  # noqa: E402
from tidu.engine.cli.samples import generate_rows  # noqa: E402
from tidu.engine.plan import load_plan  # noqa: E402
from tidu.engine.uscc import with_check_character  # noqa: E402
from tidu.schemas import contract as c  # noqa: E402
from tidu.workbook.builder import build_workbook  # noqa: E402

OTHER_REGIONS = ("530302", "530402", "530502", "532301", "532501", "532901", "110105", "440305")


def heavy_rows(centre: str, roster: int, sessions: int, seed: int) -> dict[str, list[list[Any]]]:
    """generate_rows, then what real data adds: foreign registrations, missing evidence, odd counts."""
    plan = load_plan().plan
    rows = generate_rows(plan, centre, roster, sessions, seed=seed, mistakes=6)
    rng = random.Random(f"heavy:{seed}:{centre}")
    uscc = c.ROSTER.headers.index("统一社会信用代码")
    recode: dict[str, str] = {}
    for row in rows["roster"]:
        if rng.random() < 0.55 and isinstance(row[uscc], str) and len(row[uscc]) == 18:
            new = with_check_character(row[uscc][:2] + rng.choice(OTHER_REGIONS) + row[uscc][8:17])
            recode[row[uscc]] = new
            row[uscc] = new
    s_uscc = c.SIGNIN.headers.index("统一社会信用代码")
    for row in rows["signin"]:
        row[s_uscc] = recode.get(row[s_uscc], row[s_uscc])
    evidence = c.ACTIVITY.headers.index("佐证材料")
    declared = c.ACTIVITY.headers.index("服务企业数")
    for row in rows["activity"]:
        if rng.random() < 0.6:
            row[evidence] = None
        if rng.random() < 0.3 and isinstance(row[declared], int):
            row[declared] += rng.randint(1, 3)
    return rows


def _build(args: tuple[str, str, int, int]) -> str:
    path, centre, roster, sessions = args
    build_workbook(Path(path), centre, load_plan(), rows=heavy_rows(centre, roster, sessions, seed=60),
                   exported=dt.datetime(2021, 12, 20, 9, 0))
    return path


def build_heavy_corpus(folder: Path) -> list[Path]:
    """The 46 reporting centres' workbooks, about 3,000 rows each (cached in ``folder``)."""
    return build_corpus(folder, _build, seed=60, roster=(900, 1500), sessions=(500, 900),
                        what="findings-heavy workbooks")
