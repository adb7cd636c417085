"""How fast LibreOffice recalculates the centre workbook's formula view (完成情况 + hidden _calc).

Run: ``.venv/bin/python bench/bench_recalc.py [--repeat 3]`` (needs soffice; the UNO part runs
with the system Python, which has LibreOffice's bridge: Debian python3-uno).

Measures, for a typical workbook (500 sessions, 3,000 sign-ins) and a full one (5,000 sessions,
30,000 sign-ins), with a private profile that forces recalculation on load:

* ``load+recalc``: ``soffice --convert-to csv`` of 完成情况 only, start-up included (what a clerk
  waits for when opening the file, plus a process start);
* ``calculateAll``: a full recalculation in an open document (UNO), start-up excluded;
* ``one row``: typing one sign-in row at the bottom, then ``calculate()`` (only dirty cells).
Figures are medians of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tidu.engine.cli.samples import generate_rows
from tidu.engine.plan import load_plan
from tidu.schemas import contract as c
from tidu.workbook.builder import build_workbook

CENTRE = "昆明市中小企业服务中心"
_UNO = Path(__file__).with_name("uno_recalc.py")


def filled_rows(plan, sessions: int, signins: int, roster: int, seed: int = 7) -> dict:
    """Sample entries with exactly ``sessions`` sessions and ``signins`` sign-in rows."""
    rows = generate_rows(plan, CENTRE, roster, sessions, seed=seed)
    rng = random.Random(seed)
    by_tier: dict[str, list[list]] = {}
    for row in rows["roster"]:
        by_tier.setdefault(row[2], []).append(row)
    extra = []
    while len(rows["signin"]) + len(extra) < signins:
        session = rng.choice(rows["activity"])
        pool = by_tier.get(session[3]) or rows["roster"]
        enterprise = rng.choice(pool)
        extra.append([session[0], enterprise[0], enterprise[1]])
    rows["signin"] = (rows["signin"] + extra)[:signins]
    return rows


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def warm_profile(work: Path) -> None:
    """Start LibreOffice once on a tiny workbook so the private profile exists before timing."""
    import xlsxwriter

    from tests.libreoffice import sheet_values

    tiny = work / "tiny.xlsx"
    book = xlsxwriter.Workbook(str(tiny))
    book.add_worksheet("x").write(0, 0, 1)
    book.close()
    sheet_values([tiny], "x", work, sheet_number=1)
    subprocess.run(["/usr/bin/python3", str(_UNO), str(tiny), str(work / "uno-profile")],
                   capture_output=True, text=True, timeout=300, check=False)


def load_and_recalc(path: Path, work: Path) -> float:
    from tests.libreoffice import sheet_values

    start = time.perf_counter()
    sheet_values([path], c.PROGRESS, work)
    return time.perf_counter() - start


def uno_times(path: Path, work: Path) -> dict:
    out = subprocess.run(["/usr/bin/python3", str(_UNO), str(path), str(work / "uno-profile")],
                         capture_output=True, text=True, timeout=900, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    loaded = load_plan()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for label, sessions, signins, roster in (("typical", 500, 3000, 1000), ("full", 5000, 30000, 5000)):
            rows = filled_rows(loaded.plan, sessions, signins, roster)
            path = build_workbook(work / f"{label}.xlsx", CENTRE, loaded, rows=rows)
            loads, alls, ones = [], [], []
            run = work / label
            run.mkdir()
            warm_profile(run)  # a clerk's LibreOffice has a profile already: do not time its creation
            for _ in range(args.repeat):
                loads.append(load_and_recalc(path, run))
                times = uno_times(path, run)
                alls.append(times["calculate_all"])
                ones.append(times["one_row"])
            shutil.rmtree(run, ignore_errors=True)
            print(f"{label}: {sessions} sessions, {len(rows['signin'])} sign-ins, {roster} roster rows")
            print(f"  load+recalc (soffice, start-up included): {_median(loads)} s")
            print(f"  calculateAll (open document):              {_median(alls)} s")
            print(f"  one row typed at the bottom, calculate():  {_median(ones)} s")


if __name__ == "__main__":
    main()
