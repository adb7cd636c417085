"""Time and peak memory of consolidating a folder of every hostile case (run by hand).

    .venv/bin/python bench/bench_hostile.py

The folder holds two good submissions, every maker of tests/hostile.py (entity bomb, external
entity, 300 MB zip bomb, cells at A1 and XFD1048576, a million styled empty rows, renamed .xls /
CSV / HTML, empty, password-protected, truncated, bit-flipped, missing sheet part, .xlsm) and the
132 real-world files of ../shared/realworld. Bar: under 30 s and 2 GiB for the whole folder.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tidu.engine.plan import load_plan  # noqa: E402
from tidu.workbook.builder import build_workbook  # noqa: E402

from bench.bench_consolidate import run_measured  # noqa: E402
from tests import hostile  # noqa: E402
from tests.sample import rows  # noqa: E402
from tests.submissions import QJ_CENTRE, qujing_rows  # noqa: E402


def main() -> None:
    report = load_plan()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        good = build_workbook(folder / "好-昆明.xlsx", "昆明市中小企业服务中心", report, rows=rows())
        build_workbook(folder / "好-曲靖.xlsx", QJ_CENTRE, report, rows=qujing_rows(2))
        for make in hostile.REJECTED_CASES.values():
            make(folder, good)
        other = build_workbook(Path(tmp) / "yx.xlsx", "玉溪市中小企业服务中心", report, rows=rows())
        hostile.million_styled_rows(folder, other)
        hostile.with_macros(folder, build_workbook(Path(tmp) / "dl.xlsx", "大理州中小企业服务中心", report,
                                                   rows=rows()))
        realworld = [p for p in hostile.REALWORLD.iterdir() if p.is_file()] if hostile.REALWORLD.is_dir() else []
        for path in realworld:
            shutil.copyfile(path, folder / path.name)
        files = list(folder.iterdir())
        size = sum(p.stat().st_size for p in files)
        tidu = str(Path(sys.executable).with_name("tidu"))
        js = Path(tmp) / "r.json"
        seconds, peak, code = run_measured([tidu, "consolidate", str(folder), "-o", str(Path(tmp) / "r.xlsx"),
                                            "--json", str(js)])
        import json

        statuses = Counter(f["status"] for f in json.loads(js.read_text(encoding="utf-8"))["files"])
        print(f"{len(files)} files ({size / 1e6:.1f} MB on disk; {len(realworld)} real-world): "
              f"{seconds:.1f} s, peak memory {peak / 2**20:.0f} MiB, exit {code}; {dict(statuses)}")


if __name__ == "__main__":
    main()
