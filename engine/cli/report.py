"""`tidu report year-end`: the year-end 专题报告 per used centre and for the province (DESIGN §13)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Add the `report` command group to the `tidu` parser."""
    report = sub.add_parser("report", help="生成报告（年终专题报告）")
    report_sub = report.add_subparsers(dest="report_command", metavar="子命令", parser_class=parser_class)
    ye = report_sub.add_parser("year-end", help="年终专题报告：每个报送单位一份、全省一份（Word 和 PDF）")
    ye.add_argument("directory", metavar="DIR", help="报送台账所在文件夹（与 consolidate 相同）")
    ye.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="输出文件夹")
    ye.add_argument("--centre", metavar="NAME", help="只生成这一个报送单位的报告（不生成全省报告）")
    ye.add_argument("--as-of", help="统计截止日期 YYYY-MM-DD（默认今天，限于计划年度内）")
    ye.add_argument("--plan", help="计划编号或文件路径")
    ye.add_argument("--no-pdf", action="store_true", help="只生成 Word 文档，不转换 PDF")
    ye.set_defaults(func=cmd_year_end)
    report.set_defaults(func=lambda args: _need_subcommand(report))


def _need_subcommand(parser: argparse.ArgumentParser) -> int:
    from tidu.engine.cli.main import EXIT_USAGE

    parser.print_help(sys.stderr)
    return EXIT_USAGE


def cmd_year_end(args: argparse.Namespace) -> int:
    """Consolidate DIR, draft the reports, convert them to PDF in one LibreOffice run."""
    from tidu.engine.cli.main import EXIT_OK, EXIT_USAGE, UsageError, _as_of
    from tidu.engine.cli.progress import progress_bar
    from tidu.engine.consolidate import consolidate
    from tidu.engine.plan import load_plan
    from tidu.engine.rollup import resolve_as_of
    from tidu.engine.yearend import used_centres, year_figures
    from tidu.workbook.yearend import PdfError, to_pdf, write_reports
    from tidu.workbook.yearend.fonts import chart_family

    directory, out = Path(args.directory), Path(args.output)
    if not directory.is_dir():
        raise UsageError(f"报送文件夹 {directory} 不存在或不是文件夹")
    if out.exists() and not out.is_dir():
        raise UsageError(f"输出路径 {out} 是一个文件，请给出文件夹")
    if out.resolve() == directory.resolve() or directory.resolve() in out.resolve().parents:
        raise UsageError(f"输出文件夹 {out} 在报送文件夹之内，请换一个位置（报送文件夹只放报送台账）")
    plan = load_plan(args.plan)
    as_of = _as_of(args.as_of)
    resolve_as_of(as_of, plan.plan.year)  # an explicit date outside the year is a usage error
    result = consolidate(directory, plan, as_of)
    if args.centre is not None:
        used = used_centres(result)
        if args.centre not in used:
            known = "、".join(used) if used else "无"
            raise UsageError(f"报送单位“{args.centre}”在 {directory} 中没有被采用的台账。已采用的单位：{known}")
    if chart_family() is None:
        print("提示：未找到中文字体（如 Noto Sans CJK SC，Debian：apt-get install fonts-noto-cjk），"
              "图表中的中文可能显示为方框。", file=sys.stderr)
    figures = year_figures(result, args.centre)
    if len(figures) == 1 and args.centre is None:
        print("提示：文件夹中没有被采用的报送台账，只生成全省报告（实际数均为 0，未报送单位全部列出）。",
              file=sys.stderr)
    # Screening results (tidu screen, §11) go in through write_reports(screening=…) once available.
    with progress_bar(total=len(figures), desc="生成报告", unit="份") as bar:
        paths = write_reports(figures, plan, out, progress=lambda _: bar.update())
    print(f"已生成 {len(paths)} 份专题报告（Word）到 {out}（截至 {result.as_of}）")
    if not args.no_pdf:
        print(f"正在用 LibreOffice 转换 PDF（{len(paths)} 份）…", file=sys.stderr)
        try:
            pdfs = to_pdf(paths, out)
            print(f"已生成 {len(pdfs)} 份 PDF 到 {out}")
        except PdfError as exc:  # an environment error; the Word documents stand
            print(f"tidu：{exc}", file=sys.stderr)
            return EXIT_USAGE
    return EXIT_OK
