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
from functools import partial
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook
from tidu.engine import guard
from tidu.engine.folder import display_name
from tidu.engine.normalize import (
    BadValue,
    clean_column,
    clean_text,
    from_excel_serial,
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

@dataclass
class _Table:
    """The non-blank rows of one entry sheet: Excel row numbers and, per column key, the clean
    values on those rows (None for blank, missing or unreadable cells)."""

    numbers: list[int]
    columns: dict[str, list[Any]]

    def rows(self, *keys: str) -> Iterator[tuple[Any, ...]]:
        """(row number, values of ``keys``...) for each row."""
        return zip(self.numbers, *(self.columns[k] for k in keys), strict=True)


class _SheetReader:
    """One entry sheet, located by header and cleaned a column at a time, with its findings."""

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

    def _raw_columns(self, positions: list[int]) -> list[list[Any]]:
        body = self.rows[1:]
        width = max(positions) + 1
        if body and min(map(len, body)) < width:  # ragged rows (read from xlwings, or a short row)
            body = [list(r) + [None] * (width - len(r)) if len(r) < width else r for r in body]
        if not body:
            return [[] for _ in positions]
        by_column = list(zip(*body, strict=True))  # one C-speed transpose; calamine rows all have one width
        return [list(by_column[j]) for j in positions]

    def table(self) -> _Table:
        """Clean every column, drop blank rows, and report what cannot be read or is missing.

        A row counts as filled when any cell of the contract's columns holds a value or an
        unreadable entry; required-missing is reported only on filled rows. This is the engine's
        hot loop (every cell of every sheet read), so it works on whole columns.
        """
        present = [col for col in self.spec.columns if col.key in self.index]
        cleaned: list[list[Any]] = []
        bad: dict[tuple[int, int], str] = {}  # (body index, column position) → problem code
        raws = self._raw_columns([self.index[col.key] for col in present]) if present else []
        for k, (col, raw) in enumerate(zip(present, raws, strict=True)):
            values, problems = clean_column(col.kind, raw)
            cleaned.append(values)
            for i in problems:
                bad[(i, k)] = problems[i]
        width = len(cleaned)
        if any(None not in values for values in cleaned):  # a column filled on every row: none is blank
            keep = list(range(len(cleaned[0])))
        else:
            blanks = list(map(tuple.count, zip(*cleaned, strict=True), repeat(None)))  # per row
            bad_rows = {i for i, _ in bad}  # a row whose only entries could not be read is kept
            keep = [i for i, n in enumerate(blanks) if n != width or i in bad_rows]
        self._report(present, cleaned, raws, bad, keep)
        by_key = {col.key: values for col, values in zip(present, cleaned, strict=True)}
        if len(keep) != len(self.rows) - 1:  # blank rows to drop: pick the kept ones at C speed
            pick = itemgetter(*keep) if len(keep) > 1 else (lambda values: tuple(values[i] for i in keep))
            by_key = {key: list(pick(values)) for key, values in by_key.items()}
        columns = {col.key: by_key.get(col.key) or [None] * len(keep) for col in self.spec.columns}
        return _Table([i + 2 for i in keep], columns)

    def _report(self, present: list[c.Column], cleaned: list[list[Any]], raws: list[list[Any]],
                bad: dict[tuple[int, int], str], keep: list[int]) -> None:
        """Findings in the order a clerk reads them: by row, then column; a row's unreadable
        cells before its missing required ones."""
        # a column with no blank at all (the usual case) is passed over at C speed
        required = [k for k, col in enumerate(present) if col.required and None in cleaned[k]]
        missing = [(i, k) for k in required for i in keep if cleaned[k][i] is None and (i, k) not in bad]
        if not bad and not missing:
            return
        name = self.spec.name
        events = [(i, 0, k) for i, k in bad] + [(i, 1, k) for i, k in missing]
        for i, kind, k in sorted(events):
            column = present[k]
            if kind == 0:
                cell = raws[k][i]
                shown = cell.isoformat() if isinstance(cell, (dt.date, dt.datetime)) else cell
                self.findings.append(finding(bad[(i, k)], file=self.file, sheet=name, row=i + 2,
                                             column=column.header, value=shown))
            else:
                self.findings.append(finding("required-missing", file=self.file, sheet=name, row=i + 2,
                                             column=column.header))


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
    parsed: dict[str, _Table] = {}
    unusable = set()
    for spec in c.ENTRY_SHEETS:
        if spec.name not in names:
            findings.append(finding("sheet-missing", file=file, sheet=spec.name))
            unusable.add(spec.name)
            parsed[spec.key] = _Table([], {col.key: [] for col in spec.columns})
            continue
        reader = _SheetReader(spec, rows_of(spec.name), file, findings)
        if not reader.usable:
            unusable.add(spec.name)
        parsed[spec.key] = reader.table()
    indicators: tuple[IndicatorRow, ...] = ()
    if c.INDICATORS.name in names and with_indicators:  # optional: template version 1 has no 企业指标
        reader = _SheetReader(c.INDICATORS, rows_of(c.INDICATORS.name), file, findings)
        if reader.usable:
            indicators = _indicators(reader.table())
    return Submission(
        file=file,
        meta=meta,
        enterprises=_enterprises(parsed["roster"]),
        activities=tuple(map(_new(Activity), parsed["activity"].rows(*_ACTIVITY_FIELDS))),
        participants=tuple(map(_new(Participant), parsed["signin"].rows("activity_id", "uscc", "name"))),
        quotas_seen=tuple(_read_quotas(rows_of, names)),
        indicators=indicators,
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
        book = _open_book(file, inspection.parts)
        names = list(book.sheet_names)
    except Exception as exc:  # calamine raises its own error types for every kind of bad file
        return None, [finding("file-unreadable", file=shown, reason=_reason(exc))]
    try:
        return _read_book(_calamine_rows(book), names, shown, findings, inspection.saved_at, indicators), findings
    except Exception as exc:  # a part calamine cannot parse (corrupt sheet, missing part)
        return None, [finding("file-unreadable", file=shown, reason=_reason(exc))]


_ACTIVITY_FIELDS = ("id", "date", "category", "tier", "content", "name", "form", "enterprises", "attendees",
                    "evidence")


def _enterprises(table: _Table) -> tuple[Enterprise, ...]:
    metrics = c.RULE_METRICS
    columns = [table.columns[k] for k in metrics]
    figures = zip(*columns, strict=True)
    if any(None in column for column in columns):
        filled = map(partial(_filled, metrics), figures)
    else:  # every figure of every row filled: each row's dict made at C speed
        filled = map(dict, map(zip, repeat(metrics), figures))
    return tuple(map(_new(Enterprise), zip(table.numbers, *(table.columns[k] for k in _ROSTER_FIELDS), filled,
                                           strict=True)))


def _new(kind: type) -> Callable[[tuple[Any, ...]], Any]:
    """A named tuple of ``kind`` from a tuple of all its fields (``kind._make`` without its length
    check, which the zips that build the rows already make): thousands of rows a file."""
    return partial(tuple.__new__, kind)


_ROSTER_FIELDS = ("uscc", "name", "tier", "prefecture")


def _filled(keys: Sequence[str], values: Sequence[Any]) -> dict[str, Any]:
    """The keys whose value is not None, with their values."""
    if None not in values:  # most rows fill every one: made at C speed
        return dict(zip(keys, values, strict=True))
    return {k: v for k, v in zip(keys, values, strict=True) if v is not None}


_INDICATOR_SKIP = {"uscc", "year", "note"}


def _indicators(table: _Table) -> tuple[IndicatorRow, ...]:
    keys = [k for k in table.columns if k not in _INDICATOR_SKIP]
    return tuple(IndicatorRow(number, uscc, year, _filled(keys, figures))
                 for number, uscc, year, *figures in table.rows("uscc", "year", *keys))


def _open_book(file: str, parts: bytes | None = None) -> CalamineWorkbook:
    """calamine on the parts the guard checked and kept, else by path, or through a file object when
    the name is not valid UTF-8 (a GBK name unzipped on Linux), which a Rust path cannot carry."""
    if parts is not None:
        return CalamineWorkbook.from_filelike(io.BytesIO(parts))
    try:
        file.encode("utf-8")
    except UnicodeEncodeError:
        with open(file, "rb") as fh:
            return CalamineWorkbook.from_filelike(io.BytesIO(fh.read()))
    return CalamineWorkbook.from_path(file)


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"不是可读取的 Excel 工作簿（{text[:200]}）"
