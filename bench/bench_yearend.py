"""How long the year-end 专题报告 takes on the demo's 46 submissions (47 documents).

Run: ``.venv/bin/python bench/bench_yearend.py [--naive 6]`` (needs soffice).

Measures, on `tidu demo`'s submissions: the figures (consolidation + re-reading the used files),
writing the 47 Word documents with their 141 charts (worker processes, one per core), and the
PDF conversion in one LibreOffice run (what `tidu report year-end` does) against the naive way,
one `soffice` process per document (timed on ``--naive`` documents and scaled to 47).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tidu.engine.cli.demo import run_demo
from tidu.engine.consolidate import consolidate
from tidu.engine.plan import load_plan
from tidu.engine.yearend import year_figures
from tidu.workbook.yearend import to_pdf, write_reports
from tidu.workbook.yearend.pdf import soffice


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--naive", type=int, default=6, help="documents converted one soffice run each")
    args = parser.parse_args()
    plan = load_plan()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        demo = run_demo(root / "demo", plan=plan)
        start = time.perf_counter()
        result = consolidate(demo.submissions, plan, demo.consolidation.as_of)
        figures = year_figures(result)
        t_figures = time.perf_counter() - start
        start = time.perf_counter()
        paths = write_reports(figures, plan, root / "out")
        t_docx = time.perf_counter() - start
        start = time.perf_counter()
        to_pdf(paths, root / "out")
        t_pdf = time.perf_counter() - start
        naive = root / "naive"
        start = time.perf_counter()
        for path in paths[: args.naive]:
            profile = Path(tempfile.mkdtemp(dir=tmp))
            subprocess.run([soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
                            "--convert-to", "pdf", "--outdir", str(naive), str(path)], check=True,
                           capture_output=True, timeout=600)
        t_naive = (time.perf_counter() - start) / args.naive * len(paths)
    print(f"documents: {len(paths)}; load average at the end: {os.getloadavg()[0]:.1f}")
    print(f"figures (consolidate + re-read): {t_figures:.1f} s")
    print(f"Word documents with charts: {t_docx:.1f} s ({t_docx / len(paths):.2f} s each)")
    print(f"PDF, one soffice run: {t_pdf:.1f} s ({t_pdf / len(paths):.2f} s each)")
    print(f"PDF, one soffice run per document (naive, scaled from {args.naive}): {t_naive:.1f} s "
          f"(ratio {t_naive / t_pdf:.1f}x)")


if __name__ == "__main__":
    main()
