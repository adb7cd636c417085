"""Recalculate a workbook with LibreOffice headless, as a real spreadsheet application would."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

# Force LibreOffice to recalculate every formula when it loads an .xlsx (it would otherwise
# trust the cached values that the writer stored).
_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str:
    """The soffice binary; skips the test when absent, except in CI where it must be there."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI: .ci/run installs libreoffice-calc-nogui")
        pytest.skip("LibreOffice is not installed")
    return found


def recalculate(path: Path, workdir: Path, to: str = "xlsx") -> Path:
    """Open ``path`` in LibreOffice, recalculate, and save a converted copy in ``workdir``."""
    profile = workdir / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_RECALC_ALWAYS, encoding="utf-8")
    out = workdir / "lo-out"
    subprocess.run(
        [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", to, "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=180,
    )
    result = out / f"{path.stem}.{to.split(':')[0]}"
    assert result.exists(), f"LibreOffice did not write {result}"
    return result


def _profile(workdir: Path) -> Path:
    profile = workdir / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_RECALC_ALWAYS, encoding="utf-8")
    return profile


def sheet_values(paths: list[Path], sheet: str, workdir: Path, sheet_number: int | None = None,
                 timeout: float = 600) -> dict[Path, list[list[str]]]:
    """Recalculate every workbook in one LibreOffice run and read one sheet's shown values.

    Only that sheet is exported (as CSV, values as displayed): exporting a whole workbook with a
    quarter of a million helper formulas back to .xlsx would cost more than recalculating it.
    ``sheet_number`` is the sheet's 1-based position (default: its place in the contract's order).
    """
    import csv

    from tidu.schemas import contract as c

    number = sheet_number or c.SHEET_ORDER.index(sheet) + 1
    out = workdir / "lo-csv"
    # 44,34,76: comma, double quote, UTF-8; 1: from row 1; …,false,true(formatted),…,N: sheet N
    csv_filter = f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,{number}"
    subprocess.run(
        [soffice(), f"-env:UserInstallation={_profile(workdir).as_uri()}", "--headless", "--norestore",
         "--convert-to", csv_filter, "--outdir", str(out), *map(str, paths)],
        check=True, capture_output=True, timeout=timeout,
    )
    result = {}
    for path in paths:
        written = out / f"{path.stem}-{sheet}.csv"
        if not written.exists():
            written = out / f"{path.stem}.csv"
        assert written.exists(), f"LibreOffice did not write {written}"
        with written.open(encoding="utf-8", newline="") as f:
            result[path] = list(csv.reader(f))
    return result


def strip_cached_values(path: Path) -> Path:
    """Remove every formula's cached result from ``path`` (in place), so that any figure read
    after LibreOffice opens it can only come from a recalculation."""
    import re
    import zipfile

    tmp = path.with_name(path.name + ".nocache")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb"(</f>|<f [^>]*/>)<v>[^<]*</v>", rb"\1", data)
            dst.writestr(item, data)
    os.replace(tmp, path)
    return path
