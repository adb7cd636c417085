"""`tidu plan shares`: the province splits shared 附表3 rows (分解落实) without editing YAML.

    tidu plan shares form -o 分解落实.xlsx [--plan P]      write the form (pre-filled with current shares)
    tidu plan shares read 分解落实.xlsx -o plan-2021.yaml [--plan P]
                                                         read it back into a copy of the plan file

``read`` keeps the plan file as it is (comments included) and replaces only its ``shares:``
block, then runs the same checks as ``tidu plan check`` (the parts add up to each row).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from tidu.engine.cli.main import EXIT_FINDINGS, EXIT_OK, UsageError


def register(sub: Any, parser_class: type) -> None:
    """Add ``shares`` under ``tidu plan`` (or as a top-level command if ``plan`` has no sub-commands)."""
    plan_parser = sub.choices.get("plan")
    group = None
    if plan_parser is not None and plan_parser._subparsers is not None:
        group = next(a for a in plan_parser._subparsers._group_actions if isinstance(a, argparse._SubParsersAction))
    shares = (group or sub).add_parser("shares", help="分解落实：生成或读入任务分解表（无需编辑 YAML）")
    shares_sub = shares.add_subparsers(dest="shares_command", metavar="子命令", parser_class=parser_class)
    form = shares_sub.add_parser("form", help="生成分解落实填报表 (.xlsx)")
    form.add_argument("-o", "--output", required=True, help="填报表文件 (.xlsx)")
    form.add_argument("--plan", help="计划编号或文件路径（默认：最新年度的计划）")
    form.set_defaults(func=cmd_form)
    read = shares_sub.add_parser("read", help="读入填好的分解落实表，写出带 shares 的计划文件")
    read.add_argument("form", help="填好的分解落实表 (.xlsx)")
    read.add_argument("-o", "--output", required=True, help="新的计划文件 (.yaml)")
    read.add_argument("--plan", help="计划编号或文件路径（默认：最新年度的计划）")
    read.set_defaults(func=cmd_read)


def cmd_form(args: argparse.Namespace) -> int:
    from tidu.engine.plan import load_plan
    from tidu.workbook.shares_form import shared_units, write_shares_form

    loaded = load_plan(args.plan)
    path = write_shares_form(args.output, loaded.plan)
    print(f"已生成分解落实表：{path}（{len(shared_units(loaded.plan))} 个共同承担的附表3单位）")
    return EXIT_OK


def read_form(path: Path, plan: Any) -> tuple[dict[str, dict[str, list[Any]]], list[str]]:
    """Shares from a filled form: unit → centre → row ("/" kept); and the problems found, in Chinese."""
    from python_calamine import CalamineWorkbook
    from tidu.engine.normalize import clean_text
    from tidu.workbook.shares_form import SHEET, shared_units

    try:
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine's own error types for files that are not workbooks
        raise UsageError(f"无法读取分解落实表 {path}：{str(exc).splitlines()[0] if str(exc) else exc}") from None
    units = shared_units(plan)
    shares: dict[str, dict[str, list[Any]]] = {}
    problems: list[str] = []
    width = 2 * len(plan.tiers)
    for number, row in enumerate(rows, start=1):
        unit, centre = (clean_text(row[0]) if row else None), (clean_text(row[1]) if len(row) > 1 else None)
        if unit not in units or centre not in units[unit]:
            continue
        unit_row = plan.unit(unit).row
        values: list[Any] = []
        for j in range(width):
            cell = row[2 + j] if 2 + j < len(row) else None
            if unit_row[j] is None:
                values.append("/")
            elif _whole(cell):
                values.append(int(cell))
            else:
                problems.append(f"第 {number} 行“{centre}”第 {j + 3} 列应填不小于0的整数（现为“{cell or ''}”）")
                values.append(0)
        shares.setdefault(unit, {})[centre] = values
    return {u: c for u, c in shares.items() if any(any(v not in ("/", 0) for v in r) for r in c.values())}, problems


def _whole(cell: Any) -> bool:
    return isinstance(cell, (int, float)) and not isinstance(cell, bool) and cell >= 0 and float(cell).is_integer()


def _shares_yaml(shares: dict[str, dict[str, list[Any]]]) -> str:
    import json

    if not shares:
        return "shares: {}\n"
    lines = ["shares:"]
    for unit, centres in shares.items():
        lines.append(f"  {json.dumps(unit, ensure_ascii=False)}:")
        for centre, row in centres.items():
            cells = ", ".join(json.dumps(v, ensure_ascii=False) for v in row)
            lines.append(f"    {json.dumps(centre, ensure_ascii=False)}: [{cells}]")
    return "\n".join(lines) + "\n"


def replace_shares(text: str, shares: dict[str, dict[str, list[Any]]]) -> str:
    """The plan file's text with its top-level ``shares:`` block replaced (added when absent)."""
    block = _shares_yaml(shares)
    pattern = re.compile(r"^shares:.*?(?=^\S|\Z)", re.M | re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text, count=1)
    return text.rstrip("\n") + "\n" + block


def cmd_read(args: argparse.Namespace) -> int:
    from tidu.engine.plan import check_plan_file, load_plan
    from tidu.workbook.paths import atomic_path

    loaded = load_plan(args.plan)
    form = Path(args.form)
    if not form.is_file():
        raise UsageError(f"找不到分解落实表：{form}")
    shares, problems = read_form(form, loaded.plan)
    for problem in problems:
        print(f"错误：{problem}")
    if problems:
        return EXIT_FINDINGS
    out = Path(args.output)
    text = replace_shares(Path(loaded.source).read_text(encoding="utf-8"), shares)
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    report = check_plan_file(out)
    errors = [f for f in report.findings if f.severity.value == "error"]
    for f in errors:
        print(f"错误：{f.message}")
    print(f"已写出计划文件：{out}（{sum(len(c) for c in shares.values())} 个报送单位的分解指标）"
          + ("，但检查未通过，请按上面的提示修改分解表后重新读入" if errors else "，检查通过"))
    return EXIT_FINDINGS if errors else EXIT_OK
