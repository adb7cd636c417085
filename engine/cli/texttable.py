"""Plain-text tables for the terminal that line up Chinese (double-width) characters."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap


def render(headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric_right: bool = True) -> str:
    """A table with a header rule; numbers are right-aligned, None shows as an empty cell."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [display_width(h) for h in headers]
    for row in cells:
        for j, text in enumerate(row):
            widths[j] = max(widths[j], display_width(text))
    right = [numeric_right and all(_numeric(r[j]) for r in rows if r[j] not in (None, "")) and rows
             for j in range(len(headers))]
    lines = ["  ".join(pad(h, w, False) for h, w in zip(headers, widths, strict=True)),
             "  ".join("─" * w for w in widths)]
    lines += ["  ".join(pad(t, w, bool(r)) for t, w, r in zip(row, widths, right, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def _numeric(value: Any) -> bool:
    if isinstance(value, (int, float)):
        return True
    text = str(value).rstrip("%")
    return text in {"/", "—", "-"} or text.replace(".", "", 1).replace("-", "", 1).isdigit()
