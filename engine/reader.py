"""Reading a centre workbook into entries (python-calamine), locating everything by header.

The reader knows the contract, not the plan: it cleans values, reports what it cannot read
(missing sheets and headers, blank required cells, unreadable dates and numbers) and leaves the
plan's rules to ``engine.checks``. It never raises for bad content.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook
from tidu.engine import guard
from tidu.engine.folder import display_name
from tidu.engine.normalize import (
    BadValue,
    clean_code,
    clean_text,
    from_excel_serial,
    to_count,
    to_date,
    to_number,
)
from tidu.schemas import contract as c
from tidu.schemas.catalogue import finding
from tidu.schemas.contract import EntrySheet
from tidu.schemas.entries import Activity, Enterprise, IndicatorRow, Meta, Participant, QuotaSeen, Submission
from tidu.schemas.findings import Finding

#: Every sheet the reader opens; the guard checks their extent before calamine loads them.
READ_SHEETS = (*(s.name for s in c.ENTRY_SHEETS), *(s.name for s in c.OPTIONAL_SHEETS), c.META, c.PROGRESS,
               c.ANNEX3)

_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "text": clean_text, "list": clean_text, "code": clean_code, "date": to_date,
    "count": to_count, "amount": to_number, "percent": to_number, "signed_percent": to_number,
}


@dataclass
class _Row:
    number: int  # 1-based, as Excel shows it
    values: dict[str, Any]


class _SheetReader:
    """Rows of one entry sheet as {column key: clean value}, with the findings on the way."""

    def __init__(self, spec: EntrySheet, rows: Sequence[Sequence[Any]], file: str, findings: list[Finding]):
        self.spec, self.rows, self.file, self.findings = spec, rows, file, findings
        header = [clean_text(v) for v in rows[0]] if rows else []
        self.index: dict[str, int] = {}
        for column in spec.columns:
            wanted = clean_text(column.header)
            if wanted in header:
                self.index[column.key] = header.index(wanted)
            else:
                code = "column-missing" if column.required else "column-missing-optional"
                findings.append(finding(code, file=file, sheet=spec.name, row=1, column=column.header))
        self.usable = all(col.key in self.index for col in spec.columns if col.required)

    def __iter__(self) -> Iterator[_Row]:
        # Cleaners return None for blank cells, so one call per non-empty cell tells blank from
        # value; required-missing is reported only once the row is known not to be blank. This is
        # the hot loop of the engine (every cell of every sheet read): locals, no work for blanks.
        present = [(col.key, j, _CLEANERS[col.kind], col.required, col)
                   for col in self.spec.columns if (j := self.index.get(col.key)) is not None]
        absent = {col.key: None for col in self.spec.columns if col.key not in self.index}
        name = self.spec.name
        rows = self.rows
        for i in range(1, len(rows)):
            raw = rows[i]
            width = len(raw)
            values: dict[str, Any] = dict(absent)
            filled = False
            missing = None
            for key, j, cleaner, required, column in present:
                cell = raw[j] if j < width else None
                if cell is None or cell == "":
                    values[key] = None
                    if required:
                        missing = [*(missing or ()), column]
                    continue
                try:
                    value = cleaner(cell)
                except BadValue as bad:
                    filled = True
                    values[key] = None
                    self._bad(bad, column, cell, i + 1)
                    continue
                values[key] = value
                if value is not None:
                    filled = True
                elif required:
                    missing = [*(missing or ()), column]
            if not filled:
                continue  # blank and trailing rows
            if missing:
                self.findings.extend(finding("required-missing", file=self.file, sheet=name, row=i + 1,
                                             column=column.header) for column in missing)
            yield _Row(i + 1, values)

    def _bad(self, bad: BadValue, column: c.Column, cell: Any, number: int) -> None:
        # Each code owns its severity: a bad optional figure is a warning and never voids its row.
        shown = cell.isoformat() if isinstance(cell, (dt.date, dt.datetime)) else cell
        self.findings.append(finding(bad.code, file=self.file, sheet=self.spec.name, row=number,
                                     column=column.header, value=shown))


#: Rows of a sheet by name, from A1 (leading empty rows and columns kept, so positions are Excel's).
RowSource = Callable[[str], Sequence[Sequence[Any]]]


def _calamine_rows(book: CalamineWorkbook) -> RowSource:
    return lambda name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)


def _read_meta(rows_of: RowSource, names: Sequence[str]) -> Meta | None:
    if c.META not in names:
        return None
    rows = rows_of(c.META)
    values = {clean_text(r[0]): r[1] for r in rows[1:] if len(r) >= 2 and clean_text(r[0])}
    if not clean_text(values.get("centre")):
        return None

    def when(key: str) -> dt.datetime | None:
        value = values.get(key)
        if isinstance(value, dt.datetime):
            return value
        if isinstance(value, dt.date):
            return dt.datetime.combine(value, dt.time())
        return from_excel_serial(value)

    try:
        year = to_number(values.get("plan_year"))
    except BadValue:
        year = None
    plan_year = int(year) if year is not None else None
    return Meta(
        template_version=clean_text(values.get("template_version")),
        plan_id=clean_text(values.get("plan_id")),
        plan_year=plan_year,
        centre=clean_text(values.get("centre")),
        unit=clean_text(values.get("unit")),
        submitter=clean_text(values.get("submitter")),
        created_at=when("created_at"),
        exported_at=when("exported_at"),
    )


#: How far the reader looks for the target figures a workbook shows: the template's tables are
#: a few dozen rows; a hostile sheet of 60,000 label rows is read in one pass and then ignored.
_QUOTA_SCAN_ROWS = 200


def _read_quotas(rows_of: RowSource, names: Sequence[str]) -> list[QuotaSeen]:
    """Target figures the workbook displays: 完成情况's first table and the 附表3 mirror.

    One pass over at most ``_QUOTA_SCAN_ROWS`` rows of each sheet; labels are kept as written
    (the checks match them against the plan), so the reader needs no plan.
    """
    seen: list[QuotaSeen] = []
    if c.PROGRESS in names:
        headers = dict(c.PROGRESS_COLUMNS)
        cols: list[str | None] | None = None
        for i, row in enumerate(rows_of(c.PROGRESS)[:_QUOTA_SCAN_ROWS]):
            label = clean_text(row[0]) if row else None
            if label == headers["tier"]:
                if cols is not None:
                    break  # the engine block below repeats the labels; only the first table holds targets
                cols = [clean_text(v) for v in row]
            elif cols is not None and label and label != "合计":
                for key, measure in (("enterprises_target", "enterprises"), ("sessions_target", "sessions")):
                    if headers[key] in cols and cols.index(headers[key]) < len(row):
                        seen.append(QuotaSeen(c.PROGRESS, i + 1, headers[key], label, measure,
                                              row[cols.index(headers[key])]))
    if c.ANNEX3 in names:
        measures = (("enterprises", "目标企业家数"), ("sessions", "服务场次"))
        for i, row in enumerate(rows_of(c.ANNEX3)[:_QUOTA_SCAN_ROWS]):
            unit = clean_text(row[0]) if row else None
            values = list(row[1:])
            while values and (values[-1] is None or values[-1] == ""):
                values.pop()
            if not unit or unit == "合计" or len(values) < 2 or len(values) % 2:
                continue
            if not all(isinstance(v, (int, float)) or clean_text(v) in {"/", "／"} for v in values):
                continue  # a title or header row
            for k, value in enumerate(values):
                measure, header = measures[k % 2]
                seen.append(QuotaSeen(c.ANNEX3, i + 1, header, "", measure, value, unit, position=k // 2))
    return seen


def _read_book(rows_of: RowSource, names: Sequence[str], file: str, findings: list[Finding],
               saved_at: dt.datetime | None = None, with_indicators: bool = True) -> Submission:
    meta = _read_meta(rows_of, names)
    if meta is None:
        findings.append(finding("meta-missing", file=file, sheet=c.META))
        meta = Meta()
    parsed: dict[str, list[_Row]] = {}
    unusable = set()
    for spec in c.ENTRY_SHEETS:
        if spec.name not in names:
            findings.append(finding("sheet-missing", file=file, sheet=spec.name))
            unusable.add(spec.name)
            parsed[spec.key] = []
            continue
        reader = _SheetReader(spec, rows_of(spec.name), file, findings)
        if not reader.usable:
            unusable.add(spec.name)
        parsed[spec.key] = list(reader)
    indicators: list[IndicatorRow] = []
    if c.INDICATORS.name in names and with_indicators:  # optional: template version 1 has no 企业指标
        reader = _SheetReader(c.INDICATORS, rows_of(c.INDICATORS.name), file, findings)
        if reader.usable:
            indicators = [_indicator(r) for r in reader]
    return Submission(
        file=file,
        meta=meta,
        enterprises=tuple(_enterprise(r) for r in parsed["roster"]),
        activities=tuple(Activity(row=r.number, **{k: r.values[k] for k in _ACTIVITY_FIELDS})
                         for r in parsed["activity"]),
        participants=tuple(Participant(row=r.number, activity_id=r.values["activity_id"], uscc=r.values["uscc"],
                                       name=r.values["name"]) for r in parsed["signin"]),
        quotas_seen=tuple(_read_quotas(rows_of, names)),
        indicators=tuple(indicators),
        unusable_sheets=frozenset(unusable),
        saved_at=saved_at,
    )


def read_rows(sheets: Mapping[str, Sequence[Sequence[Any]]], file: str) -> tuple[Submission, list[Finding]]:
    """Read entries from sheets already in memory as rows (the xlwings layer's bulk reads)."""
    findings: list[Finding] = []
    return _read_book(sheets.__getitem__, list(sheets), file, findings), findings




_COUNTING_SHEETS = tuple(s for s in READ_SHEETS if s != c.INDICATORS.name)


def read_submission(path: str | Path, indicators: bool = True) -> tuple[Submission | None, list[Finding]]:
    """Read one workbook (never raises for bad content: what cannot be read is a finding)."""
    file = str(path)
    shown = display_name(file)  # what findings say: printable even for a GBK or broken file name
    findings: list[Finding] = []
    if not Path(file).is_file():
        reason = "不是文件" if Path(file).exists() else "文件不存在"
        return None, [finding("file-unreadable", file=shown, reason=reason)]
    try:
        # 企业指标 feeds only the screening: a consolidation or a check neither scans nor reads it
        inspection = guard.inspect(file, READ_SHEETS if indicators else _COUNTING_SHEETS)
    except guard.Rejected as rejected:
        return None, [finding(rejected.code, file=shown, reason=rejected.reason)]
    except OSError as exc:
        return None, [finding("file-unreadable", file=shown, reason=f"无法打开（{exc.strerror or exc}）")]
    if inspection.macros:
        findings.append(finding("macros-present", file=shown))
    try:
        book = _open_book(file)
        names = list(book.sheet_names)
    except Exception as exc:  # calamine raises its own error types for every kind of bad file
        return None, [finding("file-unreadable", file=shown, reason=_reason(exc))]
    try:
        return _read_book(_calamine_rows(book), names, shown, findings, inspection.saved_at, indicators), findings
    except Exception as exc:  # a part calamine cannot parse (corrupt sheet, missing part)
        return None, [finding("file-unreadable", file=shown, reason=_reason(exc))]


_ACTIVITY_FIELDS = ("id", "date", "category", "tier", "content", "name", "form", "enterprises", "attendees",
                    "evidence")


def _enterprise(row: _Row) -> Enterprise:
    v = row.values
    figures = {k: v[k] for k in c.RULE_METRICS if v.get(k) is not None}
    return Enterprise(row=row.number, uscc=v["uscc"], name=v["name"], tier=v["tier"],
                      prefecture=v["prefecture"], figures=figures)


def _indicator(row: _Row) -> IndicatorRow:
    v = row.values
    figures = {k: value for k, value in v.items() if k not in {"uscc", "year", "note"} and value is not None}
    return IndicatorRow(row=row.number, uscc=v["uscc"], year=v["year"], figures=figures)


def _open_book(file: str) -> CalamineWorkbook:
    """calamine by path, or through a file object when the name is not valid UTF-8 (a GBK name
    unzipped on Linux), which a Rust path cannot carry."""
    try:
        file.encode("utf-8")
    except UnicodeEncodeError:
        with open(file, "rb") as fh:
            return CalamineWorkbook.from_filelike(io.BytesIO(fh.read()))
    return CalamineWorkbook.from_path(file)


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"不是可读取的 Excel 工作簿（{text[:200]}）"
