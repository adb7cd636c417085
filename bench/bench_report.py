"""Consolidation on a findings-heavy set, against the naive loop and the reading floor (run by hand).

    .venv/bin/python bench/bench_report.py [--cache DIR] [--copies 10]

The 46 workbooks of ``heavy_corpus`` (about 140,000 rows and 60,000 findings, most of them
warnings and infos) are built once, then in one run:
  * tidu: `tidu consolidate DIR -o R.xlsx --no-feedback` (report only) and with the feedback files,
    each the median of three runs (memory sampled in a fourth), the plan kept as any command
    after the first keeps it; and report only with the plan checked anew at every run, as the
    first command after installing tidu or editing the plan does;
  * naive read loop: pandas.read_excel (openpyxl) of the sheets tidu reads, file after file (the
    issue's "naive pandas/openpyxl read loop");
  * naive pipeline: that loop plus a Python validation loop and an openpyxl report
    (bench_consolidate.naive);
  * floor: python-calamine reading every sheet a consolidation reads (企业指标 is read only by the
    screening), in two processes, nothing else.
With ``--copies N`` the set is also hard-linked N times into sub-folders (46·N files, all but the
newest version of each centre superseded) to show that time stays linear and memory bounded.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_consolidate import naive, run_measured, scaled_folder  # noqa: E402
from heavy_corpus import build_heavy_corpus  # noqa: E402
from tidu.engine.reader import _COUNTING_SHEETS as COUNTING_SHEETS  # noqa: E402

AS_OF = "2021-12-31"


def _read_all(path: str) -> int:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(path)
    return sum(len(book.get_sheet_by_name(n).to_python(skip_empty_area=False))
               for n in book.sheet_names if n in COUNTING_SHEETS)


def naive_read_loop(paths: list[Path]) -> float:
    """The naive way as the issue measures it: pandas.read_excel (openpyxl) of the sheets a
    consolidation reads, one workbook after another, nothing else."""
    import pandas as pd

    start = time.perf_counter()
    for path in paths:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            wanted = [n for n in book.sheet_names if n in COUNTING_SHEETS]
            pd.read_excel(book, sheet_name=wanted)
    return time.perf_counter() - start


def floor(paths: list[Path]) -> float:
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_read_all, map(str, paths)))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "tidu-heavy-bench"))
    parser.add_argument("--copies", type=int, default=0, help="also run on the set hard-linked N times")
    args = parser.parse_args()
    cache = Path(args.cache)
    corpus = build_heavy_corpus(cache / "corpus")
    folder = cache / "corpus"
    tidu = str(Path(sys.executable).with_name("tidu"))
    out = cache / "out"
    out.mkdir(exist_ok=True)
    print(f"set: {len(corpus)} workbooks, {sum(p.stat().st_size for p in corpus) / 1e6:.1f} MB", flush=True)
    floor_s = floor(corpus)
    print(f"floor (calamine reads the sheets tidu reads, 2 processes): {floor_s:.2f} s", flush=True)
    quick_cmd = [tidu, "consolidate", str(folder), "-o", str(out / "quick.xlsx"), "--as-of", AS_OF, "--no-feedback"]
    # A plan is kept once checked (engine.plan_cache): the first command after an installation or
    # an edit of the plan checks it, the others do not. Both are timed; the kept plan is made first.
    subprocess.run([tidu, "plan", "show"], stdout=subprocess.DEVNULL, check=True)
    quick = run_measured(quick_cmd, timed_runs=3)
    never_kept = run_measured(quick_cmd, timed_runs=3, env={**os.environ, "TIDU_CACHE_DIR": os.devnull})
    full = run_measured([tidu, "consolidate", str(folder), "-o", str(out / "full.xlsx"), "--as-of", AS_OF],
                        timed_runs=3)
    loop_s = naive_read_loop(corpus)
    print(f"naive read loop (pandas.read_excel with openpyxl, the sheets tidu reads): {loop_s:.2f} s", flush=True)
    start = time.perf_counter()
    naive(folder, out / "naive.xlsx")
    naive_s = time.perf_counter() - start
    feedback = len(list((out / "full_反馈").glob("*.xlsx")))
    print(f"naive pipeline (read loop + Python validation + openpyxl report): {naive_s:.2f} s", flush=True)
    for label, (seconds, peak, code) in (("report only (--no-feedback)", quick),
                                         ("report only, the plan checked anew (first command)", never_kept),
                                         (f"with {feedback} feedback files", full)):
        print(f"tidu consolidate, {label}: {seconds:.2f} s, peak {peak / 2**20:.0f} MiB, exit {code} — "
              f"{loop_s / seconds:.1f}× faster than the read loop, {naive_s / seconds:.1f}× than the pipeline, "
              f"{seconds / floor_s:.1f}× the floor", flush=True)
    if args.copies:
        scaled = scaled_folder(corpus, args.copies, cache)
        n = args.copies * len(corpus)
        seconds, peak, code = run_measured([tidu, "consolidate", str(scaled), "-o", str(out / "scaled.xlsx"),
                                            "--as-of", AS_OF, "--no-feedback"])
        print(f"tidu consolidate --no-feedback, {n} workbooks: {seconds:.1f} s "
              f"({seconds / n * 1000:.0f} ms per workbook against {quick[0] / len(corpus) * 1000:.0f} at 46), "
              f"peak {peak / 2**20:.0f} MiB, exit {code}", flush=True)
    print(f"(machine: {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
