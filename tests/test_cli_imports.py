"""What a command imports before its workers start: the report writer comes later, while they read."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_the_consolidation_front_door_imports_no_writer():
    loaded = _modules_after("import tidu.engine.cli.consolidation, tidu.workbook.paths")
    assert "xlsxwriter" not in loaded and "tidu.workbook.report" not in loaded


def test_the_writer_is_imported_at_the_first_file_read():
    loaded = _modules_after(
        "from tidu.engine.cli.consolidation import _importing_the_writer\n"
        "seen = []\nstep = _importing_the_writer(seen.append)\n"
        "step('a.xlsx'); step('b.xlsx'); assert seen == ['a.xlsx', 'b.xlsx'], seen\n"
        "_importing_the_writer(None)('c.xlsx')")
    assert {"xlsxwriter", "tidu.workbook.report"} <= loaded
