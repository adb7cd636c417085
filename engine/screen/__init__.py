"""Pyramid intelligence (梯度评估, DESIGN §11): screening, reserves and early warnings.

``screen_submission`` judges the roster of one read workbook (the 评估 button calls it);
``screen_paths`` judges files and folders of submissions (``tidu screen``). Both return a
:class:`~tidu.schemas.screening.Screening`, whose ``to_json`` is the `--json` contract.
"""

from __future__ import annotations

from tidu.engine.screen.run import (
    ScreenError,
    SheetScreening,
    load_ruleset,
    load_warning_rules,
    ruleset_ids,
    screen_paths,
    screen_rows,
    screen_submission,
    screen_submissions,
)

__all__ = ["ScreenError", "SheetScreening", "load_ruleset", "load_warning_rules", "ruleset_ids", "screen_paths",
           "screen_rows", "screen_submission", "screen_submissions"]
