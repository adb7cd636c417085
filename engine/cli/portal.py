"""`tidu serve` and `tidu portal codes` (DESIGN §9, §12): the portal's command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_DATA = "tidu-portal"


def _data_dir(text: str) -> Path:
    from tidu.engine.cli.main import UsageError

    path = Path(text)
    if path.exists() and not path.is_dir():
        raise UsageError(f"数据文件夹 {path} 已存在但不是文件夹")
    return path


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn
    from tidu.engine.cli.main import UsageError
    from tidu.engine.plan import load_plan
    from tidu.portal.app import create_app
    from tidu.portal.codes import has_codes

    if not 0 < args.port < 65536:
        raise UsageError(f"端口 {args.port} 不对，应在 1–65535 之间")
    data = _data_dir(args.data)
    app = create_app(data, load_plan(args.plan), max_upload=int(args.max_upload_mb * 1024 * 1024))
    if not has_codes(app.state.ledger):
        print(f"提示：还没有访问码，请先运行 tidu portal codes --data {data}", file=sys.stderr)
    print(f"台账报送网站：http://{args.host}:{args.port}/ （数据文件夹 {data.resolve()}；按 Ctrl+C 停止）")
    # proxy_headers: behind the intranet's nginx on this machine, the client address comes from
    # X-Forwarded-For (trusted from 127.0.0.1 only), so sign-in limits apply per real client.
    uvicorn.run(app, host=args.host, port=args.port, proxy_headers=True, forwarded_allow_ips="127.0.0.1",
                log_level="warning", server_header=False)
    return 0


def cmd_codes(args: argparse.Namespace) -> int:
    from tidu.engine.cli.texttable import render
    from tidu.engine.plan import load_plan
    from tidu.portal.codes import issue_codes
    from tidu.portal.ledger import Ledger

    data = _data_dir(args.data)
    plan = load_plan(args.plan).plan
    ledger = Ledger(data)
    ledger.migrate()
    sheet = issue_codes(ledger, plan.centre_names())
    rows = [["省中心（管理）", "", sheet.admin]] + [[name, plan.unit_of(name) or "（省中心）", code]
                                                   for name, code in sheet.centres.items()]
    if args.output:
        _write_csv(Path(args.output), rows)
    if args.json:
        print(json.dumps(sheet.to_json(), ensure_ascii=False, indent=2))
        return 0
    print(render(["报送单位", "附表3单位", "访问码"], rows))
    print(f"\n已生成 {len(sheet.centres)} 个报送单位访问码和 1 个省中心管理码；以前的访问码全部作废。"
          "访问码只在此显示一次（系统只保存其摘要），请妥善分发。")
    if args.output:
        print(f"访问码表已写入 {args.output}")
    return 0


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    import csv
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # codes: readable by the owner only
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["报送单位", "附表3单位", "访问码"])
        writer.writerows(rows)


def register(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    """Add `serve` and `portal codes` to the tidu command line."""
    serve = sub.add_parser("serve", help="启动台账报送网站（报送单位上传、省中心看板）")
    serve.add_argument("--data", default=DEFAULT_DATA, help=f"数据文件夹（默认 {DEFAULT_DATA}）")
    serve.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，仅本机；对外请经 nginx）")
    serve.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
    serve.add_argument("--max-upload-mb", type=float, default=20, help="上传文件大小上限，MB（默认 20）")
    serve.add_argument("--plan", help="计划编号或文件路径（默认：最新年度的计划）")
    serve.set_defaults(func=cmd_serve)

    portal = sub.add_parser("portal", help="台账报送网站的管理")
    portal_sub = portal.add_subparsers(dest="portal_command", metavar="子命令", parser_class=parser_class)
    codes = portal_sub.add_parser("codes", help="生成访问码：每个报送单位一个，省中心管理码一个（旧码作废）")
    codes.add_argument("--data", required=True, help="数据文件夹")
    codes.add_argument("--json", action="store_true", help='输出 JSON：{"admin": 码, "centres": {单位: 码}}')
    codes.add_argument("-o", "--output", help="另存访问码表（CSV，可用 Excel/WPS 打开后分发）")
    codes.add_argument("--plan", help="计划编号或文件路径")
    codes.set_defaults(func=cmd_codes)
