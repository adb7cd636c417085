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
