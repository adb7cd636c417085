"""The year-end 专题报告 (DESIGN §13): Word documents read back with python-docx, PDFs through
poppler, every table figure against the consolidation JSON and `tidu check --json`."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections import Counter

import pytest
from docx import Document
from docx.oxml.ns import qn
from PIL import Image
from tidu.engine.check import check_file
from tidu.engine.cli.main import main
from tidu.engine.consolidate import consolidate
from tidu.engine.reader import read_submission
from tidu.engine.rollup import tally
from tidu.engine.yearend import ScreeningTable, counted_sessions, year_figures
from tidu.workbook.builder import build_workbook
from tidu.workbook.yearend import write_report

from .libreoffice import soffice
from .sample import activity, rows
from .submissions import KM_CENTRE, KM_PLATFORM, KM_UNIT, PLATFORM_ROWS, QJ_CENTRE, qujing_rows

YEAR_END = dt.date(2021, 12, 31)
PROVINCE_FILE = "全省_2021年企业梯度培育工作专题报告"
HEADINGS = ("一、基本情况", "二、任务完成情况", "三、主要做法", "四、存在的问题", "五、下一步工作")
TIER_HEADER = ("培育梯度", "目标企业数", "服务企业数", "企业完成率", "企业差距", "目标场次", "服务场次",
               "场次完成率", "场次差距", "服务户次")
HOSTILE_NAME = "=HYPERLINK(\"http://x\")法律讲座"
KM_ROWS = rows(add={"activity": [
    activity(id="H4", date=dt.date(2021, 8, 2), category="法律服务", tier="小微企业", content="法律知识讲座",
             name=HOSTILE_NAME, enterprises=1),
    activity(id="H1", date=dt.date(2021, 9, 1), category="法律服务", tier="小微企业", content="法律知识讲座",
             name="重复编号的活动", enterprises=1),  # a duplicate id: an error, it does not count
]})
# Counted sessions per month, from the rows above: 昆明中心 H1 3月 H2 5月 H3 6月 H4 8月; 昆明平台 P1 4月;
# 曲靖 Q1 6月 Q2 7月.
MONTHS = {KM_CENTRE: {3: 1, 5: 1, 6: 1, 8: 1}, KM_PLATFORM: {4: 1}, QJ_CENTRE: {6: 1, 7: 1},
          "全省": {3: 1, 4: 1, 5: 1, 6: 2, 7: 1, 8: 1}}


@pytest.fixture(scope="session")
def result(run, plan_report):
    return consolidate(run["folder"], plan_report, YEAR_END, workers=1)


@pytest.fixture(scope="session")
def run(tmp_path_factory, plan_report):
    """Three submissions, `tidu consolidate --json`, and `tidu report year-end` once (Word + PDF)."""
    root = tmp_path_factory.mktemp("yearend")
    folder, out = root / "报送台账", root / "报告"
    folder.mkdir()
    build_workbook(folder / "昆明中心.xlsx", KM_CENTRE, plan_report, rows=KM_ROWS)
    build_workbook(folder / "昆明平台.xlsx", KM_PLATFORM, plan_report, rows=PLATFORM_ROWS)
    build_workbook(folder / "曲靖.xlsx", QJ_CENTRE, plan_report, rows=qujing_rows(2))
    js = root / "consolidate.json"
    assert main(["consolidate", str(folder), "-o", str(root / "全省汇总.xlsx"), "--as-of", "2021-12-31",
                 "--json", str(js)]) == 0
    soffice()  # skips (or fails in CI) without LibreOffice
    code = main(["report", "year-end", str(folder), "-o", str(out), "--as-of", "2021-12-31"])
    return {"folder": folder, "out": out, "code": code, "json": json.loads(js.read_text(encoding="utf-8"))}


def _doc(run, name: str):
    return Document(str(next(run["out"].glob(f"{name}_*.docx"))))


def _table(doc, header: tuple[str, ...], nth: int = 0) -> list[list[str]]:
    """The body rows of the nth table with this header row, as cell texts."""
    found = [t for t in doc.tables if tuple(c.text for c in t.rows[0].cells) == header]
    return [[c.text for c in row.cells] for row in found[nth].rows[1:]]


def _pct(actual: int, target: int | None) -> str:
    return "—" if not target else f"{100 * actual / target:.1f}%"


def _slash(value: int | None) -> str:
    return "/" if value is None else str(value)


def _tier_rows(progress: list[dict]) -> list[list[str]]:
    return [[p["tier"], _slash(p["enterprises_target"]), str(p["enterprises"]),
             _pct(p["enterprises"], p["enterprises_target"]), _slash(p["enterprises_gap"]),
             _slash(p["sessions_target"]), str(p["sessions"]), _pct(p["sessions"], p["sessions_target"]),
             _slash(p["sessions_gap"]), str(p["visits"])] for p in progress]


def _all_tiers(progress: list[dict]) -> tuple[int, int, int, int, int]:
    """(sessions target, sessions, enterprises target, enterprises, visits) over tiers with a target."""
    s = [p for p in progress if p["sessions_target"] is not None]
    e = [p for p in progress if p["enterprises_target"] is not None]
    return (sum(p["sessions_target"] for p in s), sum(p["sessions"] for p in s),
            sum(p["enterprises_target"] for p in e), sum(p["enterprises"] for p in e), sum(p["visits"] for p in s))


def test_one_document_and_pdf_per_used_centre_and_the_province(run):
    assert run["code"] == 0
    names = sorted(p.stem.split("_")[0] for p in run["out"].glob("*.docx"))
    assert names == sorted([KM_CENTRE, KM_PLATFORM, QJ_CENTRE, "全省"])
    assert sorted(p.stem for p in run["out"].glob("*.pdf")) == sorted(p.stem for p in run["out"].glob("*.docx"))


@pytest.mark.parametrize("name", [KM_CENTRE, KM_PLATFORM, QJ_CENTRE, "全省"])
def test_documents_have_the_numbered_sections_charts_and_style(run, name):
    doc = _doc(run, name)
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == list(HEADINGS)
    assert len(doc.inline_shapes) >= 3  # completion per tier, per category, per month
    # every table's first row repeats on each page; East-Asian fonts named on the runs
    assert all(t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None for t in doc.tables)
    east_asian = {r._element.rPr.rFonts.get(qn("w:eastAsia")) for p in doc.paragraphs for r in p.runs
                  if r._element.rPr is not None and r._element.rPr.rFonts is not None}
    assert {"仿宋", "黑体", "楷体"} <= east_asian


def test_province_tier_table_equals_the_consolidation_json(run):
    province = run["json"]["province"]["progress"]
    table = _table(_doc(run, "全省"), TIER_HEADER)
    s_target, sessions, e_target, enterprises, visits = _all_tiers(province)
    total = ["合计", str(e_target), str(enterprises), _pct(enterprises, e_target), str(max(e_target - enterprises, 0)),
             str(s_target), str(sessions), _pct(sessions, s_target), str(max(s_target - sessions, 0)), str(visits)]
    assert table == [*_tier_rows(province), total]


def test_province_category_table_equals_the_consolidation_json(run):
    by_category = run["json"]["province"]["by_category"]
    expected = [[d["category"], d["tier"], _slash(d["quota"]), str(d["sessions"]), _pct(d["sessions"], d["quota"])]
                for d in by_category if d["quota"] is not None or d["sessions"]]
    assert _table(_doc(run, "全省"), ("服务类别", "培育梯度", "附表1场次", "实际场次", "完成率")) == expected


def test_province_ranking_equals_the_units_of_the_json(run):
    table = _table(_doc(run, "全省"), ("排名", "附表3单位", "采用台账数", "目标场次", "服务场次", "场次完成率",
                                        "目标企业数", "服务企业数", "企业完成率"))
    units = {u["unit"]: _all_tiers(u["progress"]) for u in run["json"]["units"]}
    assert len(table) == len(units) == 30
    assert [r[0] for r in table] == [str(i) for i in range(1, 31)]
    for row in table:
        s_target, sessions, e_target, enterprises, _ = units[row[1]]
        assert row[3:] == [str(s_target), str(sessions), _pct(sessions, s_target), str(e_target), str(enterprises),
                           _pct(enterprises, e_target)]
    rates = [sessions / s_target for s_target, sessions, *_ in (units[r[1]] for r in table)]
    assert rates == sorted(rates, reverse=True)
    used = Counter(f["unit"] for f in run["json"]["files"] if f["status"] == "used")
    assert {r[1]: int(r[2]) for r in table if used[r[1]]} == dict(used)


@pytest.mark.parametrize(("name", "file"), [(KM_CENTRE, "昆明中心.xlsx"), (KM_PLATFORM, "昆明平台.xlsx"),
                                            (QJ_CENTRE, "曲靖.xlsx")])
def test_centre_tier_table_equals_tidu_check(run, name, file, plan_report):
    progress = check_file(run["folder"] / file, plan_report, YEAR_END).to_json()["progress"]
    rows_ = _table(_doc(run, name), TIER_HEADER)
    assert rows_[:-1] == _tier_rows(progress)
    assert rows_[-1][0] == "合计" and rows_[-1][6] == str(_all_tiers(progress)[1])


@pytest.mark.parametrize("name", [KM_CENTRE, KM_PLATFORM])
def test_a_shared_unit_is_shown_with_its_consolidated_figures(run, name):
    unit = next(u for u in run["json"]["units"] if u["unit"] == KM_UNIT)["progress"]
    assert _table(_doc(run, name), TIER_HEADER, nth=1)[:-1] == _tier_rows(unit)


@pytest.mark.parametrize("name", [KM_CENTRE, KM_PLATFORM, QJ_CENTRE, "全省"])
def test_monthly_sessions_follow_the_activity_dates(run, name):
    table = _table(_doc(run, name), ("月份", "服务场次"))
    months = MONTHS[name]
    assert table == [[f"{m}月", str(months.get(m, 0))] for m in range(1, 13)] + [["合计", str(sum(months.values()))]]


def test_centre_lists_its_sessions_per_category(run):
    doc = _doc(run, KM_CENTRE)
    listed = [row[1] for row in _table(doc, ("活动日期", "活动名称", "服务内容", "服务梯度", "服务企业数"), nth=0)]
    assert listed == ["2021年惠企政策宣讲会"]  # 政策信息服务 comes first in the plan
    names = {row[1] for t in range(4)
             for row in _table(doc, ("活动日期", "活动名称", "服务内容", "服务梯度", "服务企业数"), nth=t)}
    assert names == {"2021年惠企政策宣讲会", "小微企业创业辅导", "小巨人银企对接会", HOSTILE_NAME}
    assert "重复编号的活动" not in "".join(p.text for p in doc.paragraphs)


def test_counted_sessions_are_the_sessions_tally_counts(result, plan_report):
    for path, report in result.reports.items():
        submission, _ = read_submission(path)
        held = counted_sessions(submission, plan_report.plan, report.findings, YEAR_END)
        counts = tally(submission, plan_report.plan, report.findings, YEAR_END).by_category
        assert Counter((s.category, s.tier) for s in held) == +counts


def test_pdf_renders_chinese_and_the_figures(run, tmp_path):
    if not (shutil.which("pdftotext") and shutil.which("pdftoppm")):
        pytest.skip("poppler-utils (pdftotext, pdftoppm) is not installed")
    pdf = run["out"] / f"{PROVINCE_FILE}.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True,
                          text=True).stdout
    for heading in HEADINGS:
        assert heading in text
    micro = next(p for p in run["json"]["province"]["progress"] if p["tier"] == "小微企业")
    assert f"小微企业{micro['sessions']}场" in "".join(text.split())
    for cell in _tier_rows(run["json"]["province"]["progress"])[0][1:]:
        assert cell in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True, text=True).stdout
    assert "NotoSerifCJK" in fonts  # the body's 仿宋 falls back to Noto Serif CJK where it is not installed
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "2", "-l", "2", str(pdf), str(tmp_path / "p")], check=True)
    page = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    dark = sum(page.histogram()[:128])
    assert dark > 0.005 * page.width * page.height  # text, not an empty page of missing glyphs


def test_screening_results_only_where_given(result, plan_report, tmp_path):
    province = year_figures(result)[-1]
    screening = [ScreeningTable("后备企业", ("统一社会信用代码", "企业名称", "建议梯度"),
                                (("X1", "甲", "省级小巨人"),))]
    with_it = Document(str(write_report(province, plan_report, tmp_path / "a", screening)))
    without = Document(str(write_report(province, plan_report, tmp_path / "b")))
    assert [p.text for p in with_it.paragraphs if p.style.name == "Heading 1"][-1] == "附件：梯度评估（筛查）结果"
    assert _table(with_it, ("统一社会信用代码", "企业名称", "建议梯度")) == [["X1", "甲", "省级小巨人"]]
    assert [p.text for p in without.paragraphs if p.style.name == "Heading 1"] == list(HEADINGS)


def test_centre_option_writes_that_centre_only(run, tmp_path):
    out = tmp_path / "one"
    assert main(["report", "year-end", str(run["folder"]), "-o", str(out), "--centre", QJ_CENTRE, "--as-of",
                 "2021-12-31", "--no-pdf"]) == 0
    assert [p.name.split("_")[0] for p in out.iterdir()] == [QJ_CENTRE]


@pytest.mark.parametrize(("case", "args"), [
    ("unknown-centre", ["--centre", "某某中心"]),
    ("outside-year", ["--as-of", "2022-01-05"]),
    ("bad-date", ["--as-of", "5/1/2021"]),
    ("missing-dir", None),
])
def test_usage_errors(run, tmp_path, capsys, case, args):
    folder = tmp_path / "nope" if args is None else run["folder"]
    assert main(["report", "year-end", str(folder), "-o", str(tmp_path / "o"), *(args or [])]) == 2
    assert capsys.readouterr().err.startswith("tidu：")


def test_without_libreoffice_the_word_documents_are_still_written(run, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    out = tmp_path / "no-lo"
    assert main(["report", "year-end", str(run["folder"]), "-o", str(out), "--as-of", "2021-12-31",
                 "--centre", KM_CENTRE]) == 2
    assert "LibreOffice" in capsys.readouterr().err
    assert len(list(out.glob("*.docx"))) == 1 and not list(out.glob("*.pdf"))
