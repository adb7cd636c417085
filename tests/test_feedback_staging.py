"""Feedback files are written in the reading workers: superseded versions leave nothing behind,
a centre with an earlier version gets the change note, a rejected file its own file."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import shutil
from pathlib import Path

import openpyxl
import tidu.workbook.report as report_module
from tidu.engine.cli.consolidation import run_consolidation
from tidu.engine.consolidate import StagedFiles
from tidu.engine.plan import load_plan
from tidu.workbook.feedback import STAGING
from tidu.workbook.paths import feedback_folder


def _texts(path) -> list[str]:
    ws = openpyxl.load_workbook(path)["退回意见"]
    return [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]


def test_versions_and_rejections_in_the_feedback_folder(demo_run, tmp_path):
    data = json.loads(demo_run["json"].read_text(encoding="utf-8"))
    by_centre = {f["centre"]: f["file"] for f in data["files"] if f["status"] == "used"}
    source = [Path(by_centre[c]) for c in sorted(by_centre)[:2]]
    folder = tmp_path / "in"
    folder.mkdir()
    newer, other = folder / source[0].name, folder / source[1].name
    shutil.copy(source[0], newer)
    shutil.copy(source[1], other)
    older = folder / ("旧版_" + source[0].name)
    shutil.copy(source[0], older)
    os.utime(older, (1_600_000_000, 1_600_000_000))  # same content, older file: superseded by mtime
    (folder / "坏文件.xlsx").write_bytes(b"PK\x03\x04 not really a zip")  # rejected, no centre known
    report = tmp_path / "out" / "汇总.xlsx"
    report.parent.mkdir()
    done = run_consolidation(folder, report, load_plan(), dt.date(2021, 9, 30), workers=2)
    out = feedback_folder(report)
    names = sorted(p.name for p in out.iterdir())
    used = [f for f in done.result.files if f.status == "used"]
    assert len(used) == 2 and len(names) == 2  # one per used centre; superseded and unknown leave none
    assert not [n for n in names if n.startswith(STAGING)] and not done.feedback_failed
    centre = next(f.centre for f in used if f.file.endswith(newer.name))
    (mine,) = [p for p in out.iterdir() if p.name.startswith(centre)]
    assert "二、与上一版相比" in _texts(mine)  # rewritten with the previous version's figures
    (theirs,) = [p for p in out.iterdir() if not p.name.startswith(centre)]
    assert "二、与上一版相比" not in _texts(theirs)


def _used_files(demo_run, tmp_path, n: int) -> Path:
    """A folder with copies of the first ``n`` workbooks the demo used."""
    data = json.loads(demo_run["json"].read_text(encoding="utf-8"))
    folder = tmp_path / "in"
    folder.mkdir()
    for f in [f for f in data["files"] if f["status"] == "used"][:n]:
        shutil.copy(f["file"], folder / Path(f["file"]).name)
    return folder


def _stopped(folder: Path, report: Path, expected: type[BaseException], **kwargs) -> list:
    """Run the consolidation, which must stop with ``expected``; the worker processes still alive
    while that is being handled (before the interpreter could tidy anything away)."""
    try:
        run_consolidation(folder, report, load_plan(), dt.date(2021, 9, 30), workers=2, **kwargs)
    except expected:
        return multiprocessing.active_children()
    raise AssertionError(f"the consolidation did not stop with {expected.__name__}")


def test_a_failing_report_leaves_no_worker_and_no_staging(demo_run, tmp_path, monkeypatch):
    # The workers still write the last feedback files while the report is made; if making it
    # fails, they are stopped and their staging folder goes with the (new) feedback folder.
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(report_module, "write_report", broken)
    report = tmp_path / "out" / "汇总.xlsx"
    assert _stopped(_used_files(demo_run, tmp_path, 6), report, OSError) == []
    assert not feedback_folder(report).exists() and not report.exists()


def test_an_interruption_between_files_leaves_no_worker_and_no_staging(demo_run, tmp_path):
    # Ctrl-C or SIGTERM can land while this process handles a file's outcome, outside the pool:
    # the workers are stopped there too, before the staging folder is removed, so none writes on.
    def interrupted(_path):
        raise KeyboardInterrupt

    report = tmp_path / "out" / "汇总.xlsx"
    assert _stopped(_used_files(demo_run, tmp_path, 8), report, KeyboardInterrupt, on_step=interrupted) == []
    assert not feedback_folder(report).exists() and not report.exists()


def test_an_interruption_while_waiting_for_the_last_feedback_files(demo_run, tmp_path, monkeypatch):
    # After the report, the last feedback files are waited for; an interruption then stops the
    # workers still writing, and the staging folder goes.
    reported = []
    monkeypatch.setattr(report_module, "write_report", lambda *a, **k: reported.append(True))
    real_add = StagedFiles.add

    def add(self, path, written):
        if reported:  # a feedback file arriving after the report: the user presses Ctrl-C
            raise KeyboardInterrupt
        real_add(self, path, written)

    monkeypatch.setattr(StagedFiles, "add", add)
    report = tmp_path / "out" / "汇总.xlsx"
    assert _stopped(_used_files(demo_run, tmp_path, 8), report, KeyboardInterrupt) == []
    assert reported and not feedback_folder(report).exists()


def test_a_run_with_no_centre_to_write_to_leaves_no_feedback_folder(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "坏文件.xlsx").write_bytes(b"PK\x03\x04 not really a zip")  # rejected, no centre known
    report = tmp_path / "out" / "汇总.xlsx"
    done = run_consolidation(folder, report, load_plan(), dt.date(2021, 6, 30))
    assert report.exists() and done.feedback == []
    assert not feedback_folder(report).exists()


def test_a_feedback_folder_that_was_there_is_kept_even_if_empty(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    report = tmp_path / "汇总.xlsx"
    feedback_folder(report).mkdir()  # the analyst's own, made before the run
    run_consolidation(folder, report, load_plan(), dt.date(2021, 6, 30))
    assert feedback_folder(report).is_dir() and not any(feedback_folder(report).iterdir())
