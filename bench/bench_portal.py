"""Load test of the portal on 127.0.0.1: 46 centres upload their workbooks at the same moment.

`.venv/bin/python bench/bench_portal.py [--corpus DIR]` reuses the 46 realistic workbooks of
bench_consolidate (200–2,000 roster rows, 100–1,000 sessions, 10 mistakes each), issues codes
with `tidu portal codes`, starts `tidu serve` over a fresh data folder, and measures:

* all 46 uploads sent at once (one thread each): wall time, latency per upload, statuses, and
  that every upload is a ledger row and the server still answers;
* the same 46 uploads one after another (the naive way a script would send them);
* the floor: `check_file` on the 46 files in this process, divided over the cores;
* the first download of one marked workbook (written then, with openpyxl).

Bounded: 127.0.0.1 only, one request per centre, a timeout per request and overall.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from tidu.engine.check import check_file  # noqa: E402
from tidu.engine.plan import load_plan  # noqa: E402

from bench.bench_consolidate import build_corpus  # noqa: E402
from tests.portal_support import codes, server  # noqa: E402

REQUEST_TIMEOUT = 600.0


def _upload(base: str, code: str, path: Path) -> tuple[float, int, str, int]:
    start = time.perf_counter()
    with httpx.Client() as client, path.open("rb") as fh:
        answer = client.post(f"{base}/api/submissions", headers={"Authorization": f"Bearer {code}"},
                             files={"file": (path.name, fh)}, timeout=REQUEST_TIMEOUT)
    body = answer.json() if answer.status_code == 200 else {}
    return time.perf_counter() - start, answer.status_code, body.get("status", str(answer.status_code)), \
        body.get("id", 0)


def _ledger_rows(data: Path) -> int:
    con = sqlite3.connect(data / "tidu.sqlite3")
    try:
        return con.execute("SELECT count(*) FROM uploads").fetchone()[0]
    finally:
        con.close()


def _centre_of(path: Path) -> str:
    return path.name.split("_", 1)[0]


def run(corpus: list[Path], work: Path) -> dict[str, object]:
    data = work / "data"
    issued = codes(data)
    jobs = [(issued["centres"][_centre_of(p)], p) for p in corpus]
    out: dict[str, object] = {"files": len(jobs), "megabytes": sum(p.stat().st_size for p in corpus) / 2**20}
    with server(data) as base:
        start = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
            results = list(pool.map(lambda job: _upload(base, *job), jobs))
        out["together_s"] = time.perf_counter() - start
        latencies = sorted(r[0] for r in results)
        out["latency_p50_s"] = statistics.median(latencies)
        out["latency_p95_s"] = latencies[int(0.95 * (len(latencies) - 1))]
        out["latency_max_s"] = latencies[-1]
        out["statuses"] = sorted({r[2] for r in results})
        out["ledger_rows"] = _ledger_rows(data)
        out["server_up"] = httpx.get(f"{base}/login", timeout=10).status_code == 200

        start = time.perf_counter()
        ids = [_upload(base, *job)[3] for job in jobs]
        first_id = ids[0]
        out["one_by_one_s"] = time.perf_counter() - start
        out["ledger_rows_after"] = _ledger_rows(data)

        with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as client:
            client.post("/login", data={"code": jobs[0][0]})
            start = time.perf_counter()
            marked = client.get(f"/uploads/{first_id}/marked")
            out["marked_first_s"] = time.perf_counter() - start
            start = time.perf_counter()
            client.get(f"/uploads/{first_id}/marked")
            out["marked_again_s"] = time.perf_counter() - start
            out["marked_ok"] = marked.status_code == 200 and marked.content[:2] == b"PK"
    plan = load_plan()
    start = time.perf_counter()
    for _, path in jobs:
        check_file(path, plan)
    out["floor_check_s"] = (time.perf_counter() - start) / (os.cpu_count() or 1)  # all cores busy
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(tempfile.gettempdir()) / "tidu-bench-corpus",
                        help="folder of the 46 workbooks (built once, then reused)")
    args = parser.parse_args()
    corpus = build_corpus(args.corpus)
    with tempfile.TemporaryDirectory(prefix="tidu-bench-portal-") as work:
        figures = run(corpus, Path(work))
    for key, value in figures.items():
        print(f"{key:>20}: {value:.2f}" if isinstance(value, float) else f"{key:>20}: {value}")
    ratio = figures["one_by_one_s"] / figures["together_s"]  # type: ignore[operator]
    print(f"{'together vs one by one':>20}: {ratio:.2f}× faster")
    print(f"{'together vs floor':>20}: {figures['together_s'] / figures['floor_check_s']:.2f}× the floor")  # type: ignore[operator]


if __name__ == "__main__":
    main()
