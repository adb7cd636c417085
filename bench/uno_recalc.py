"""Time a full recalculation and a one-row edit in LibreOffice (run with the system Python: python3-uno).

    /usr/bin/python3 bench/uno_recalc.py FILE PROFILE_DIR   → one line of JSON on stdout
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.lo_macro import _prop, office


def main(path: str, profile: str) -> None:
    with office(profile, "tidu_bench") as desktop:
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


if __name__ == "__main__":
    main(*sys.argv[1:3])
