"""The `tidu` command line (DESIGN §9): a few lines per command over library functions.

Heavy modules are imported inside the commands so that ``tidu --help`` starts fast. Library
errors become Chinese messages here, at the boundary; exit status 0 = the job ran, 1 = error
findings, 2 = usage or environment error.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from tidu import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # as a shell reports a command ended by Ctrl-C


class UsageError(Exception):
    """A user mistake the CLI reports in Chinese with exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own errors, in Chinese where we can
        self.print_usage(sys.stderr)
        print(f"tidu：参数有误：{message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _format_finding(f: Any) -> str:
    return f"  [{f.severity.label}] {f.code}：{f.message}"


# --- plan ----------------------------------------------------------------------------------


def cmd_plan_show(args: argparse.Namespace) -> int:
    from tidu.engine.cli.plan_view import plan_json, plan_text
    from tidu.engine.plan import check_plan_file, resolve_plan_path

    report = check_plan_file(resolve_plan_path(args.plan))
    if report.plan is None:
        from tidu.engine.plan import PlanError

        raise PlanError(report.source, report.findings)
    if args.json:
        _print_json(plan_json(report))
    else:
        print(plan_text(report))
    return EXIT_OK


def cmd_plan_check(args: argparse.Namespace) -> int:
    from tidu.engine.plan import check_plan_file

    report = check_plan_file(args.file)
    if report.valid and report.plan is not None and not args.json:
        print(f"计划文件 {args.file} 检查通过：{report.plan.title}（{report.plan.id}），"
              f"{len(report.plan.annex3.units)} 个附表3单位，{len(report.plan.centres)} 个报送单位。")
        return EXIT_OK
    return _print_plan_findings(args, report)


def _print_plan_findings(args: argparse.Namespace, report: Any) -> int:
    source = getattr(args, "file", None) or report.source
    if args.json:
        _print_json({"file": str(source), "valid": report.valid, "findings": [f.to_json() for f in report.findings]})
    else:
        print(f"计划文件 {source} 有 {len(report.findings)} 处问题：")
        for f in report.findings:
            print(_format_finding(f))
    return EXIT_OK if report.valid else EXIT_FINDINGS


# --- template ------------------------------------------------------------------------------


def cmd_template(args: argparse.Namespace) -> int:
    import time

    from tidu.engine.cli.progress import progress_bar
    from tidu.engine.plan import load_plan
    from tidu.workbook.builder import UnknownCentreError, build_all, build_workbook, workbook_filename

    loaded = load_plan(args.plan)
    plan = loaded.plan
    out = Path(args.output)
    start = time.perf_counter()
    if args.all:
        names = plan.centre_names()
        with progress_bar(total=len(names), desc="生成台账", unit="个") as bar:
            paths = build_all(out, loaded, progress=lambda _: bar.update())
    else:
        try:
            paths = [build_workbook(out / workbook_filename(plan, args.centre), args.centre, loaded)]
        except UnknownCentreError as exc:
            hint = "、".join(n for n in exc.known if args.centre[:2] in n)[:200]
            advice = f"是否是：{hint}？" if hint else "用 `tidu plan show` 查看报送单位名录。"
            raise UsageError(f"{exc}。{advice}") from None
    elapsed = time.perf_counter() - start
    if len(paths) == 1:
        print(paths[0])
    print(f"已生成 {len(paths)} 个台账到 {out}（用时 {elapsed:.1f} 秒）")
    return EXIT_OK


# --- check -------------------------------------------------------------------------------


def _as_of(text: str | None) -> Any:
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"截至日期“{text}”格式不对，请写成 YYYY-MM-DD，如 2021-06-30") from None


def cmd_check(args: argparse.Namespace) -> int:
    from tidu.engine.check import check_files
    from tidu.engine.cli.report_view import report_text
    from tidu.engine.plan import load_plan
    from tidu.engine.rollup import resolve_as_of

    as_of = _as_of(args.as_of)
    plan = load_plan(args.plan) if args.plan else None
    if plan is not None:
        resolve_as_of(as_of, plan.plan.year)  # an explicit date outside the year is a usage error
    reports = check_files(args.files, plan, as_of)
    if args.json:
        _print_json({"submissions": [r.to_json() for r in reports]})
    else:
        colour = sys.stdout.isatty()
        print("\n\n".join(report_text(r, colour) for r in reports))
    return EXIT_OK if all(r.valid for r in reports) else EXIT_FINDINGS


# --- consolidate and demo ------------------------------------------------------------------


def _print_consolidation(result: Any, report: Path) -> None:
    from collections import Counter

    from tidu.engine.cli.report_view import progress_table
    from tidu.engine.consolidate import STATUS_LABELS

    counts = Counter(f.status for f in result.files)
    if not result.files:
        print("提示：报送文件夹中没有任何文件，全部报送单位列为未报送。")
    print(f"\n全省完成情况（截至 {result.as_of}）")
    print(progress_table(result.province, sys.stdout.isatty()))
    print("\n报送文件 " + "，".join(f"{STATUS_LABELS[k]} {counts[k]}" for k in STATUS_LABELS)
          + f"；未报送单位 {len(result.missing)} 个；多单位重复登记企业 {len(result.duplicates)} 家；"
          f"问题 {_finding_total(result)} 条（错误 {_finding_total(result, 'error')} 条）")
    for f in result.files:
        if f.status == "rejected":
            print(f"  拒收 {f.file}：{f.reason}")
    if result.missing:
        print("  未报送：" + "、".join(result.missing))
    print(f"\n全省汇总报告：{report}")


def _finding_total(result: Any, severity: str | None = None) -> int:
    return sum(n for counts in result.finding_counts.values() for (s, _), n in counts.items()
               if severity is None or s == severity)


def cmd_consolidate(args: argparse.Namespace) -> int:
    from tidu.engine.isolation import paused_gc

    with paused_gc():  # the engine's modules and the plan make some 100,000 objects and no garbage
        from tidu.engine.cli.consolidation import run_consolidation
        from tidu.engine.cli.outputs import OutputError, check_outputs
        from tidu.engine.cli.progress import progress_bar
        from tidu.engine.folder import walk
        from tidu.engine.plan import load_plan
        from tidu.engine.rollup import resolve_as_of
        from tidu.workbook.paths import feedback_folder

        directory, output = Path(args.directory), Path(args.output)
        json_path = Path(args.json) if args.json else None
        if not directory.is_dir():
            raise UsageError(f"报送文件夹 {directory} 不存在或不是文件夹")
        if output.suffix.lower() != ".xlsx":
            raise UsageError(f"输出文件 {output} 应以 .xlsx 结尾")
        plan = load_plan(args.plan)
    as_of = _as_of(args.as_of)
    resolve_as_of(as_of, plan.plan.year)  # an explicit date outside the year is a usage error, before any work
    entries = walk(directory)
    folders = {} if args.no_feedback else {"反馈文件夹": feedback_folder(output)}
    try:
        outputs = {"汇总报告（-o）": output, "JSON 结果（--json）": json_path}
        check_outputs([Path(e.path) for e in entries if e.skip is None], outputs, folders, input_dir=directory)
    except OutputError as exc:
        raise UsageError(str(exc)) from None
    steps = len(entries) * (1 if args.no_feedback else 2)
    with progress_bar(total=steps, desc="汇总台账", unit="个") as bar:
        done = run_consolidation(directory, output, plan, as_of, json_path, feedback=not args.no_feedback,
                                 screen=args.screen, on_step=lambda _: bar.update())
    _print_consolidation(done.result, output)
    if not args.no_feedback:
        if done.feedback:
            where = f"，在 {feedback_folder(output)}"
        else:  # no folder to name: none was left behind
            where = "" if done.feedback_failed else "（没有可以确定报送单位的台账）"
        print(f"反馈文件（退回意见）：{len(done.feedback)} 份{where}")
        for line in done.feedback_failed:
            print(f"  未能生成：{line}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from tidu.engine.cli.demo import run_demo
    from tidu.engine.cli.progress import progress_bar
    from tidu.engine.plan import load_plan

    out = Path(args.output)
    print(f"生成示例：{out.resolve()}（全部报送单位的台账、示例数据、全省汇总）")
    with progress_bar(desc="生成并汇总", unit="步") as bar:
        result = run_demo(out, _as_of(args.as_of), plan=load_plan(args.plan), on_step=lambda _: bar.update())
    print(f"示例报送台账：{result.submissions}")
    _print_consolidation(result.consolidation, result.report)
    from tidu.workbook.paths import feedback_folder

    print(f"各单位的反馈文件（退回意见）：{feedback_folder(result.report)}")
    if result.screen is not None:
        print(f"梯度评估（储备、预警）：{result.screen}")
    return EXIT_OK


# --- parser --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tidu", description="企业梯度培育台账：计划、台账模板、校验、汇总。")
    parser.add_argument("--version", action="version", version=f"tidu {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)

    plan = sub.add_parser("plan", help="查看或检查年度计划")
    plan_sub = plan.add_subparsers(dest="plan_command", metavar="子命令", parser_class=_Parser)
    show = plan_sub.add_parser("show", help="显示计划的三张附表（并检查一致性）")
    show.add_argument("--plan", help="计划编号或文件路径（默认：最新年度的计划）")
    show.add_argument("--json", action="store_true", help="输出 JSON")
    show.set_defaults(func=cmd_plan_show)
    check = plan_sub.add_parser("check", help="检查一个计划文件（如下一年度的指标）")
    check.add_argument("file", help="计划文件 (.yaml)")
    check.add_argument("--json", action="store_true", help="输出 JSON")
    check.set_defaults(func=cmd_plan_check)

    tpl = sub.add_parser("template", help="生成报送单位的标准台账")
    who = tpl.add_mutually_exclusive_group(required=True)
    who.add_argument("--centre", help="报送单位名称，如 昆明市中小企业服务中心")
    who.add_argument("--all", action="store_true", help="全部报送单位及省中心，各一个文件")
    tpl.add_argument("-o", "--output", required=True, help="输出文件夹")
    tpl.add_argument("--plan", help="计划编号或文件路径")
    tpl.set_defaults(func=cmd_template)

    chk = sub.add_parser("check", help="校验台账并计算完成情况（有错误时退出码为 1）")
    chk.add_argument("files", nargs="+", metavar="FILE", help="一个或多个台账文件")
    chk.add_argument("--as-of", help="统计截止日期 YYYY-MM-DD（默认今天，限于计划年度内）")
    chk.add_argument("--plan", help="计划编号或文件路径（默认按台账中记录的计划）")
    chk.add_argument("--json", action="store_true", help="输出 JSON")
    chk.set_defaults(func=cmd_check)

    con = sub.add_parser("consolidate", help="汇总一个文件夹中的全部报送台账，生成全省汇总工作簿")
    con.add_argument("directory", metavar="DIR", help="报送台账所在文件夹")
    con.add_argument("-o", "--output", required=True, help="全省汇总工作簿 (.xlsx)")
    con.add_argument("--as-of", help="统计截止日期 YYYY-MM-DD（默认今天，限于计划年度内）")
    con.add_argument("--json", metavar="FILE", help="另存一份 JSON 结果")
    con.add_argument("--plan", help="计划编号或文件路径")
    con.add_argument("--no-feedback", action="store_true",
                     help="不生成各单位的反馈文件（退回意见），只写汇总报告（快速查看）")
    con.add_argument("--screen", action="store_true",
                     help="同时做梯度评估，报告中加入“梯度储备”“风险预警”（用时约增加一倍）")
    con.set_defaults(func=cmd_consolidate)

    demo = sub.add_parser("demo", help="用生成的示例台账演示全过程（生成、填报、汇总）")
    demo.add_argument("-o", "--output", default="tidu-demo", help="输出文件夹（默认 tidu-demo）")
    demo.add_argument("--as-of", help="统计截止日期 YYYY-MM-DD（默认今天，限于计划年度内）")
    demo.add_argument("--plan", help="计划编号或文件路径（默认：最新年度的计划）")
    demo.set_defaults(func=cmd_demo)

    # Command groups kept in modules of their own (each has ``register(subparsers, parser_class)``).
    for module in COMMAND_MODULES:
        importlib.import_module(f"tidu.engine.cli.{module}").register(sub, _Parser)
    return parser


#: Modules of engine/cli that add command groups (portal, screening, reports, add-in tools…).
COMMAND_MODULES: tuple[str, ...] = ("portal", "addin", "doctor", "report", "screen", "plan_shares")


def _interrupt(signum: int, frame: Any) -> None:
    """SIGTERM ends tidu as Ctrl-C does: workers are stopped, temporary files removed."""
    raise KeyboardInterrupt


def _internal_error(exc: BaseException) -> int:
    """A bug: the traceback goes to a log file, the user gets a Chinese line saying where."""
    import tempfile
    import traceback

    fd, log = tempfile.mkstemp(prefix="tidu-错误-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        traceback.print_exception(exc, file=fh)
    print(f"tidu：内部错误（{type(exc).__name__}），任务未完成。详细信息已写入 {log}，请把该文件发给技术支持。",
          file=sys.stderr)
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    previous = signal.signal(signal.SIGTERM, _interrupt) if _main_thread() else None
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"tidu：{exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader went away (tidu … | head): nothing is left to say
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print(f"tidu：已中断（{args.command}），后台进程已结束，没有留下不完整的输出文件。", file=sys.stderr)
        return EXIT_INTERRUPTED
    except RecursionError as exc:
        return _internal_error(exc)
    except Exception as exc:  # library errors with their own Chinese text
        from tidu.engine.plan import PlanError
        from tidu.engine.rollup import AsOfOutsideYear

        if isinstance(exc, (PlanError, AsOfOutsideYear)):
            print(f"tidu：{exc}", file=sys.stderr)
            return EXIT_USAGE
        if isinstance(exc, OSError):
            where = exc.filename if exc.filename is not None else ""
            print(f"tidu：无法访问或写入 {where}：{exc.strerror or exc}", file=sys.stderr)
            return EXIT_USAGE
        return _internal_error(exc)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def run() -> NoReturn:
    """The ``tidu`` command: :func:`main`, then a quick exit.

    Every output is complete and closed when ``main`` returns (files are written atomically,
    worker pools shut down, temporaries removed), so the interpreter's own teardown (freeing every
    module and object, ~0.1 s) is skipped: the streams are flushed and the process ends.
    """
    # tidu uses no pydantic plugin: spare pydantic its search of every installed package for one
    # (~7 ms at each start); a setting made outside is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader went away: nothing is left to say
        pass
    os._exit(code)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


if __name__ == "__main__":
    raise SystemExit(main())
