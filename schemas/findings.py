"""Findings: what a check says about a plan file or a submitted workbook (DESIGN §6)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, NamedTuple


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def label(self) -> str:
        return _LABELS[self.value]


_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}


class Finding(NamedTuple):
    """One finding, located as a clerk sees it: file, sheet, 1-based row, column header.

    A named tuple, not a pydantic model: a workbook of real data gives thousands of findings,
    and each is built on the hot path from values the engine already typed (see
    ``tidu.schemas.catalogue.finding``, the only maker). Immutable; ``with_file`` gives a copy.
    """

    code: str
    severity: Severity
    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None

    def with_file(self, file: str) -> Finding:
        """The same finding, located in ``file``."""
        return self._replace(file=file)

    def on_row(self, row: int) -> Finding:
        """The same finding on another row (no message names its row: the catalogue's test
        checks), for a check that judges many rows alike once."""
        return self._replace(row=row)

    def to_json(self, with_file: bool = False) -> dict[str, Any]:
        data = {
            "code": self.code,
            "severity": self.severity.value,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": _jsonable(self.value),
            "message": self.message,
        }
        if with_file:
            data = {"file": self.file, **data}
        return data


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
