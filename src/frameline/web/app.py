"""The ASGI app over one workspace: pages, JSON API, static files and the guards around them.

`create_app(workspace)` is what `frameline serve` runs and what the tests drive
with a real workspace.  Every response carries a strict Content-Security-Policy
(scripts only from our own static files), X-Frame-Options DENY and nosniff;
in local mode every non-loopback client is refused before anything else runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import FastAPI, Path as PathParameter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from frameline.store import QuerySyntaxError, StoreError
from frameline.store.accounts import AccountStore
from frameline.store.sql import SqlStore
from frameline.web import auth
from frameline.web.annotations import AnnotationBackend, FrameAnnotations
from frameline.web.display import label_score, language_name, plural
from frameline.web.hostile_text import safe_link, strip_bidi, visible_text
from frameline.workspace import Workspace

# Row ids in URLs: bounded so that a huge number is a 422, not a database overflow.
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, PathParameter(ge=1, le=MAX_ROW_ID)]
PACKAGE = Path(str(resources.files("frameline.web")))
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")
# plotly.js injects <style> rules and style attributes as it draws; only the chart pages allow inline
# styles (never inline scripts).
CHART_PAGES = ("/frames", "/compare")
CHART_PREFIXES = ("/clusters/",)
CSP_CHARTS = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def plotly_js() -> Path:
    """plotly.js as bundled inside the installed `plotly` package: no CDN, works air-gapped."""
    return Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))


@dataclass
class WebContext:
    workspace: Workspace
    store: SqlStore
    accounts: AccountStore
    annotations: AnnotationBackend
    local: bool
    secure_cookies: bool
    limiter: auth.LoginLimiter = field(default_factory=auth.LoginLimiter)
    max_upload_bytes: int = 1 << 30

    @property
    def web_settings(self) -> dict[str, Any]:
        return self.workspace.settings.get("web") or {}

    @property
    def content_warning(self) -> bool:
        return bool(self.web_settings.get("content_warning", True))


def templates() -> Jinja2Templates:
    environment = Environment(loader=FileSystemLoader(str(PACKAGE / "templates")),
                              autoescape=select_autoescape(default=True, default_for_string=True))
    environment.filters.update(visible=visible_text, link=safe_link, plain=strip_bidi, excerpt=excerpt,
                               language=language_name, plural=plural, label_score=label_score)
    return Jinja2Templates(env=environment)


def excerpt(document, width: int = 220) -> str:  # noqa: ANN001 - a Document
    """Title and the start of the text, for lists; plain text (the template escapes it)."""
    text = " ".join(((document.title + " — ") if document.title else "") .split() + document.text.split())
    return text if len(text) <= width else text[:width].rstrip() + "…"


def secure_cookie(request: Request) -> bool:
    """Secure cookies when configured (behind a TLS proxy) or when the request itself came over TLS."""
    return request.app.state.web.secure_cookies or request.url.scheme == "https"


def context(request: Request) -> WebContext:
    return request.app.state.web


def create_app(workspace: Workspace, *, store: SqlStore | None = None, local: bool = False,
               secure_cookies: bool = False) -> FastAPI:
    store = store or workspace.open_store()
    app = FastAPI(title="Frameline", version="1", docs_url=None, redoc_url=None, openapi_url="/api/v1/openapi.json",
                  description="The JSON API of a Frameline workspace: documents, search, spans, sources, imports, "
                              "timelines, comparisons, re-post clusters, events and monitored feeds. Authenticate with "
                              "`Authorization: Bearer <token>` (create tokens on "
                              "the Account page).")
    app.state.web = WebContext(workspace, store, AccountStore(store), FrameAnnotations(store, workspace), local,
                               secure_cookies)
    app.state.templates = templates()

    @app.middleware("http")
    async def guard(request: Request, call_next):  # noqa: ANN001, ANN202
        web: WebContext = request.app.state.web
        client = request.client.host if request.client else ""
        if web.local and client not in auth.LOOPBACK:
            return _secured(PlainTextResponse("local mode accepts connections from this computer only", 403))
        if web.local and _host_name(request.headers.get("host", "")) not in auth.LOOPBACK:
            # A web page elsewhere can point its own host name at 127.0.0.1 (DNS rebinding) and then
            # read a sign-in-free server as same-origin; only loopback names are answered.
            return _secured(PlainTextResponse("local mode answers only to localhost or 127.0.0.1 addresses", 421))
        new_cookie = _authenticate(request, web)
        response = await call_next(request)
        if new_cookie:
            response.set_cookie(auth.SESSION_COOKIE, new_cookie, httponly=True, samesite="lax",
                                secure=secure_cookie(request), path="/")
        return _secured(response, request.url.path)

    @app.exception_handler(auth.NotSignedIn)
    async def not_signed_in(request: Request, _error: auth.NotSignedIn):  # noqa: ANN202
        if _wants_json(request):
            return JSONResponse({"detail": "sign in or send an API token"}, 401,
                                headers={"WWW-Authenticate": "Bearer"})
        return RedirectResponse(f"/login?next={quote(request.url.path)}", 303)

    @app.exception_handler(auth.Forbidden)
    async def forbidden(request: Request, error: auth.Forbidden):  # noqa: ANN202
        return _error_response(request, 403, str(error))

    @app.exception_handler(StoreError)
    async def store_error(request: Request, error: StoreError):  # noqa: ANN202
        status = 404 if str(error).startswith("no ") else 400
        return _error_response(request, status, str(error))

    @app.exception_handler(QuerySyntaxError)
    async def query_error(request: Request, error: QuerySyntaxError):  # noqa: ANN202
        return _error_response(request, 400, str(error))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):  # noqa: ANN202
        return _error_response(request, error.status_code, str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError):  # noqa: ANN202
        if _wants_json(request):
            return JSONResponse({"detail": _plain_errors(error)}, 422)
        return _error_response(request, 422, "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in error.errors()))

    app.mount("/static", StaticFiles(directory=str(PACKAGE / "static")), name="static")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_bundle() -> FileResponse:
        return FileResponse(plotly_js(), media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    from frameline.web import api, api_insights, pages, pages_insights, pages_manage, pages_session

    app.include_router(pages_session.router)
    app.include_router(pages.router)
    app.include_router(pages_insights.router)
    app.include_router(pages_manage.router)
    app.include_router(api.router)
    app.include_router(api_insights.router)
    return app


def _host_name(host: str) -> str:
    """The host part of a Host header: `[::1]:8000` -> `::1`, `localhost:8000` -> `localhost`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _plain_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    return [{"loc": [str(part) for part in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in error.errors()]


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_response(request: Request, status: int, message: str):  # noqa: ANN202
    if _wants_json(request):
        return JSONResponse({"detail": message}, status)
    return request.app.state.templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message, **page_globals(request)}, status_code=status)


def _secured(response, path: str = ""):  # noqa: ANN001, ANN202
    response.headers.setdefault("Content-Security-Policy", CSP_CHARTS if _chart_page(path) else CSP)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _chart_page(path: str) -> bool:
    return path in CHART_PAGES or path.startswith(CHART_PREFIXES)


def _authenticate(request: Request, web: WebContext) -> str | None:
    """Sets request.state.principal; returns a new session cookie value to send, if one was made."""
    request.state.principal = None
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        user = web.accounts.api_token_user(header[7:].strip())
        if user is not None:
            request.state.principal = auth.Principal(user, "token")
        return None
    cookie = request.cookies.get(auth.SESSION_COOKIE)
    if cookie:
        session = web.accounts.session(cookie)
        if session is not None:
            request.state.principal = auth.Principal(session.user, "session", session.csrf_token, session.token_hash)
            return None
    if web.local:
        token, session = web.accounts.open_session(web.accounts.ensure_user(auth.LOCAL_USER, "admin"))
        request.state.principal = auth.Principal(session.user, "session", session.csrf_token, session.token_hash)
        return token
    return None


NAV = [("/", "Overview", "viewer"), ("/search", "Search", "viewer"), ("/frames", "Frames over time", "viewer"),
       ("/compare", "Compare", "viewer"), ("/clusters", "Re-posts", "viewer"),
       ("/sources", "Sources", "viewer"), ("/annotate", "Annotate", "analyst"), ("/admin/audit", "Admin", "admin")]


def page_globals(request: Request) -> dict[str, Any]:
    web: WebContext = request.app.state.web
    who = auth.optional_principal(request)
    return {
        "who": who,
        "csrf": who.csrf_token if who else "",
        "nav": [(href, title) for href, title, role in NAV if who and who.can(role)],
        "path": request.url.path,
        "workspace_name": web.workspace.path.resolve().name,
        "local_mode": web.local,
        "content_warning": web.content_warning,
    }


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(
        request, template, {**page_globals(request), **values}, status_code=status_code)
