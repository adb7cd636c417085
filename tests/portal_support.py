"""Helpers for the portal's tests and benchmark: filled workbooks, a real server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tidu.schemas.plan import LoadedPlan
from tidu.workbook.builder import build_workbook

from . import sample

KUNMING = sample.CENTRE
QUJING = "曲靖市中小企业服务中心"
SCRIPT = "<script>alert(1)</script>"
ROOT = Path(__file__).resolve().parents[1]


def filled(path: Path, centre: str, plan: LoadedPlan, rows: dict[str, list[list[Any]]] | None = None) -> Path:
    """A workbook of ``centre`` filled with the sample entries (or ``rows``)."""
    return build_workbook(path, centre, plan, rows=sample.rows() if rows is None else rows)


def codes(data: Path) -> dict[str, Any]:
    """Issue codes through the real command line (`tidu portal codes --json`)."""
    out = subprocess.run([sys.executable, "-m", "tidu", "portal", "codes", "--data", str(data), "--json"],
                         capture_output=True, text=True, check=True, timeout=120)
    return json.loads(out.stdout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(data: Path, port: int | None = None, timeout: float = 60) -> Iterator[str]:
    """`tidu serve` on 127.0.0.1 in a process of its own; yields its base URL and stops it after."""
    port = port or free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "tidu", "serve", "--data", str(data), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(base + "/login", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("tidu serve did not start: " + (proc.stdout.read().decode() if proc.stdout
                                                                        else "")) from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def portal_books(plan_report, tmp_path_factory) -> dict[str, Path]:
    """The workbooks the tests upload, built once."""
    d = tmp_path_factory.mktemp("portal-books")
    broken = d / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip" * 10)
    return {
        "good": filled(d / "good.xlsx", KUNMING, plan_report),
        # two row errors (H2's date outside the year, H3's date a formula-like text)
        "errors": filled(d / "errors.xlsx", KUNMING, plan_report, sample.rows({
            "activity:1:date": "2019-05-10", "activity:2:date": "=1+1"})),
        # another centre's, with a script as an enterprise name and tier (the tier is a finding's value)
        "qujing": filled(d / "qujing.xlsx", QUJING, plan_report, sample.rows({"roster:1:tier": SCRIPT,
                                                                       "roster:1:name": SCRIPT})),
        "broken": broken,
    }
