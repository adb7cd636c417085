"""Engine time per ribbon button on a 2,000-row workbook, a warm UDF call, and the add-in's
tools: building tidu.xlam and a whole `tidu doctor` run (run by hand).

    .venv/bin/python bench/bench_xlmacros.py

The buttons run on xlwings' remote engine with a payload made from a real built workbook (as the
tests do); "engine" is check_rows on the rows the button read, "button" the whole entry point
(bulk reads through the xlwings Range API, engine, writing the actions).
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tidu.engine.check import check_rows  # noqa: E402
from tidu.engine.cli.samples import generate_rows  # noqa: E402
from tidu.engine.plan import load_plan  # noqa: E402
from tidu.workbook.builder import build_workbook  # noqa: E402
from tidu.xlmacros import bookio, ribbon, udfs  # noqa: E402
from tidu.xlmacros.addin.build import build_addin  # noqa: E402

from bench.bench_check import best_of as best  # noqa: E402
from tests.xlpayload import open_payload, payload  # noqa: E402

CENTRE = "昆明市中小企业服务中心"


def main() -> None:
    report = load_plan()
    with tempfile.TemporaryDirectory() as tmp:
        path = build_workbook(Path(tmp) / "big.xlsx", CENTRE, report,
                              rows=generate_rows(report.plan, CENTRE, 2000, 2000, seed=1, mistakes=20))
        data = payload(path)
    book = open_payload(copy.deepcopy(data))
    sheets = bookio.read_sheets(book)
    print(f"workbook: {len(sheets['培育企业']) - 1} roster rows, {len(sheets['服务活动']) - 1} sessions, "
          f"{len(sheets['服务对象']) - 1} sign-ins")
    print(f"engine (check_rows on the rows read): {best(lambda: check_rows(sheets, 'big.xlsx')) * 1000:.0f} ms")
    for name, entry in (("校验 validate", ribbon.validate), ("汇总 rollup", ribbon.rollup),
                        ("差距 flag_gaps", ribbon.flag_gaps)):
        seconds = best(lambda entry=entry: entry(open_payload(copy.deepcopy(data))), 3)
        print(f"button {name}, whole entry point: {seconds * 1000:.0f} ms")
    calls = {"TIDU_QUOTA": ("昆明市中小中心及窗口平台", "国家级小巨人", "场次"),
             "TIDU_USCC_CHECK": ("91530102MA00000019",), "TIDU_COMPLETION": (5, 10), "TIDU_PACE": (16, 5, "2021-07-01"),
             "TIDU_TIER_CHECK": ("国家级小巨人", 20000, 18000, 12, 800, 20, 300)}
    for name, args in calls.items():
        fn = getattr(udfs, name)
        fn(*args)  # warm: the plan is loaded once
        n = 20000
        start = time.perf_counter()
        for _ in range(n):
            fn(*args)
        print(f"warm UDF {name}: {(time.perf_counter() - start) / n * 1e6:.1f} µs per call")
    tools()


def _process(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], check=False, capture_output=True)
    return time.perf_counter() - start


def tools() -> None:
    """`tidu doctor` must answer within 10 s on this machine; the floor is a bare `import tidu`."""
    with tempfile.TemporaryDirectory() as tmp:
        seconds = best(lambda: build_addin(Path(tmp) / "tidu.xlam"), 3)
    print(f"tidu addin build (in process): {seconds * 1000:.0f} ms")
    floor = min(_process(["-c", "import tidu"]) for _ in range(3))
    doctor = min(_process(["-m", "tidu", "doctor"]) for _ in range(3))
    print(f"tidu doctor, whole process: {doctor:.2f} s (floor: python -c 'import tidu' {floor:.2f} s, "
          f"ratio {doctor / floor:.1f}x; bar 10 s)")


if __name__ == "__main__":
    main()
