"""The portal through FastAPI's TestClient: codes, sign-in, uploads, feedback, the board, the API.

Expected values are written out here (statuses, codes, rows, counts), never computed by the
portal. The workbooks are built by ``tidu.workbook.builder`` with the sample entries.
"""

from __future__ import annotations

import concurrent.futures
import csv
import io
import json
import re
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from tidu.engine.cli.main import main
from tidu.portal.app import create_app
from tidu.portal.codes import issue_codes, normalize, verify
from tidu.portal.ledger import Ledger
from tidu.portal.security import SignInLimiter
from tidu.schemas import contract as c

from . import portal_support
from .portal_support import KUNMING, QUJING, SCRIPT

PROVINCE = "云南省中小企业服务中心"
portal_books = portal_support.portal_books  # the session's workbooks, shared with the browser test


@pytest.fixture(scope="session")
def portal(plan_report, tmp_path_factory):
    """One portal over a fresh data folder, with its codes; uploads accumulate across tests."""
    data = tmp_path_factory.mktemp("portal-data")
    app = create_app(data, plan_report, max_upload=8 * 1024 * 1024)
    sheet = issue_codes(app.state.ledger, plan_report.plan.centre_names())
    return app, sheet, data


def _bearer(code: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {code}"}


def _post(client: TestClient, code: str, path: Path, name: str = "台账.xlsx"):
    with path.open("rb") as fh:
        return client.post("/api/submissions", headers=_bearer(code),
                           files={"file": (name, fh, "application/octet-stream")})


@pytest.fixture(scope="module")
def client(portal):
    app, _, _ = portal
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def uploaded(client, portal, portal_books):
    """Kunming uploads its clean workbook, then one with an error; Qujing never uploads."""
    _, sheet, _ = portal
    first = _post(client, sheet.centres[KUNMING], portal_books["good"])
    second = _post(client, sheet.centres[KUNMING], portal_books["errors"])
    return first, second


# --- codes -------------------------------------------------------------------------------------


def test_codes_command_gives_one_code_per_centre_and_an_admin(tmp_path, capsys, plan_report):
    assert main(["portal", "codes", "--data", str(tmp_path), "--json", "-o", str(tmp_path / "codes.csv")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"admin", "centres"}
    assert sorted(out["centres"]) == sorted(plan_report.plan.centre_names())
    assert PROVINCE in out["centres"] and len(out["centres"]) == 47
    every = [out["admin"], *out["centres"].values()]
    assert len(set(every)) == 48
    assert all(re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code) for code in every)
    table = list(csv.reader(io.StringIO((tmp_path / "codes.csv").read_text(encoding="utf-8-sig"))))
    assert len(table) == 1 + 48 and table[0] == ["报送单位", "附表3单位", "访问码"]


def test_codes_are_stored_hashed_and_reissue_revokes(tmp_path, plan_report):
    ledger = Ledger(tmp_path)
    ledger.migrate()
    first = issue_codes(ledger, plan_report.plan.centre_names())
    raw = (tmp_path / "tidu.sqlite3").read_bytes()
    secret = normalize(first.centres[KUNMING])[4:]
    assert secret.encode() not in raw
    assert verify(ledger, first.centres[KUNMING].lower().replace("-", " ")).centre == KUNMING
    second = issue_codes(ledger, plan_report.plan.centre_names())
    assert verify(ledger, first.centres[KUNMING]) is None
    assert verify(ledger, second.admin).role == "admin"


@pytest.mark.parametrize("text", ["", "ABCD", "ABCD-EFGH-JKLM-NPQ0", "x" * 5000, "ABCD-EFGH-JKLM-NPQR"])
def test_wrong_codes_are_refused(portal, text):
    app, _, _ = portal
    assert verify(app.state.ledger, text) is None


# --- the API -----------------------------------------------------------------------------------


def test_own_workbook_is_used(uploaded):
    first, _ = uploaded
    assert first.status_code == 200
    body = first.json()
    assert (body["status"], body["centre"], body["valid"], body["findings"]) == ("used", KUNMING, True, [])
    # the sample has one session each for 国家级小巨人 (H3), 规上工业企业 (H1) and 小微企业 (H2)
    assert [(p["tier"], p["sessions"]) for p in body["progress"]] == [
        ("国家级小巨人", 1), ("省级小巨人", 0), ("规上工业企业", 1), ("成长型中小企业", 0), ("小微企业", 1)]


def test_workbook_with_errors_is_used_with_its_findings(uploaded):
    _, second = uploaded
    body = second.json()
    assert (body["status"], body["valid"]) == ("used", False)
    errors = [(f["code"], f["sheet"], f["row"], f["column"], f["value"]) for f in body["findings"]
              if f["severity"] == "error"]
    assert errors == [("date-outside-year", c.ACTIVITY.name, 3, "活动日期", "2019-05-10"),
                      ("date-invalid", c.ACTIVITY.name, 4, "活动日期", "=1+1")]


def test_another_centres_workbook_is_refused(client, portal, portal_books, uploaded):
    _, sheet, _ = portal
    body = _post(client, sheet.centres[KUNMING], portal_books["qujing"]).json()
    assert (body["status"], body["centre"], body["workbook_centre"]) == ("rejected", KUNMING, QUJING)
    assert body["findings"][0]["code"] == "upload-other-centre"
    assert QUJING in body["reason"]


def test_broken_file_is_refused_and_server_stays_up(client, portal, portal_books, uploaded):
    _, sheet, _ = portal
    body = _post(client, sheet.centres[KUNMING], portal_books["broken"]).json()
    assert body["status"] == "rejected"
    assert body["findings"][0]["code"] in {"file-unreadable", "file-format", "file-unsafe"}
    assert client.get("/login").status_code == 200


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 401),
    ({"Authorization": "Bearer ABCD-EFGH-JKLM-NPQR"}, 401),
    ({"Authorization": "Basic abc"}, 401),
])
def test_api_without_a_valid_code_is_401(client, headers, status):
    assert client.get("/api/board", headers=headers).status_code == status
    assert client.post("/api/submissions", headers=headers, files={"file": ("a.xlsx", b"x")}).status_code == status


def test_centre_on_province_route_is_403_and_province_cannot_upload(client, portal, portal_books):
    _, sheet, _ = portal
    assert client.get("/api/board", headers=_bearer(sheet.centres[KUNMING])).status_code == 403
    assert _post(client, sheet.admin, portal_books["good"]).status_code == 403


def test_board_shows_kunming_submitted_and_others_missing(client, portal, uploaded, plan_report):
    _, sheet, _ = portal
    answer = client.get("/api/board", headers=_bearer(sheet.admin))
    assert answer.status_code == 200
    centres = {r["centre"]: r for r in answer.json()["centres"]}
    assert len(centres) == 47
    assert centres[KUNMING]["status"] == "submitted"
    assert centres[QUJING]["status"] == "missing" and centres[QUJING]["last_upload"] is None
    assert {r["status"] for name, r in centres.items() if name != KUNMING} <= {"missing", "rejected"}


def test_too_large_upload_is_413_in_chinese(client, portal):
    _, sheet, _ = portal
    big = b"PK" + b"\0" * (9 * 1024 * 1024)
    answer = client.post("/api/submissions", headers=_bearer(sheet.centres[KUNMING]),
                         files={"file": ("big.xlsx", big)})
    assert answer.status_code == 413
    assert "上限" in answer.text


def test_ledger_has_every_upload_and_files_by_hash(portal, uploaded):
    _, _, data = portal
    con = sqlite3.connect(data / "tidu.sqlite3")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    stored = con.execute("SELECT sha256, stored, size FROM uploads").fetchall()
    con.close()
    assert len(stored) >= 2
    for sha, relative, size in stored:
        assert relative == f"files/{sha[:2]}/{sha}.xlsx"
        assert (data / relative).stat().st_size == size
        assert "台账" not in relative


def test_client_file_name_is_never_a_path(client, portal, portal_books):
    _, sheet, data = portal
    body = _post(client, sheet.centres[KUNMING], portal_books["good"], name="../../../etc/evil.xlsx").json()
    assert body["status"] == "used"
    assert not list(data.rglob("evil*"))


def test_simultaneous_uploads_lose_nothing(client, portal, portal_books):
    _, sheet, data = portal
    before = sqlite3.connect(data / "tidu.sqlite3").execute("SELECT count(*) FROM uploads").fetchone()[0]
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: _post(client, sheet.centres[KUNMING], portal_books["good"]).status_code,
                                range(6)))
    assert answers == [200] * 6
    after = sqlite3.connect(data / "tidu.sqlite3").execute("SELECT count(*) FROM uploads").fetchone()[0]
    assert after - before == 6


# --- pages -------------------------------------------------------------------------------------


def _sign_in(client: TestClient, code: str):
    return client.post("/login", data={"code": code}, follow_redirects=True)


def _csrf(client: TestClient, path: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def test_pages_need_a_sign_in(portal):
    app, _, _ = portal
    with TestClient(app) as fresh:
        for path in ("/centre", "/province", "/uploads/1", "/province/chase.csv"):
            answer = fresh.get(path, follow_redirects=False)
            assert (answer.status_code, answer.headers["location"]) == (303, "/login")


@pytest.fixture(scope="module")
def marked_copy(portal, portal_books, tmp_path_factory) -> Path:
    """The marked workbook a centre downloads after uploading its workbook with two errors."""
    app, sheet, _ = portal
    path = tmp_path_factory.mktemp("marked") / "marked.xlsx"
    with TestClient(app) as browser:
        assert "上传台账" in _sign_in(browser, sheet.centres[KUNMING]).text
        token = _csrf(browser, "/centre")
        with portal_books["errors"].open("rb") as fh:
            page = browser.post("/centre/upload", data={"csrf": token}, files={"file": ("x.xlsx", fh)})
        assert page.status_code == 200 and 'data-status="used"' in page.text
        assert page.text.count('data-code="date-outside-year"') == 1
        link = re.search(r'href="(/uploads/\d+/marked)"', page.text).group(1)
        download = browser.get(link)
        assert download.status_code == 200
        path.write_bytes(download.content)
    return path


def test_centre_page_upload_findings_and_marked_workbook(marked_copy):
    book = openpyxl.load_workbook(marked_copy)
    column = c.ACTIVITY.headers.index("活动日期") + 1
    for row in (3, 4):
        cell = book[c.ACTIVITY.name].cell(row, column)
        assert cell.fill.fgColor.rgb.endswith("FFC7CE")
        assert cell.comment is not None and cell.comment.text.startswith("【错误】")
    assert book[c.ACTIVITY.name].cell(2, column).comment is None
    results = list(book[c.FINDINGS].iter_rows(min_row=2, values_only=True))
    letter = openpyxl.utils.get_column_letter(column)
    assert [r for r in results if r[0]] == [
        ("错误", "date-outside-year", c.ACTIVITY.name, 3, "活动日期", "2019-05-10", results[0][6],
         f"{c.ACTIVITY.name}!{letter}3", "底色、批注"),
        ("错误", "date-invalid", c.ACTIVITY.name, 4, "活动日期", "=1+1", results[1][6],
         f"{c.ACTIVITY.name}!{letter}4", "底色、批注")]
    value = book[c.FINDINGS].cell(3, 6)
    assert value.data_type == "s"  # the formula-like text stays text


def test_marked_workbook_keeps_entries_and_writes_text_not_formulas(marked_copy, portal_books):
    before = openpyxl.load_workbook(portal_books["errors"], read_only=True)  # reads only the sheets asked for
    after = openpyxl.load_workbook(marked_copy, read_only=True)
    for spec in c.ENTRY_SHEETS:
        assert [list(r) for r in before[spec.name].iter_rows(values_only=True)] == \
               [list(r) for r in after[spec.name].iter_rows(values_only=True)]
    assert len(list(after[c.ROSTER.name].iter_rows(values_only=True))) >= 4  # header and the 3 sample rows
    for row in after[c.FINDINGS].iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"


def test_script_in_an_enterprise_name_stays_text(portal, portal_books):
    app, sheet, _ = portal
    with TestClient(app) as client:
        body = _post(client, sheet.centres[KUNMING], portal_books["qujing"]).json()
        assert any(f["value"] == SCRIPT for f in body["findings"])
        _sign_in(client, sheet.centres[KUNMING])
        page = client.get(f"/uploads/{body['id']}").text
        _sign_in(client, sheet.admin)
        board = client.get("/province").text
    assert "<script>" not in page and "<script>" not in board
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_centre_cannot_see_another_centres_upload(portal, portal_books):
    app, sheet, _ = portal
    with TestClient(app) as client:
        body = _post(client, sheet.centres[KUNMING], portal_books["good"]).json()
        _sign_in(client, sheet.centres[QUJING])
        assert client.get(f"/uploads/{body['id']}").status_code == 404
        assert client.get(f"/uploads/{body['id']}/marked").status_code == 404
        assert client.get("/province").status_code == 403


def test_history_says_what_changed(portal, portal_books):
    app, sheet, _ = portal
    with TestClient(app) as client:
        _post(client, sheet.centres[KUNMING], portal_books["good"])
        body = _post(client, sheet.centres[KUNMING], portal_books["errors"]).json()
        _sign_in(client, sheet.centres[KUNMING])
        page = client.get(f"/uploads/{body['id']}").text
    changed = re.search(r'<div id="changes">(.*?)</div>', page, re.S).group(1)
    assert "错误 0 → 2" in changed
    assert "新出现 2 处" in changed
    # H2 (小微企业) and H3 (国家级小巨人) no longer count: their dates are wrong
    assert re.findall(r"<li>(\S+) 服务场次：(\d+) → (\d+)</li>", changed) == [("国家级小巨人", "1", "0"),
                                                                         ("小微企业", "1", "0")]


def test_province_board_chase_list_and_consolidation(portal, uploaded, tmp_path):
    app, sheet, _ = portal
    with TestClient(app) as client:
        page = _sign_in(client, sheet.admin).text
        assert f'data-centre="{KUNMING}" data-status="submitted"' in page
        assert f'data-centre="{QUJING}" data-status="missing"' in page
        chase = list(csv.reader(io.StringIO(client.get("/province/chase.csv").content.decode("utf-8-sig"))))
        names = [r[0] for r in chase[1:]]
        assert KUNMING not in names and QUJING in names and len(names) == 46
        token = _csrf(client, "/province")
        done = client.post("/province/consolidate", data={"csrf": token})
        assert done.status_code == 200
        link = re.search(r'href="(/province/reports/\d+)"', done.text).group(1)
        report = client.get(link)
        assert client.get("/province/centres/0").status_code == 200
    (tmp_path / "report.xlsx").write_bytes(report.content)
    assert "汇总" in openpyxl.load_workbook(tmp_path / "report.xlsx").sheetnames[0] or \
        len(openpyxl.load_workbook(tmp_path / "report.xlsx").sheetnames) > 1


def test_forms_without_the_csrf_token_are_refused(portal):
    app, sheet, _ = portal
    with TestClient(app) as client:
        _sign_in(client, sheet.admin)
        assert client.post("/province/consolidate", data={"csrf": "wrong"}).status_code == 403


def test_sign_in_attempts_are_rate_limited(plan_report, tmp_path):
    clock = [0.0]
    app = create_app(tmp_path, plan_report, limiter=SignInLimiter(limit=3, window=60, clock=lambda: clock[0]))
    sheet = issue_codes(app.state.ledger, plan_report.plan.centre_names())
    with TestClient(app) as client:
        assert [client.post("/login", data={"code": "WRONG"}).status_code for _ in range(3)] == [401] * 3
        assert client.post("/login", data={"code": sheet.admin}).status_code == 429  # even the right code
        assert client.get("/api/board", headers=_bearer(sheet.admin)).status_code == 429
        clock[0] = 61.0
        assert client.post("/login", data={"code": sheet.admin}, follow_redirects=False).status_code == 303


# --- reliability and the command line ------------------------------------------------------------


def test_crash_between_file_and_ledger_leaves_the_ledger_as_it_was(plan_report, portal_books, tmp_path, monkeypatch):
    from tidu.portal import intake

    ledger = Ledger(tmp_path)
    ledger.migrate()

    def power_cut(_values):
        raise KeyboardInterrupt  # the process dies before the one transaction commits

    monkeypatch.setattr(ledger, "add_upload", power_cut)
    with pytest.raises(KeyboardInterrupt):
        intake.receive(ledger, plan_report, KUNMING, [portal_books["good"].read_bytes()], ".xlsx")
    con = sqlite3.connect(tmp_path / "tidu.sqlite3")
    assert con.execute("SELECT count(*) FROM uploads").fetchone()[0] == 0
    con.close()
    assert not list((tmp_path / "tmp").iterdir())  # no half-written file is left behind
    monkeypatch.undo()
    row = intake.receive(ledger, plan_report, KUNMING, [portal_books["good"].read_bytes()], ".xlsx")
    assert (row.id, row.status) == (1, "used")


def test_a_worker_crash_is_a_rejected_upload(plan_report, portal_books, tmp_path, monkeypatch):
    from tidu.engine.isolation import Crashed
    from tidu.portal import intake

    ledger = Ledger(tmp_path)
    ledger.migrate()
    monkeypatch.setattr(intake, "run_isolated", lambda fn, items, workers: [(j, Crashed(j, "崩溃")) for j in items])
    row = intake.receive(ledger, plan_report, KUNMING, [portal_books["good"].read_bytes()], ".xlsx")
    assert (row.status, [f["code"] for f in row.findings]) == ("rejected", ["file-unsafe"])


def test_serve_binds_localhost_by_default_and_checks_its_port():
    from tidu.engine.cli.main import build_parser

    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.max_upload_mb) == ("127.0.0.1", 8000, 20)
    assert main(["serve", "--port", "70000"]) == 2


@pytest.mark.libreoffice
def test_marked_copy_still_computes_its_progress_in_libreoffice(marked_copy, portal_books, tmp_path):
    """The marked copy keeps the template's formulas and helper sheet whole: LibreOffice, with every
    cached value removed, computes the same 完成情况 formula block for it as for the upload."""
    import shutil
    import zipfile

    from openpyxl.utils.cell import range_boundaries

    from .libreoffice import sheet_values, strip_cached_values

    original = strip_cached_values(shutil.copy(portal_books["errors"], tmp_path / "original.xlsx"))
    marked = strip_cached_values(shutil.copy(marked_copy, tmp_path / "marked.xlsx"))
    with zipfile.ZipFile(marked) as zf:
        names = zf.read("xl/workbook.xml").decode()
    ref = re.search(rf'<definedName name="{c.NAME_PROGRESS_FORMULAS}">[^!]+!([^<]+)</definedName>', names).group(1)
    left, top, right, bottom = range_boundaries(ref.replace("$", ""))
    values = sheet_values([original, marked], c.PROGRESS, tmp_path)
    block = {p: [row[left - 1:right] for row in rows[top - 1:bottom]] for p, rows in values.items()}
    assert block[marked] == block[original]
    # H1 alone counts: 规上工业企业 has one session in both
    assert any(row[0] == "规上工业企业" and "1" in row for row in block[marked])
