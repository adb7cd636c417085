"""Editing a built workbook with openpyxl in tests, quickly.

openpyxl spends nearly all its time on the template's hidden ``_calc`` sheet (30,000 formula
rows), which the engine never reads. The portal's marking sets that part aside while openpyxl
edits the rest and puts its bytes back; tests edit the same way (about 10× faster).
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
from tidu.portal.marking import _replace_member, _set_calc_aside, _sheet_part
from tidu.schemas import contract as c


def edit_workbook(path: str | Path, edit: Callable[[Any], None]) -> Path:
    """Apply ``edit(book)`` to the workbook at ``path`` (in place); ``_calc`` is kept as it was."""
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        slim, calc = _set_calc_aside(path, work)
        book = openpyxl.load_workbook(slim)
        edit(book)
        saved = work / "edited.xlsx"
        book.save(saved)
        if calc is not None:
            with zipfile.ZipFile(saved) as zf:
                member = _sheet_part(zf, c.CALC)
            if member is not None:
                _replace_member(saved, member, calc, work / "whole.xlsx")
                saved = work / "whole.xlsx"
        os.replace(saved, path)
    return path
