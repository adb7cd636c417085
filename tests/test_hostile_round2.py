"""Hostile input, round two (issue 9): raw XML, isolation of `check`, paths from files, forged
versions, outputs over inputs, signals, folder walking, plan recursion, bidi text."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tidu.engine.check import check_file, check_files
from tidu.engine.cli.main import main
from tidu.engine.consolidate import consolidate
from tidu.engine.folder import walk
from tidu.engine.normalize import looks_like_formula, safe_text
from tidu.engine.sheet_outputs import cell_text
from tidu.workbook.builder import build_workbook
from tidu.workbook.report import write_report

from .sample import rows
from .submissions import QJ_CENTRE, qujing_rows, set_meta
from .xledit import edit_workbook

YEAR_END = dt.date(2021, 12, 31)
KM = "昆明市中小企业服务中心"
RICH = "<r><t>x</t></r></si><si><r><t>y</t></r>"
BIDI = "\u202e司公限有\u2066甲\u2069"


def _tidu(*args: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tidu", *args], capture_output=True, text=True, timeout=timeout,
                          **kw)


# --- 1. text from a submission never becomes XML, a formula or reversed text -----------------


@pytest.fixture(scope="module")
def rich_folder(tmp_path_factory, plan_report) -> Path:
    folder = tmp_path_factory.mktemp("rich")
    build_workbook(folder / "good.xlsx", KM, plan_report,
                   rows=rows({"roster:1:tier": RICH, "roster:0:name": BIDI, "roster:2:name": "=HYPERLINK(\"x\")"}))
    other = build_workbook(folder / "forged-centre.xlsx", QJ_CENTRE, plan_report, rows=qujing_rows(1))
    set_meta(other, "centre", "<r><t>昆明市中小企业服务中心</t></r>")
    return folder


@pytest.fixture(scope="module")
def rich_report(rich_folder, plan_report, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rich-out") / "report.xlsx"
    write_report(consolidate(rich_folder, plan_report, YEAR_END), out)
    return out


def test_rich_string_form_stays_text_in_the_report(rich_report):
    with zipfile.ZipFile(rich_report) as zf:
        shared = zf.read("xl/sharedStrings.xml").decode()
    assert "<t>x</t></r></si><si>" not in shared  # escaped, never raw XML
    book = openpyxl.load_workbook(rich_report)  # parses: the XML is well formed
    texts = {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert any(RICH in t for t in texts)
    files = book["报送情况"]
    header = [c.value for c in next(r for r in files.iter_rows() if r[0].value == "文件")]
    assert header[:2] == ["文件", "状态"]


def test_forged_rich_centre_is_not_shown_as_the_real_centre(rich_report):
    book = openpyxl.load_workbook(rich_report)
    cells = [c.value for row in book["报送情况"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any("<r><t>昆明市中小企业服务中心</t></r>" in v for v in cells)


def test_no_bidi_control_and_no_live_formula_reaches_the_report(rich_report):
    with zipfile.ZipFile(rich_report) as zf:
        xml = "".join(zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith(".xml"))
    assert not any(ch in xml for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    book = openpyxl.load_workbook(rich_report)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and "HYPERLINK" in cell.value:
                    assert cell.data_type == "s"


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT)
def test_any_text_through_the_xlsxwriter_writers_reads_back_exactly(tmp_path, text):
    import xlsxwriter
    from tidu.workbook.xl import Formats, write_text

    path = tmp_path / "t.xlsx"
    book = xlsxwriter.Workbook(str(path))
    fmts = Formats(book)
    ws = book.add_worksheet("s")
    write_text(ws, 0, 0, text, fmts.cell, fmts)
    write_text(ws, 1, 0, text)
    book.close()
    sheet = openpyxl.load_workbook(path)["s"]
    for cell in (sheet["A1"], sheet["A2"]):
        expected = safe_text(text)
        assert (cell.value or "") == expected
        assert cell.data_type in {"s", "n"}  # a string (or an empty cell), never a formula
        if expected:
            assert cell.data_type == "s"


@given(text=TEXT)
def test_xlwings_text_is_literal_whenever_excel_would_parse_it(text):
    shown = cell_text(text)
    assert not looks_like_formula(shown) or shown.startswith("'")


@pytest.mark.parametrize("text", ["=1+1", "\t=1+1", " =1", "\r=1", "\n=1", "＝SUM(A1)", "+1", "-1", "@x", "　=1"])
def test_every_formula_prefix_gets_the_apostrophe(text):
    assert cell_text(text).startswith("'")


@pytest.mark.parametrize("text", ["正常文字", "1+1=2", "a=b", ""])
def test_plain_text_is_left_alone(text):
    assert cell_text(text) == text


# --- 2. `tidu check` is isolated ------------------------------------------------------------


def test_check_isolates_a_crashing_file(tmp_path, plan_report, monkeypatch):
    good = build_workbook(tmp_path / "good.xlsx", KM, plan_report, rows=rows())
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(good.read_bytes())
    import tidu.engine.check as check_module

    real = check_module.check_file

    def crashing(path, plan=None, as_of=None):
        if str(path).endswith("bomb.xlsx"):
            os.abort()  # what python-calamine does on a failed allocation
        return real(path, plan, as_of)

    monkeypatch.setattr(check_module, "check_file", crashing)  # workers are forked: they see it
    reports = check_files([good, bomb, good], plan_report, YEAR_END, workers=2)
    assert [r.file.rsplit("/", 1)[-1] for r in reports] == ["good.xlsx", "bomb.xlsx", "good.xlsx"]
    assert [f.code for f in reports[1].findings] == ["file-unsafe"]
    assert reports[0].progress and reports[2].progress and reports[0].valid


# --- 3. linear reading ----------------------------------------------------------------------


def test_sixty_thousand_label_rows_are_read_in_one_pass(tmp_path, plan_report):
    path = build_workbook(tmp_path / "labels.xlsx", KM, plan_report, rows=rows())
    def labels(book) -> None:
        ws = book["完成情况"]
        ws.delete_rows(1, ws.max_row)
        for i in range(60_000):
            ws.cell(row=i + 1, column=1, value="小微企业" if i % 2 else "国家级小巨人")

    edit_workbook(path, labels)
    done = _tidu("check", str(path), "--json", "--as-of", "2021-12-31", timeout=60)
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["submissions"][0]["progress"]


# --- 4. nothing from a submission is used as a path -------------------------------------------


@pytest.mark.parametrize("plan_id", ["/etc/passwd", "../../schemas/plans/yunnan-2021", "FIFO"])
def test_a_plan_id_is_never_opened_as_a_path(tmp_path, plan_report, plan_id):
    path = build_workbook(tmp_path / "p.xlsx", KM, plan_report, rows=rows())
    if plan_id == "FIFO":
        fifo = tmp_path / "fifo.yaml"
        os.mkfifo(fifo)
        plan_id = str(fifo)
    set_meta(path, "plan_id", plan_id)
    done = _tidu("check", str(path), "--json", timeout=60)  # a FIFO opened for reading would hang here
    assert done.returncode == 1
    codes = [f["code"] for f in json.loads(done.stdout)["submissions"][0]["findings"]]
    assert "plan-unknown" in codes


# --- 5. versions that cannot be forged ------------------------------------------------------


def test_a_future_export_time_does_not_win(tmp_path, plan_report):
    folder = tmp_path / "in"
    folder.mkdir()
    build_workbook(folder / "genuine.xlsx", QJ_CENTRE, plan_report, rows=qujing_rows(2),
                   exported=dt.datetime(2021, 11, 1, 9))
    # an older copy claiming an export at the end of time, saved (docProps) on 1 October
    forged = build_workbook(folder / "forged.xlsx", QJ_CENTRE, plan_report, rows=qujing_rows(1),
                            exported=dt.datetime(9999, 12, 31, 23, 59))
    _set_saved(forged, "2021-10-01T09:00:00Z")
    result = consolidate(folder, plan_report, YEAR_END)
    status = {Path(f.file).name: f.status for f in result.files}
    assert status == {"genuine.xlsx": "used", "forged.xlsx": "superseded"}


def _set_saved(path: Path, iso: str) -> None:
    """Rewrite the saved time (docProps/core.xml dcterms:modified) without touching anything else."""
    import re

    with zipfile.ZipFile(path) as src:
        parts = [(info, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in parts:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + iso.encode(), data)
            dst.writestr(info, data)


def test_forged_time_is_flagged_when_it_is_the_only_version(tmp_path, plan_report):
    folder = tmp_path / "in"
    folder.mkdir()
    forged = build_workbook(folder / "only.xlsx", QJ_CENTRE, plan_report, rows=qujing_rows(1),
                            exported=dt.datetime(2021, 10, 1, 9))
    set_meta(forged, "exported_at", dt.datetime(9999, 12, 31, 23, 59))
    result = consolidate(folder, plan_report, YEAR_END)
    assert "version-time-suspect" in {f.code for f in result.findings}
    assert "不可信" in result.files[0].reason


def test_tied_versions_are_chosen_the_same_way_every_run_and_said_to_be_tied(tmp_path, plan_report):
    folder = tmp_path / "in"
    folder.mkdir()
    same = dt.datetime(2021, 11, 1, 9)
    a = build_workbook(folder / "a.xlsx", QJ_CENTRE, plan_report, rows=qujing_rows(1), exported=same)
    b = build_workbook(folder / "b.xlsx", QJ_CENTRE, plan_report, rows=qujing_rows(2), exported=same)
    for path in (a, b):
        os.utime(path, (1_636_000_000, 1_636_000_000))
    choices = set()
    for _ in range(3):
        result = consolidate(folder, plan_report, YEAR_END, workers=2)
        used = next(f for f in result.files if f.status == "used")
        superseded = next(f for f in result.files if f.status == "superseded")
        choices.add(Path(used.file).name)
        assert "相同" in superseded.reason
    assert len(choices) == 1


def test_a_file_named_after_another_centre_is_said(tmp_path, plan_report):
    folder = tmp_path / "in"
    folder.mkdir()
    build_workbook(folder / f"{KM}_台账.xlsx", QJ_CENTRE, plan_report, rows=qujing_rows(1))
    result = consolidate(folder, plan_report, YEAR_END)
    assert "centre-name-mismatch" in {f.code for f in result.findings}
    assert KM in result.files[0].reason


# --- 6. outputs never overwrite inputs ------------------------------------------------------


@pytest.fixture()
def small_folder(tmp_path, plan_report) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    build_workbook(folder / "km.xlsx", KM, plan_report, rows=rows())
    return folder


def _digest(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize("case", ["json-is-input", "json-is-report", "report-under-a-file", "json-under-a-file"])
def test_outputs_may_not_name_inputs_or_each_other(tmp_path, small_folder, case, capsys):
    before = _digest(small_folder)
    blocker = tmp_path / "plain.txt"
    blocker.write_text("x", encoding="utf-8")
    report = tmp_path / "r.xlsx"
    args = {"json-is-input": ["-o", str(report), "--json", str(small_folder / "km.xlsx")],
            "json-is-report": ["-o", str(report), "--json", str(report)],
            "report-under-a-file": ["-o", str(blocker / "r.xlsx")],
            "json-under-a-file": ["-o", str(report), "--json", str(blocker / "r.json")]}[case]
    assert main(["consolidate", str(small_folder), *args, "--as-of", "2021-12-31"]) == 2
    assert "tidu：" in capsys.readouterr().err
    assert _digest(small_folder) == before
    assert not report.exists()


def test_template_into_a_regular_file_is_a_usage_error(tmp_path, capsys):
    blocker = tmp_path / "plain.txt"
    blocker.write_text("x", encoding="utf-8")
    assert main(["template", "--centre", KM, "-o", str(blocker / "out")]) == 2
    assert "Traceback" not in capsys.readouterr().err


# --- 7. signals --------------------------------------------------------------------------------


def _children(pid: int) -> set[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return {int(x) for x in out}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_consolidation_leaves_no_process_and_no_temp_file(tmp_path, plan_report, sig):
    folder = tmp_path / "in"
    folder.mkdir()
    src = build_workbook(tmp_path / "src.xlsx", KM, plan_report, rows=rows())
    for i in range(60):
        (folder / f"c{i:02d}.xlsx").write_bytes(src.read_bytes())
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "tidu", "consolidate", str(folder), "-o", str(out / "r.xlsx"),
                             "--as-of", "2021-12-31"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers: set[int] = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not workers:
        workers = _children(proc.pid)
        time.sleep(0.05)
    assert workers, "the workers did not start"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)  # returns: no worker holds stdout open
    assert proc.returncode == 130
    assert "已中断" in err and "Traceback" not in err
    time.sleep(0.5)
    assert [p for p in workers if _alive(p)] == []
    assert list(out.iterdir()) == []


# --- 8./9. folder walking ----------------------------------------------------------------------


@pytest.fixture()
def odd_folder(tmp_path, plan_report):
    folder = tmp_path / "in"
    folder.mkdir()
    good = build_workbook(folder / "km.xlsx", KM, plan_report, rows=rows())
    outside = build_workbook(tmp_path / "outside.xlsx", QJ_CENTRE, plan_report, rows=qujing_rows(1))
    gbk = os.fsencode(folder) + b"/" + "曲靖台账.xlsx".encode("gbk")
    with open(gbk, "wb") as fh:
        fh.write(outside.read_bytes())
    (folder / "link-outside.xlsx").symlink_to(outside)
    (folder / "link-inside.xlsx").symlink_to(good)
    (folder / "dangling.xlsx").symlink_to(tmp_path / "nothing.xlsx")
    (folder / "loop").symlink_to(folder)
    os.mkfifo(folder / "pipe.xlsx")
    (tmp_path / "elsewhere").mkdir()
    (folder / "linked-dir").symlink_to(tmp_path / "elsewhere")
    deep = folder
    for _ in range(1100):  # one level at a time: os.makedirs itself recurses
        deep = deep / "d"
        deep.mkdir()
    (deep / "deep.xlsx").write_bytes(good.read_bytes())
    yield folder
    (deep / "deep.xlsx").unlink()  # shutil.rmtree (pytest's clean-up) recurses: unwind the chain here
    while deep != folder:
        deep.rmdir()
        deep = deep.parent


def test_odd_folder_entries_are_each_listed_and_the_good_files_used(odd_folder, plan_report, tmp_path):
    result = consolidate(odd_folder, plan_report, YEAR_END)
    status = {Path(f.file).name: (f.status, f.reason) for f in result.files}
    assert status["km.xlsx"][0] == "used"
    assert status["曲靖台账.xlsx"][0] == "used"  # a GBK name is read and shown decoded
    for name in ("link-outside.xlsx", "link-inside.xlsx", "dangling.xlsx", "loop", "pipe.xlsx", "linked-dir"):
        assert status[name][0] == "skipped" and status[name][1], name
    assert "以外" in status["link-outside.xlsx"][1]
    assert any("层级" in reason for _, reason in status.values())
    json.dumps(result.to_json(), ensure_ascii=False).encode("utf-8")  # every name is printable
    out = tmp_path / "r.xlsx"
    write_report(result, out)
    assert out.exists()


def test_walk_never_follows_a_link_and_bounds_depth(odd_folder):
    entries = walk(odd_folder)
    read = [e.path for e in entries if e.skip is None]
    assert all(not os.path.islink(p) for p in read)
    assert all(p.count("/d/") < 40 for p in read)
    # a file to read carries its size (the largest are handed out first); a link is never sized
    assert [e.size for e in entries if e.skip is None] == [os.path.getsize(p) for p in read]
    assert all(e.size > 0 for e in entries if e.skip is None)
    assert {e.size for e in entries if e.skip is not None} == {0}


def test_a_file_vanishing_mid_run_becomes_a_rejected_entry(tmp_path, plan_report):
    from tidu.engine.consolidate import read_one

    path = build_workbook(tmp_path / "gone.xlsx", KM, plan_report, rows=rows())
    path.unlink()
    outcome = read_one(str(path), plan_report, YEAR_END)
    assert [f.code for f in outcome.report.findings] == ["file-unreadable"]


def test_cli_prints_undecodable_names(odd_folder, tmp_path):
    done = _tidu("consolidate", str(odd_folder), "-o", str(tmp_path / "r.xlsx"), "--as-of", "2021-12-31",
                 timeout=180)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


# --- 10. plan recursion bomb ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["[" * 50_000, "a: " + "{b: " * 20_000])
def test_plan_recursion_bomb_is_a_finding(tmp_path, text, capsys):
    path = tmp_path / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["plan", "check", str(path), "--json"]) == 1
    assert [f["code"] for f in json.loads(capsys.readouterr().out)["findings"]] == ["plan-unreadable"]


# --- 11. bidi text is cleaned on reading -------------------------------------------------------


def test_bidi_controls_do_not_survive_reading(tmp_path, plan_report):
    path = build_workbook(tmp_path / "b.xlsx", KM, plan_report, rows=rows({"activity:0:name": BIDI}))
    report = check_file(path, plan_report, YEAR_END)
    assert report.valid
    from tidu.engine.reader import read_submission

    submission, _ = read_submission(path)
    assert submission.activities[0].name == "司公限有甲"


def test_a_reader_that_goes_away_is_no_error(tmp_path):
    # tidu … | head -1: the pipe closes while tidu still prints
    proc = subprocess.Popen([sys.executable, "-m", "tidu", "plan", "show", "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8")
    assert proc.wait(timeout=60) == 0
    assert "Traceback" not in err and "tidu：" not in err
