"""`tidu demo`: the whole provincial job on generated sample submissions.

Builds every centre's workbook, fills it with seeded realistic entries sized by the centre's
targets (some centres ahead, some behind), adds what a real collection holds — a few deliberate
mistakes, one resubmission, one centre that sent nothing, one foreign file and an Excel lock
file — consolidates the folder into the provincial workbook and screens its rosters (梯度评估).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tidu.engine.cli.consolidation import run_consolidation
from tidu.engine.cli.samples import credit_code, enterprise_row, generate_rows
from tidu.engine.consolidate import Consolidation
from tidu.engine.isolation import parallel_map
from tidu.engine.plan import load_plan
from tidu.engine.rollup import resolve_as_of
from tidu.schemas.plan import LoadedPlan
from tidu.schemas.screening import Screening
from tidu.workbook.builder import build_workbook, workbook_filename
from tidu.workbook.screen_sheets import write_screen_workbook

SUBMISSIONS = "报送台账"
SEED = 2021


@dataclass(frozen=True)
class DemoResult:
    report: Path
    submissions: Path
    consolidation: Consolidation
    screen: Path | None = None  # 梯度评估 workbook (candidates, 升规 reserve, warnings)
    screening: Screening | None = None


@dataclass(frozen=True)
class _Job:
    path: Path
    centre: str
    roster: list[int]
    sessions: list[int]
    mistakes: int
    exported: dt.datetime
    as_of: dt.date
    known: dict[str, list[list[Any]]]
    loaded: LoadedPlan


def _giants(plan_report: LoadedPlan) -> dict[str | None, dict[str, list[list[Any]]]]:
    """The province's 小巨人 (tiers the provincial centre serves), each registered in one unit's prefecture.

    The units' centres and platforms and the provincial centre all cultivate them, which is what
    the consolidation must count once.
    """
    plan = plan_report.plan
    rng = random.Random(f"{SEED}:giants")
    tiers = plan.provincial_centre.tiers
    pools: dict[str | None, dict[str, list[list[Any]]]] = {None: {t: [] for t in tiers}}
    for unit in plan.annex3.units:
        region = plan.prefectures[unit.prefecture]
        pools[unit.name] = {}
        for target in plan.targets(unit.name):
            if target.tier in tiers:
                rows = [enterprise_row(rng, credit_code(rng, region), target.tier, unit.prefecture)
                        for _ in range(target.enterprises or 0)]
                pools[unit.name][target.tier] = rows
                pools[None][target.tier] += rows
    return pools


def _sizes(plan_report: LoadedPlan, centre: str, rng: random.Random) -> tuple[list[int], list[int]]:
    """Roster and sessions per tier from the centre's targets; a prefecture's centre and platform split them."""
    plan = plan_report.plan
    unit = plan.unit_of(centre)
    # A prefecture's centre and platform share its row; the provincial centre works with the units.
    sharing = max(1, sum(1 for c in plan.centres if c.unit == unit)) if unit else 2
    effort = rng.uniform(0.45, 1.25)  # how far along this centre is
    roster, sessions = [], []
    for target in plan.targets(unit):
        enterprises = (target.enterprises or 0) / sharing
        roster.append(math.ceil(enterprises * rng.uniform(0.8, 1.2)) if enterprises else rng.randint(0, 2))
        quota = (target.sessions or 0) / sharing
        sessions.append(max(0, round(quota * effort + rng.uniform(-0.5, 0.5))) if quota else rng.randint(0, 1))
    return roster, sessions


def _build(job: _Job) -> Path:
    rows = generate_rows(job.loaded.plan, job.centre, job.roster, job.sessions, seed=SEED, as_of=job.as_of,
                         mistakes=job.mistakes, known=job.known)
    return build_workbook(job.path, job.centre, job.loaded, rows=rows,
                          created=job.exported - dt.timedelta(days=30), exported=job.exported)


def run_demo(out_dir: str | Path, as_of: dt.date | None = None, plan: LoadedPlan | None = None,
             jobs: int | None = None, on_step: Callable[[str], None] | None = None) -> DemoResult:
    """Generate the submissions under ``out_dir/报送台账`` and write the provincial report."""
    plan = plan or load_plan()
    the_plan = plan.plan
    out = Path(out_dir)
    folder = out / SUBMISSIONS
    if folder.exists():
        shutil.rmtree(folder)  # only the demo's own generated submissions live here
    folder.mkdir(parents=True)
    day = resolve_as_of(as_of, the_plan.year)
    rng = random.Random(SEED)
    names = the_plan.centre_names()
    missing = rng.choice([c.name for c in the_plan.centres if c.kind == "prefecture_platform"])
    with_mistakes = set(rng.sample([n for n in names if n != missing], 4))
    resubmitted = rng.choice([c.name for c in the_plan.centres if c.kind == "prefecture_centre"])
    exported = dt.datetime.combine(day, dt.time(17, 30))
    giants = _giants(plan)
    job_list = []
    for name in names:
        if name == missing:
            continue
        roster, sessions = _sizes(plan, name, random.Random(f"{SEED}:{name}"))
        known = giants[the_plan.unit_of(name)]
        job_list.append(_Job(folder / workbook_filename(the_plan, name), name, roster, sessions,
                             3 if name in with_mistakes else 0, exported, day, known, plan))
        if name == resubmitted:  # an earlier version, sent a week before, with fewer sessions
            job_list.append(_Job(folder / f"{Path(workbook_filename(the_plan, name)).stem}（第一次报送）.xlsx",
                                 name, roster, [max(0, s - 1) for s in sessions], 5, exported - dt.timedelta(days=7),
                                 day - dt.timedelta(days=7), known, plan))
    for path in parallel_map(_build, job_list, jobs):
        if on_step:
            on_step(path.name)
    _foreign_files(folder)
    report_path = out / f"全省汇总_{the_plan.year}.xlsx"
    done = run_consolidation(folder, report_path, plan, day, feedback=True, screen=True, workers=jobs,
                             on_step=on_step)
    screen_path = write_screen_workbook(done.screening, out / f"梯度评估_{the_plan.year}.xlsx")
    return DemoResult(report_path, folder, done.result, screen_path, done.screening)


def _foreign_files(folder: Path) -> None:
    """What else turns up in a mailbox export: a CSV saved as .xlsx and an Excel lock file."""
    (folder / "会议签到表.xlsx").write_text("序号,企业名称,联系人\n1,某某公司,张三\n", encoding="utf-8")
    (folder / "~$昆明市中小企业服务中心_台账.xlsx").write_bytes(b"\x00" * 165)
