"""The portal in a real browser: Debian's chromium driven by Playwright (never a downloaded browser).

`tidu portal codes` and `tidu serve` run as processes on 127.0.0.1 over a fresh data folder; a
centre signs in, uploads, reads its findings and downloads the marked workbook (checked with
openpyxl); the province signs in and sees the board. A few simultaneous uploads to the live
server all land in the ledger.
"""

from __future__ import annotations

import concurrent.futures
import shutil
import sqlite3
from pathlib import Path

import httpx
import openpyxl
import pytest
from tidu.schemas import contract as c

from . import portal_support
from .portal_support import KUNMING, QUJING, codes, server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]

portal_books = portal_support.portal_books
FINDING_CELLS = "rows => rows.map(r => [r.dataset.code, ...[...r.cells].slice(0, 3).map(c => c.innerText)])"
BOARD_STATES = "rows => rows.map(r => [r.dataset.centre, r.dataset.status])"


def _bearer(code: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {code}"}

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (.ci/run)")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A served portal and its codes."""
    data = tmp_path_factory.mktemp("portal-live")
    issued = codes(data)
    with server(data) as base:
        yield base, issued, data


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _sign_in(page, base: str, code: str) -> None:
    page.goto(base + "/login")
    page.fill("#code", code)
    page.click("#signin")
    page.wait_for_load_state()


def test_centre_uploads_reads_findings_and_downloads_marked_workbook(live, browser, portal_books, tmp_path):
    base, issued, _ = live
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    _sign_in(page, base, issued["centres"][KUNMING])
    assert page.inner_text("h1") == KUNMING
    page.set_input_files("#file", str(portal_books["errors"]))
    page.click("#upload")
    page.wait_for_selector("#status")
    assert page.get_attribute("#status", "data-status") == "used"
    found = page.eval_on_selector_all("#findings tbody tr", FINDING_CELLS)
    assert found == [["date-outside-year", c.ACTIVITY.name, "3", "活动日期"],
                     ["date-invalid", c.ACTIVITY.name, "4", "活动日期"]]
    sessions = page.eval_on_selector_all("#progress tbody tr", "rows => rows.map(r => r.cells[2].innerText)")
    assert sessions == ["0", "0", "1", "0", "0"]  # only H1 (规上工业企业) still counts
    with page.expect_download(timeout=180_000) as download:  # the copy is written on first download
        page.click("#download", no_wait_after=True)
    target = tmp_path / "marked.xlsx"
    download.value.save_as(target)
    context.close()
    book = openpyxl.load_workbook(target)
    column = c.ACTIVITY.headers.index("活动日期") + 1
    marked = [(r, book[c.ACTIVITY.name].cell(r, column).fill.fgColor.rgb[-6:]) for r in (2, 3, 4)]
    assert marked == [(2, "000000"), (3, "FFC7CE"), (4, "FFC7CE")]
    assert [r[1] for r in book[c.FINDINGS].iter_rows(min_row=2, values_only=True) if r[0]] == \
        ["date-outside-year", "date-invalid"]


def test_province_sees_the_board(live, browser, portal_books):
    base, issued, _ = live
    with httpx.Client() as client, portal_books["good"].open("rb") as fh:
        answer = client.post(base + "/api/submissions", headers=_bearer(issued["centres"][KUNMING]),
                             files={"file": ("a.xlsx", fh)}, timeout=120)
    assert answer.json()["status"] == "used"
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, base, issued["admin"])
    states = dict(page.eval_on_selector_all("#board tbody tr", BOARD_STATES))
    context.close()
    assert len(states) == 47
    assert states[KUNMING] == "submitted" and states[QUJING] == "missing"
    assert sum(1 for s in states.values() if s == "missing") == 46


def test_simultaneous_uploads_to_the_live_server_all_land(live, portal_books):
    base, issued, data = live
    jobs = [(KUNMING, "good")] * 4 + [(QUJING, "qujing")] * 4

    def send(job):
        centre, book = job
        with httpx.Client() as client, portal_books[book].open("rb") as fh:
            return client.post(base + "/api/submissions", headers=_bearer(issued["centres"][centre]),
                               files={"file": ("x.xlsx", fh)}, timeout=300).json()["status"]

    con = sqlite3.connect(data / "tidu.sqlite3")
    before = con.execute("SELECT count(*) FROM uploads").fetchone()[0]
    with concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
        statuses = list(pool.map(send, jobs))
    after = con.execute("SELECT centre, count(*) FROM uploads WHERE id > ? GROUP BY centre", (before,)).fetchall()
    con.close()
    assert statuses == ["used"] * 8
    assert dict(after) == {KUNMING: 4, QUJING: 4}
