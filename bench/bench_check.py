"""Benchmark of `tidu check` on one large centre workbook (run by hand; figures in bench/README.md).

    .venv/bin/python bench/bench_check.py [--roster 2000] [--sessions 2000]

Measures: engine time (read + validate + roll-up, imports excluded) with python-calamine and,
for the choice of reader, the same sheets read with openpyxl (read-only) and with pandas;
the whole `tidu check` process start to finish; and `tidu --help`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tidu.engine.check import check_file  # noqa: E402
from tidu.engine.cli.samples import generate_rows  # noqa: E402
from tidu.engine.plan import load_plan  # noqa: E402
from tidu.schemas import contract as c  # noqa: E402
from tidu.workbook.builder import build_workbook  # noqa: E402

CENTRE = "昆明市中小企业服务中心"
SHEETS = [s.name for s in c.ENTRY_SHEETS] + [c.META, c.PROGRESS, c.ANNEX3]


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def read_calamine(path: Path) -> None:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    for name in SHEETS:
        book.get_sheet_by_name(name).to_python(skip_empty_area=False)


def read_openpyxl(path: Path) -> None:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    for name in SHEETS:
        list(book[name].iter_rows(values_only=True))
    book.close()


def read_pandas(path: Path) -> None:
    import pandas as pd

    pd.read_excel(path, sheet_name=SHEETS, engine="openpyxl")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--roster", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=2000)
    args = parser.parse_args()
    report = load_plan()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.xlsx"
        rows = generate_rows(report.plan, CENTRE, args.roster, args.sessions, seed=1, mistakes=20)
        build_workbook(path, CENTRE, report, rows=rows)
        sizes = {k: len(v) for k, v in rows.items()}
        print(f"workbook: roster {sizes['roster']} rows, sessions {sizes['activity']}, "
              f"sign-ins {sizes['signin']}; {path.stat().st_size / 1024:.0f} KiB")
        check_file(path, report)  # warm-up
        engine = best_of(lambda: check_file(path, report))
        result = check_file(path, report)
        print(f"engine (read + validate + roll-up), calamine: {engine * 1000:.0f} ms "
              f"({len(result.findings)} findings)")
        for label, fn in (("calamine", read_calamine), ("openpyxl read-only", read_openpyxl),
                          ("pandas.read_excel (openpyxl)", read_pandas)):
            print(f"  read only, {label}: {best_of(lambda fn=fn: fn(path), 3) * 1000:.0f} ms")
        tidu = str(Path(sys.executable).with_name("tidu"))
        whole = [_wall([tidu, "check", str(path), "--as-of", "2021-12-31", "--json"]) for _ in range(5)]
        helps = [_wall([tidu, "--help"]) for _ in range(5)]
        print(f"tidu check, start to finish: {statistics.median(whole):.2f} s (median of 5)")
        print(f"tidu --help: {statistics.median(helps):.3f} s (median of 5)")


def _wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=False)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
