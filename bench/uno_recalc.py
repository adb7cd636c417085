"""Time a full recalculation and a one-row edit in LibreOffice (run with the system Python: python3-uno).

    /usr/bin/python3 bench/uno_recalc.py FILE PROFILE_DIR   → one line of JSON on stdout
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def _prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main(path: str, profile: str) -> None:
    pipe = f"tidu_bench_{uuid.uuid4().hex}"
    soffice = subprocess.Popen(
        ["soffice", f"-env:UserInstallation={Path(profile).resolve().as_uri()}", "--headless", "--invisible",
         "--norestore", "--nologo", f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(240):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                time.sleep(0.25)
        else:
            raise SystemExit("LibreOffice did not start")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(Path(path).resolve().as_uri(), "_blank", 0, (_prop("Hidden", True),))
        start = time.perf_counter()
        doc.calculateAll()
        calculate_all = time.perf_counter() - start
        signins = doc.Sheets.getByName("服务对象")
        first_id = signins.getCellByPosition(0, 1).getString()
        code = signins.getCellByPosition(1, 1).getString()
        row = 1
        while signins.getCellByPosition(0, row).getString():
            row += 1
        start = time.perf_counter()
        signins.getCellByPosition(0, row).setString(first_id)
        signins.getCellByPosition(1, row).setString(code)
        doc.calculate()
        one_row = time.perf_counter() - start
        progress = doc.Sheets.getByName("完成情况")
        total = [progress.getCellByPosition(j, 12).getString() for j in range(12)]
        print(json.dumps({"calculate_all": calculate_all, "one_row": one_row, "total": total}, ensure_ascii=False))
        doc.close(True)
        with contextlib.suppress(Exception):
            desktop.terminate()
    finally:
        try:
            soffice.wait(timeout=30)
        except subprocess.TimeoutExpired:
            soffice.kill()


if __name__ == "__main__":
    main(*sys.argv[1:3])
