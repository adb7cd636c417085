"""Progress bars: drawn by tqdm on a terminal; nothing drawn, and tqdm not imported, otherwise."""

from __future__ import annotations

import io
import subprocess
import sys

from tidu.engine.cli import progress


def test_no_terminal_no_tqdm():
    # a fresh interpreter: whether tqdm gets imported is the point
    code = ("import sys, io; sys.stderr = io.StringIO()\n"
            "from tidu.engine.cli.progress import progress_bar\n"
            "with progress_bar(total=3, desc='x') as bar:\n"
            "    bar.update(); bar.update(2)\n"
            "print('tqdm' in sys.modules, repr(sys.stderr.getvalue()), file=sys.__stdout__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "''"]


def test_terminal_draws_the_bar(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    with progress.progress_bar(total=4, desc="汇总台账", unit="个", file=screen) as bar:
        bar.update(4)
    assert "4/4" in screen.getvalue()
