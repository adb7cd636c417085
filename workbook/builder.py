"""Build the standard centre workbook from a plan (DESIGN §4), one file per centre."""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from tidu.engine.check import check_submission
from tidu.engine.isolation import parallel_map
from tidu.engine.normalize import safe_filename
from tidu.engine.reader import read_rows
from tidu.engine.rollup import clamp_as_of, total
from tidu.schemas import contract as c
from tidu.schemas.plan import LoadedPlan, Plan, TierRuleSet
from tidu.schemas.results import TierProgress
from tidu.workbook.calc_sheet import build_calc, calc_sheet_data
from tidu.workbook.entry_sheets import build_entry_sheet
from tidu.workbook.indicator_sheet import build_indicator_sheet
from tidu.workbook.paths import atomic_path
from tidu.workbook.plan_sheets import build_annex1, build_annex2, build_annex3, build_cover, build_lists, build_meta
from tidu.workbook.progress_sheet import ProgressSetup, build_findings_sheet, build_progress
from tidu.workbook.xl import Formats

#: Rows to pre-fill per entry sheet key ("roster", "activity", "signin"), values in header order.
Rows = Mapping[str, Sequence[Sequence[Any]]]


class UnknownCentreError(ValueError):
    """The centre is not in the plan's registry."""

    def __init__(self, name: str, plan: Plan):
        self.name = name
        self.known = plan.centre_names()
        super().__init__(f"报送单位“{name}”不在{plan.year}年计划的报送单位名录中")


def workbook_filename(plan: Plan, centre: str) -> str:
    """A file name a clerk recognises: ``<centre>_<year>年企业梯度培育台账.xlsx``."""
    return f"{safe_filename(centre)}_{plan.year}年企业梯度培育台账.xlsx"


def build_workbook(path: str | Path, centre: str, loaded: LoadedPlan, rows: Rows | None = None,
                   created: dt.datetime | None = None, exported: dt.datetime | None = None) -> Path:
    """Write the workbook of one centre to ``path`` atomically and return the path.

    ``rows`` optionally pre-fills the entry sheets (used by the demo and tests); values are
    written as they are, text always as text.
    """
    plan, rules = loaded.plan, loaded.rules
    if centre != plan.provincial_centre.name and plan.centre(centre) is None:
        raise UnknownCentreError(centre, plan)
    unit = plan.unit_of(centre)
    path = Path(path)
    with atomic_path(path) as tmp:
        _write(tmp, plan, rules, centre, unit, rows or {}, created or dt.datetime.now().replace(microsecond=0),
               exported)
    return path


def _write(path: Path, plan: Plan, rules: TierRuleSet, centre: str, unit: str | None, rows: Rows,
           created: dt.datetime, exported: dt.datetime | None) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    # The saved time (docProps) is the export time when there is one: a workbook is saved as it is exported.
    book.set_properties({"title": f"{centre} {plan.year}年企业梯度培育台账", "author": "tidu",
                         "company": plan.issuer, "created": exported or created})
    fmts = Formats(book)
    build_cover(book, plan, fmts, centre, unit)
    for sheet in c.ENTRY_SHEETS:
        build_entry_sheet(book, sheet, plan, fmts, rows.get(sheet.key, ()))
    build_indicator_sheet(book, plan, fmts, rows.get(c.INDICATORS.key, ()))
    setup = progress_setup(plan, centre, unit, dt.date.today())
    build_progress(book, setup, fmts, cached_progress(plan, rules, centre, unit, rows, setup))
    build_findings_sheet(book, fmts)
    build_annex1(book, plan, rules, fmts)
    build_annex2(book, plan, fmts)
    build_annex3(book, plan, fmts, unit)
    build_meta(book, plan, fmts, centre, unit, created, exported)
    build_lists(book, plan, fmts)
    build_calc(book, plan)
    book.close()
    finish(path, calc_sheet_data(plan))


def progress_setup(plan: Plan, centre: str, unit: str | None, today: dt.date) -> ProgressSetup:
    """Who the 完成情况 sheet speaks for and what it judges the centre against (分解落实, §4)."""
    share = plan.share_targets(centre) if unit else None
    partners = tuple(plan.partners(centre)) if unit else ()
    targets = share or plan.targets(unit)
    return ProgressSetup(centre=centre, unit=unit, year=plan.year, targets=targets,
                         as_of=clamp_as_of(today, plan.year), partners=partners, split=share is not None)


def cached_progress(plan: Plan, rules: TierRuleSet, centre: str, unit: str | None, rows: Rows,
                    setup: ProgressSetup) -> list[TierProgress]:
    """The engine's figures for the rows written with the template (zeros when blank), plus the
    total row: stored as the formulas' cached results, so viewers that never recalculate are right."""
    sheets: dict[str, list[list[Any]]] = {
        c.META: [["键", "值"], ["centre", centre], ["plan_id", plan.id], ["unit", unit or ""]]}
    for spec in c.ENTRY_SHEETS:
        sheets[spec.name] = [list(spec.headers), *(list(r) for r in rows.get(spec.key, ()))]
    submission, read = read_rows(sheets, "template")
    report, _ = check_submission(submission, read, LoadedPlan(plan=plan, rules=rules, source="template"), setup.as_of)
    tiers = {p.tier: p for p in report.progress}
    body = [tiers[t.tier] for t in setup.targets]
    return [*body, total(body, setup.as_of, plan.year, pace=setup.judges_pace)]


def finish(path: Path, calc_data: str) -> None:
    """What XlsxWriter cannot write, added to the closed file in one pass: the ``_calc`` helper
    columns as shared formulas, and the workbook's structure protected (no password: sheets
    cannot be deleted, renamed or unhidden by accident)."""
    with zipfile.ZipFile(path) as src:
        calc_part = _sheet_part(src, c.CALC)
        tmp = path.with_name(path.name + ".part")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename == "xl/workbook.xml":
                    data = data.replace(b"<bookViews>", b'<workbookProtection lockStructure="1"/><bookViews>', 1)
                elif item.filename == calc_part:
                    data = re.sub(rb"<sheetData\s*/>|<sheetData>.*</sheetData>", lambda _: calc_data.encode(), data,
                                  count=1, flags=re.S)
                dst.writestr(item, data)
    os.replace(tmp, path)


def _sheet_part(book: zipfile.ZipFile, name: str) -> str:
    """The zip member holding the worksheet called ``name`` (via workbook.xml and its relations)."""
    workbook = book.read("xl/workbook.xml").decode()
    rels = book.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet name="{re.escape(name)}" sheetId="\d+"[^>]* r:id="(rId\d+)"', workbook)
    target = re.search(rf'<Relationship Id="{rid.group(1)}" [^>]*Target="([^"]+)"', rels) if rid else None
    if target is None:
        raise ValueError(f"no sheet {name!r} in the workbook just written")
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


def _build_one(args: tuple[Path, str, LoadedPlan]) -> Path:
    path, centre, loaded = args
    return build_workbook(path, centre, loaded)


def build_all(directory: str | Path, loaded: LoadedPlan, jobs: int | None = None,
              progress: Callable[[Path], None] | None = None) -> list[Path]:
    """One workbook per reporting centre plus the provincial centre, flat in ``directory``.

    Workbooks are independent, so they are written by ``jobs`` processes (default: one per core).
    """
    # The plan object itself goes to the workers: a plan given as a file is never looked up again.
    tasks = [(Path(directory) / workbook_filename(loaded.plan, name), name, loaded)
             for name in loaded.plan.centre_names()]
    done = []
    for path in parallel_map(_build_one, tasks, jobs):
        done.append(path)
        if progress:
            progress(path)
    return done
