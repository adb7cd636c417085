"""The portal's ASGI app: sign-in, a centre's uploads and feedback, the province's board, the JSON API.

Pages are rendered on the server from Jinja2 templates (autoescaped: a name like ``<script>``
stays text) with plain HTML forms, so they work in an old browser with no build step. A page
visitor signs in with a code into a signed cookie session; scripts send ``Authorization:
Bearer <code>``. Heavy work (examining an upload, consolidating) runs in the thread pool, and
the reading itself in an isolated worker process.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.middleware.sessions import SessionMiddleware
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from tidu.engine.plan import load_plan
from tidu.engine.sheet_outputs import export_filename
from tidu.portal import board as boards
from tidu.portal.changes import changes
from tidu.portal.codes import Identity, Role, identity_of, verify
from tidu.portal.intake import marked_path, receive
from tidu.portal.ledger import Ledger, UploadRow
from tidu.portal.security import BodyLimit, SignInLimiter
from tidu.portal.store import CHUNK, MAX_UPLOAD, TooLarge, suffix_for
from tidu.schemas.plan import LoadedPlan

SESSION_HOURS = 12
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and fields around the file


class Denied(Exception):
    """A page the visitor may not see: sign in first (401) or not for this role (403)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _secret(data: Path) -> str:
    """The key that signs session cookies, made once per data folder and readable by its owner only."""
    path = data / "session.key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip()


def _pct(value: Any) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _dash(value: Any) -> Any:
    return "—" if value is None or value == "" else value


def _templates() -> Jinja2Templates:
    env = Environment(loader=PackageLoader("tidu.portal", "templates"), autoescape=select_autoescape(default=True))
    env.filters["pct"] = _pct
    env.filters["dash"] = _dash
    env.globals.update(status_labels=boards.STATUS_LABELS)
    return Jinja2Templates(env=env)


def create_app(data_dir: str | Path, plan: LoadedPlan | None = None, max_upload: int = MAX_UPLOAD,
               limiter: SignInLimiter | None = None) -> FastAPI:
    """The portal over one data folder (created and migrated if new)."""
    data = Path(data_dir)
    ledger = Ledger(data)
    ledger.migrate()
    (data / "tmp").mkdir(exist_ok=True)
    loaded = plan or load_plan()
    limiter = limiter or SignInLimiter()
    templates = _templates()
    app = FastAPI(title="企业梯度培育台账报送", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(SessionMiddleware, secret_key=_secret(data), session_cookie="tidu_session",
                       max_age=SESSION_HOURS * 3600, same_site="lax")
    app.add_middleware(BodyLimit, limit=max_upload + FORM_OVERHEAD, shown=max_upload)
    app.mount("/static", StaticFiles(packages=[("tidu.portal", "static")]), name="static")
    app.state.ledger, app.state.plan = ledger, loaded

    # --- helpers -----------------------------------------------------------------------------

    def client(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def signed_in(request: Request) -> Identity | None:
        code_id = request.session.get("code_id")
        return identity_of(ledger, int(code_id)) if isinstance(code_id, int) else None

    def csrf(request: Request) -> str:
        token = request.session.get("csrf")
        if not isinstance(token, str):
            token = request.session["csrf"] = secrets.token_urlsafe(24)
        return token

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        who = signed_in(request)
        return templates.TemplateResponse(request, name, {"who": who, "csrf": csrf(request), "plan": loaded.plan,
                                                          **context}, status_code=status)

    def need(request: Request, role: Role) -> Identity:
        who = signed_in(request)
        if who is None:
            raise Denied(401, "请先登录")
        if who.role is not role:
            raise Denied(403, "此页面仅供省中心使用" if role is Role.ADMIN else "此页面仅供报送单位使用")
        return who

    def check_csrf(request: Request, form: Any) -> None:
        if not secrets.compare_digest(str(form.get("csrf") or ""), csrf(request)):
            raise Denied(403, "页面已过期，请刷新后重试")

    def bearer(request: Request) -> Identity:
        """The identity of an API call; 401 without a valid code, 429 after too many wrong ones."""
        who_ip = client(request)
        if limiter.blocked(who_ip):
            raise HTTPException(429, "访问码错误次数过多，请稍后再试")
        scheme, _, code = request.headers.get("authorization", "").partition(" ")
        who = verify(ledger, code.strip()) if scheme.lower() == "bearer" and code else None
        if who is None:
            limiter.failed(who_ip)
            raise HTTPException(401, "缺少或无效的访问码", headers={"WWW-Authenticate": "Bearer"})
        limiter.succeeded(who_ip)
        return who

    def own_upload(who: Identity, upload_id: int) -> UploadRow:
        row = ledger.upload(upload_id)
        if row is None or (who.role is Role.CENTRE and row.centre != who.centre):
            raise Denied(404, "找不到这次上传记录")  # another centre's upload does not exist for you
        return row

    async def take_upload(centre: str, upload: Any) -> UploadRow:
        if not isinstance(upload, UploadFile):
            raise ValueError("请选择要上传的台账文件")
        chunks = iter(lambda: upload.file.read(CHUNK), b"")
        return await run_in_threadpool(receive, ledger, loaded, centre, chunks, suffix_for(upload.filename),
                                       max_upload)

    @app.exception_handler(Denied)
    async def denied(request: Request, exc: Denied) -> Response:
        if exc.status == 401:
            return RedirectResponse("/login", status_code=303)
        return page(request, "message.html", exc.status, title="无法访问", message=exc.message)

    # --- sign-in -------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    async def home(request: Request) -> Response:
        who = signed_in(request)
        if who is None:
            return RedirectResponse("/login", status_code=303)
        return RedirectResponse("/province" if who.role is Role.ADMIN else "/centre", status_code=303)

    @app.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request) -> Response:
        return page(request, "login.html")

    @app.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        who_ip = client(request)
        if limiter.blocked(who_ip):
            return page(request, "login.html", 429, error="访问码错误次数过多，请过几分钟再试")
        form = await request.form()
        who = await run_in_threadpool(verify, ledger, str(form.get("code") or ""))
        if who is None:
            limiter.failed(who_ip)
            return page(request, "login.html", 401, error="访问码不正确，请核对省中心下发的访问码")
        limiter.succeeded(who_ip)
        request.session.clear()
        request.session["code_id"] = who.code_id
        return RedirectResponse("/", status_code=303)

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        check_csrf(request, await request.form())
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    # --- a centre ------------------------------------------------------------------------------

    @app.get("/centre", response_class=HTMLResponse)
    async def centre_home(request: Request) -> Response:
        who = need(request, Role.CENTRE)
        assert who.centre is not None
        history = ledger.uploads_of(who.centre)
        return page(request, "centre.html", centre=who.centre, unit=loaded.plan.unit_of(who.centre),
                    history=history, limit_mb=round(max_upload / 1024 / 1024))

    @app.post("/centre/upload", response_class=HTMLResponse)
    async def centre_upload(request: Request) -> Response:
        who = need(request, Role.CENTRE)
        assert who.centre is not None
        form = await request.form()
        check_csrf(request, form)
        try:
            row = await take_upload(who.centre, form.get("file"))
        except (ValueError, TooLarge) as exc:
            status = 413 if isinstance(exc, TooLarge) else 400
            return page(request, "message.html", status, title="无法上传", message=str(exc), back="/centre")
        return RedirectResponse(f"/uploads/{row.id}", status_code=303)

    @app.get("/uploads/{upload_id}", response_class=HTMLResponse)
    async def upload_page(request: Request, upload_id: int) -> Response:
        who = signed_in(request)
        if who is None:
            raise Denied(401, "")
        row = own_upload(who, upload_id)
        before = ledger.previous(row)
        names = loaded.plan.centre_names()
        back = (f"/province/centres/{names.index(row.centre)}" if who.role is Role.ADMIN and row.centre in names
                else "/province" if who.role is Role.ADMIN else "/centre")
        return page(request, "upload.html", row=row, before=before, diff=changes(before, row) if before else None,
                    unit=loaded.plan.unit_of(row.centre), back=back)

    @app.get("/uploads/{upload_id}/marked")
    async def marked(request: Request, upload_id: int) -> Response:
        who = signed_in(request)
        if who is None:
            raise Denied(401, "")
        row = own_upload(who, upload_id)
        path = await run_in_threadpool(marked_path, ledger, loaded, row)
        if path is None:
            raise Denied(404, "这次上传没有可下载的校验结果工作簿（文件被拒收或格式不能标注）")
        stamp = _stamp(row.received_at)
        name = export_filename(row.centre, stamp).replace("_报送_", "_校验结果_")
        return FileResponse(path, filename=name, media_type=XLSX)

    # --- the province --------------------------------------------------------------------------

    @app.get("/province", response_class=HTMLResponse)
    async def province(request: Request) -> Response:
        need(request, Role.ADMIN)
        rows = boards.board(ledger, loaded)
        counts = {s: sum(1 for r in rows if r.status is s) for s in boards.CentreStatus}
        return page(request, "province.html", rows=rows, counts=counts, latest=ledger.consolidation())

    @app.get("/province/chase.csv")
    async def chase(request: Request) -> Response:
        need(request, Role.ADMIN)
        text = boards.chase_csv(boards.board(ledger, loaded))
        return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename*=UTF-8''%E5%82%AC%E6%8A%A5.csv"})

    @app.get("/province/centres/{index}", response_class=HTMLResponse)
    async def centre_history(request: Request, index: int) -> Response:
        need(request, Role.ADMIN)
        names = loaded.plan.centre_names()
        if not 0 <= index < len(names):
            raise Denied(404, "找不到该报送单位")
        return page(request, "history.html", centre=names[index], unit=loaded.plan.unit_of(names[index]),
                    history=ledger.uploads_of(names[index]))

    @app.post("/province/consolidate")
    async def run_consolidation(request: Request) -> Response:
        need(request, Role.ADMIN)
        check_csrf(request, await request.form())
        await run_in_threadpool(boards.consolidate_latest, ledger, loaded)
        return RedirectResponse("/province/consolidation", status_code=303)

    @app.get("/province/consolidation", response_class=HTMLResponse)
    async def consolidation(request: Request) -> Response:
        need(request, Role.ADMIN)
        return page(request, "consolidation.html", latest=ledger.consolidation())

    @app.get("/province/reports/{consolidation_id}")
    async def report(request: Request, consolidation_id: int) -> Response:
        need(request, Role.ADMIN)
        found = ledger.consolidation(consolidation_id)
        if found is None or not (data / found["report"]).is_file():
            raise Denied(404, "找不到该汇总报告")
        return FileResponse(data / found["report"], filename=Path(found["report"]).name, media_type=XLSX)

    # --- the API (DESIGN §12) ------------------------------------------------------------------

    @app.post("/api/submissions")
    async def api_submit(request: Request) -> JSONResponse:
        who = bearer(request)
        if who.role is not Role.CENTRE or who.centre is None:
            raise HTTPException(403, "省中心管理码不能上传台账，请用报送单位的访问码")
        form = await request.form()
        try:
            row = await take_upload(who.centre, form.get("file"))
        except TooLarge as exc:
            raise HTTPException(413, str(exc)) from None
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        return JSONResponse(api_result(row))

    @app.get("/api/board")
    async def api_board(request: Request) -> JSONResponse:
        who = bearer(request)
        if who.role is not Role.ADMIN:
            raise HTTPException(403, "仅省中心可查看报送看板")
        return JSONResponse({"centres": [r.to_json() for r in boards.board(ledger, loaded)]})

    return app


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def api_result(row: UploadRow) -> dict[str, Any]:
    """The JSON answer to an upload (DESIGN §12)."""
    return {"id": row.id, "status": str(row.status), "centre": row.centre, "workbook_centre": row.workbook_centre,
            "valid": row.valid, "reason": row.reason, "sha256": row.sha256, "findings": row.findings,
            "progress": row.progress}


def _stamp(text: str) -> Any:
    import datetime as dt

    return dt.datetime.fromisoformat(text)
