"""Benchmark of `tidu consolidate` against a naive pipeline, and how its cost grows (run by hand).

    .venv/bin/python bench/bench_consolidate.py [--scales 46,460,4600] [--cache DIR]

46 realistic workbooks (200–2,000 roster rows and 100–1,000 sessions each, seeded) are built once
(cached), then consolidated in the same run by:
  * tidu: `tidu consolidate DIR -o REPORT.xlsx` as a process (its worker processes included in the
    peak memory, sampled from /proc every 20 ms);
  * naive: pandas.read_excel with openpyxl per sheet, a Python loop validating each row (required
    cells, credit code, date in year, known tier), counts per tier, an openpyxl report.
Larger scales reuse the 46 files through hard links in sub-folders (every file is read in full;
all but the newest version of each centre are superseded). Figures go to bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tidu.engine.cli.samples import generate_rows  # noqa: E402
from tidu.engine.plan import load_plan  # noqa: E402
from tidu.engine.uscc import is_valid  # noqa: E402
from tidu.workbook.builder import build_workbook, workbook_filename  # noqa: E402

AS_OF = "2021-12-31"


def _build_one(args: tuple[str, str, int, int]) -> str:
    path, centre, roster, sessions = args
    report = load_plan()
    rows = generate_rows(report.plan, centre, roster, sessions, seed=7, mistakes=10)
    build_workbook(Path(path), centre, report, rows=rows,
                   exported=dt.datetime(2021, 12, 20, 9, 0))
    return path


def build_corpus(folder: Path, build: Callable[[tuple[str, str, int, int]], str] = _build_one, seed: int = 46,
                 roster: tuple[int, int] = (200, 2000), sessions: tuple[int, int] = (100, 1000),
                 what: str = "workbooks") -> list[Path]:
    """One workbook per reporting centre, built once (cached in ``folder``) by ``build`` in worker
    processes, with seeded roster and session counts drawn from the given ranges."""
    from concurrent.futures import ProcessPoolExecutor

    plan = load_plan().plan
    rng = random.Random(seed)
    jobs = [(str(folder / workbook_filename(plan, c.name)), c.name, rng.randint(*roster), rng.randint(*sessions))
            for c in plan.centres]
    todo = [j for j in jobs if not Path(j[0]).exists()]
    if todo:
        folder.mkdir(parents=True, exist_ok=True)
        print(f"building {len(todo)} {what} in {folder} …", flush=True)
        with ProcessPoolExecutor() as pool:
            list(pool.map(build, todo))
    return [Path(j[0]) for j in jobs]


def scaled_folder(corpus: list[Path], copies: int, base: Path) -> Path:
    folder = base / f"x{copies}"
    if folder.exists():
        return folder
    for i in range(copies):
        sub = folder / f"批次{i:03d}"
        sub.mkdir(parents=True)
        for path in corpus:
            os.link(path, sub / path.name)
    return folder


def _tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (Linux /proc)."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                children[ppid].append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        stack.extend(children.get(p, ()))
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def run_measured(cmd: list[str], timed_runs: int = 1, env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """(seconds, peak tree RSS bytes, exit code) of a command.

    The time is the median of ``timed_runs`` runs with nothing else running; the memory is
    sampled in one more run (reading /proc every 20 ms costs a few percent of a core, which
    would otherwise be counted against the command).
    """
    times = []
    for _ in range(timed_runs):
        start = time.perf_counter()
        code = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env).returncode
        times.append(time.perf_counter() - start)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait() or code
    stop.set()
    sampler.join()
    return statistics.median(times), peak, code


# --- the naive pipeline --------------------------------------------------------------------

def naive(folder: Path, out: Path) -> None:
    import openpyxl
    import pandas as pd

    plan = load_plan().plan
    tiers = set(plan.tier_labels)
    sessions: Counter[str] = Counter()
    served: dict[str, set[str]] = defaultdict(set)
    problems: list[tuple[str, str, int, str]] = []
    for path in sorted(folder.rglob("*.xlsx")):
        sheets = pd.read_excel(path, sheet_name=["培育企业", "服务活动", "服务对象", "_meta"], engine="openpyxl",
                               dtype=object)
        roster_tier = {}
        for i, row in sheets["培育企业"].iterrows():
            code, tier = str(row["统一社会信用代码"]), row["培育梯度"]
            if not is_valid(code):
                problems.append((path.name, "培育企业", i + 2, "uscc"))
                continue
            if tier not in tiers:
                problems.append((path.name, "培育企业", i + 2, "tier"))
                continue
            roster_tier[code] = tier
        valid = {}
        for i, row in sheets["服务活动"].iterrows():
            date = pd.to_datetime(row["活动日期"], errors="coerce")
            if pd.isna(row["活动名称"]) or pd.isna(date) or date.year != plan.year or row["服务梯度"] not in tiers:
                problems.append((path.name, "服务活动", i + 2, "row"))
                continue
            valid[row["活动编号"]] = row["服务梯度"]
            sessions[row["服务梯度"]] += 1
        for _, row in sheets["服务对象"].iterrows():
            if row["活动编号"] in valid:
                code = str(row["统一社会信用代码"])
                served[roster_tier.get(code, valid[row["活动编号"]])].add(code)
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "全省汇总"
    ws.append(["培育梯度", "服务场次", "服务企业"])
    for tier in plan.tier_labels:
        ws.append([tier, sessions[tier], len(served[tier])])
    issues = book.create_sheet("问题清单")
    for problem in problems:
        issues.append(list(problem))
    book.save(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="46,460,4600", help="numbers of workbooks (multiples of 46)")
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "tidu-bench"))
    args = parser.parse_args()
    cache = Path(args.cache)
    corpus = build_corpus(cache / "corpus")
    sizes = sum(p.stat().st_size for p in corpus)
    print(f"corpus: {len(corpus)} workbooks, {sizes / 1e6:.1f} MB")
    tidu = str(Path(sys.executable).with_name("tidu"))
    out = cache / "out"
    out.mkdir(exist_ok=True)
    per_file = {}
    for n in (int(s) for s in args.scales.split(",")):
        copies = max(1, n // len(corpus))
        folder = cache / "corpus" if copies == 1 else scaled_folder(corpus, copies, cache)
        seconds, peak, code = run_measured([tidu, "consolidate", str(folder), "-o", str(out / f"r{n}.xlsx"),
                                            "--as-of", AS_OF])
        per_file[n] = seconds / (copies * len(corpus))
        print(f"tidu consolidate, {copies * len(corpus)} workbooks: {seconds:.1f} s "
              f"({per_file[n] * 1000:.0f} ms per workbook), peak memory {peak / 2**20:.0f} MiB, exit {code}",
              flush=True)
        if copies == 1:
            start = time.perf_counter()
            naive(folder, out / "naive.xlsx")
            naive_s = time.perf_counter() - start
            print(f"naive pipeline (pandas+openpyxl), {len(corpus)} workbooks: {naive_s:.1f} s "
                  f"→ tidu is {naive_s / seconds:.1f}× faster", flush=True)
    base = min(per_file)
    for n, cost in per_file.items():
        print(f"cost per workbook at {n}: {cost / per_file[base]:.2f}× that at {base}")


if __name__ == "__main__":
    main()
