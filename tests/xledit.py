"""Editing a built workbook with openpyxl in tests, quickly.

openpyxl spends nearly all its time on the template's hidden ``_calc`` sheet (30,000 formula
rows), which the engine never reads. The portal's marking sets that part aside while openpyxl
edits the rest and puts its bytes back; tests edit through the same function (about 10× faster).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tidu.portal.marking import edit_copy


def edit_workbook(path: str | Path, edit: Callable[[Any], None]) -> Path:
    """Apply ``edit(book)`` to the workbook at ``path`` (in place); ``_calc`` is kept as it was."""
    path = Path(path)
    if not edit_copy(path, path, edit):
        raise ValueError(f"openpyxl cannot open {path}")
    return path
