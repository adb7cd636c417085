"""The whole consolidation job behind `tidu consolidate` and `tidu demo`: read, report, feedback
files, optional screening and JSON — each step a library call, in one place for both commands."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tidu.engine.consolidate import USED, Consolidation, StagedFiles, consolidate
from tidu.engine.isolation import paused_gc
from tidu.schemas.plan import LoadedPlan
from tidu.workbook.paths import atomic_path, feedback_folder

# The workbook writers (XlsxWriter, the report's sheets) are imported where they are needed: the
# report writer once the workers are reading (see _importing_the_writer), the feedback writer
# before they start, since they write with it.


@dataclass
class Outcome:
    result: Consolidation
    report: Path
    feedback: list[Path] = field(default_factory=list)
    feedback_failed: list[str] = field(default_factory=list)
    screening: Any = None


def screen_used(result: Consolidation, loaded: LoadedPlan, workers: int | None = None) -> Any:
    """梯度评估 of the used submissions (the rosters of the versions that count)."""
    from tidu.engine.screen import screen_paths

    used = [result.paths[f.file] for f in result.files if f.status == USED and f.file in result.paths]
    screening, _ = screen_paths(used, loaded, result.as_of, workers=workers)
    return screening


def run_consolidation(directory: Path, report: Path, loaded: LoadedPlan, as_of: dt.date | None,
                      json_path: Path | None = None, feedback: bool = True, screen: bool = False,
                      exclude: tuple[Path, ...] = (), workers: int | None = None,
                      on_step: Callable[[str], None] | None = None) -> Outcome:
    """Consolidate ``directory`` into ``report`` (and ``<report>_反馈/``, the JSON, the screening)."""
    folder = feedback_folder(report)
    skip = (*exclude, report, *((json_path,) if json_path else ()), folder)
    if feedback:
        from tidu.workbook.feedback import staging
    # Without --json, only the first errors and warnings of each file reach this process; every
    # finding still reaches its centre through the feedback file, written in the reading worker.
    with staging(folder, loaded) if feedback else nullcontext() as after_read:
        result = None
        try:
            result = consolidate(directory, loaded, as_of, exclude=skip, workers=workers,
                                 on_file=_importing_the_writer(on_step), detail=json_path is not None,
                                 after_read=after_read)
            return _outputs(Outcome(result, report), folder, loaded, json_path, feedback, screen, workers, on_step)
        finally:  # on success every staged file has been waited for; on failure the workers stop
            if result is not None and isinstance(result.staged, StagedFiles):
                result.staged.close()


def _importing_the_writer(on_step: Callable[[str], None] | None) -> Callable[[str], None]:
    """``on_step``, which first imports the report writer: at the first file read, so the import
    runs while the workers read the others instead of before they start or after they end."""
    imported = False

    def step(path: str) -> None:
        nonlocal imported
        if not imported:
            imported = True
            import tidu.workbook.report  # noqa: F401
        if on_step:
            on_step(path)

    return step


def _outputs(outcome: Outcome, folder: Path, loaded: LoadedPlan, json_path: Path | None, feedback: bool,
             screen: bool, workers: int | None, on_step: Callable[[str], None] | None) -> Outcome:
    from tidu.workbook.report import write_report

    result, report = outcome.result, outcome.report
    if screen:
        outcome.screening = screen_used(result, loaded, workers)
    with paused_gc():
        write_report(result, report, outcome.screening)
    if json_path is not None:
        with atomic_path(json_path) as tmp:
            tmp.write_text(json.dumps(result.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    if feedback:
        from tidu.workbook.feedback import finish_feedback

        for job, error in finish_feedback(result, folder, loaded, workers, on_done=on_step):
            if error is None:
                outcome.feedback.append(Path(job.out))
            else:
                outcome.feedback_failed.append(f"{job.centre}：{error}")
    return outcome
