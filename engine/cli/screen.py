"""`tidu screen`: judge the roster enterprises of submissions against a tier rule set (DESIGN §11)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Add the `screen` command to the `tidu` parser."""
    cmd = sub.add_parser("screen", help="梯度评估：按梯度条件评估名册企业，列出储备（候选）企业和风险预警")
    cmd.add_argument("paths", nargs="+", metavar="FILE|DIR", help="台账文件或报送文件夹")
    cmd.add_argument("--rules", help="梯度条件规则集编号或文件（默认：计划指定的规则集），如 tiers-2018、miit-2022")
    cmd.add_argument("--as-of", help="截止日期 YYYY-MM-DD（默认今天，限于计划年度内）")
    cmd.add_argument("--plan", help="计划编号或文件路径")
    cmd.add_argument("--json", action="store_true", help="输出 JSON")
    cmd.add_argument("-o", "--output", metavar="SCREEN.xlsx", help="另存评估结果工作簿 (.xlsx)")
    cmd.set_defaults(func=cmd_screen)


def cmd_screen(args: argparse.Namespace) -> int:
    """Screen the given files and folders; 0 when the job ran."""
    from tidu.engine.cli.main import EXIT_OK, UsageError, _as_of
    from tidu.engine.plan import load_plan
    from tidu.engine.screen import ScreenError, screen_paths

    for given in args.paths:
        if not Path(given).exists():
            raise UsageError(f"{given} 不存在")
    output = Path(args.output) if args.output else None
    if output is not None and (output.suffix.lower() != ".xlsx" or output.is_dir()):
        raise UsageError(f"输出文件 {output} 应为 .xlsx 文件名")
    loaded = load_plan(args.plan)
    try:
        screening, problems = screen_paths(args.paths, loaded, _as_of(args.as_of), args.rules)
    except ScreenError as exc:
        raise UsageError(str(exc)) from None
    if output is not None:
        from tidu.workbook.screen_sheets import write_screen_workbook

        write_screen_workbook(screening, output)
    if args.json:
        print(json.dumps(screening.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_text(screening, problems, output)
    return EXIT_OK


def _print_text(screening: Any, problems: list[Any], output: Path | None) -> None:
    from tidu.engine.cli.texttable import render
    from tidu.engine.screen.layout import summary_lines

    for line in summary_lines(screening):
        print(line)
    for f in problems:
        print(f"  未评估 {Path(f.file or '').name}：[{f.code}] {f.message}", file=sys.stderr)
    candidates = [e for e in screening.enterprises if e.candidate_for]
    if candidates:
        print("\n储备（候选）企业")
        print(render(("企业名称", "培育梯度", "候选梯度", "评估"),
                     [(e.name, e.tier, e.candidate_for, _decision(e, e.candidate_for)) for e in candidates[:50]]))
    warned = [(e, w) for e in screening.enterprises for w in e.warnings if w.level.value in ("高", "中")]
    if warned:
        print("\n风险预警（高、中）")
        print(render(("企业名称", "培育梯度", "等级", "代码", "原因"),
                     [(e.name, e.tier, w.level.value, w.code, w.message) for e, w in warned[:50]]))
    if output is not None:
        print(f"\n评估结果工作簿：{output}")


def _decision(e: Any, tier: str) -> str:
    from tidu.engine.screen.layout import reserve_label

    return reserve_label(e.assessment(tier))
