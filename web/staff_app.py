"""The staff side put together: sign-in, the JSON API, the pages, and what they share."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.clock import Clock, SystemClock
from core.config import Settings
from core.crypto import Passwords
from core.domain.errors import DomainError
from core.runtime import Runtime, open_runtime
from web.api import api_router
from web.app import create_app
from web.deps import SignInRequired, StaleForm, WebContext
from web.errors import explain, status_of
from web.i18n import load_translations, translator
from web.pages import pages_router
from web.security import LoginThrottle, MemoryCounter, RedisCounter, Sessions
from web.templating import Pages

STATIC = Path(__file__).resolve().parent / "static"


async def _to_login(request: Request, exc: Exception) -> Response:
    # Back to the page after signing in; a form posted after the session ended cannot be replayed, so home.
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = "/"
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


# Staff pages load nothing but our own files: no inline script or style, no other site's (a rendering mistake
# cannot run anything), no framing. The API documentation's page starts Swagger UI and ReDoc with an inline
# script of FastAPI's own, so those two pages alone allow inline code; their files are ours too (fastapi-offline).
STAFF_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
DOCS_POLICY = (
    STAFF_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
        "style-src 'self'", "style-src 'self' 'unsafe-inline'"
    )
    + "; worker-src 'self' blob:"
)
DOCS_PATHS = ("/docs", "/redoc")
HSTS = "max-age=31536000; includeSubDomains"
# Files that hold nobody's data may be kept by the browser; everything else (pages, JSON, PDFs, which carry
# names and NIKs) must never be stored by it or by a proxy in between.
CACHEABLE = ("/static/", "/static-offline-docs/")


class GuardHeaders:
    """No framing, sniffing, referrer leaving the site, foreign code, or storing of personal data on the way.

    A plain ASGI middleware that adds headers as the response starts: Starlette's `@app.middleware("http")` runs
    every request through a task group and a stream of its own, a tenth of the CPU of each webhook POST in a rush.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Content-Security-Policy", DOCS_POLICY if path in DOCS_PATHS else STAFF_POLICY)
                if not path.startswith(CACHEABLE):
                    headers["Cache-Control"] = "no-store"
                ctx: WebContext | None = getattr(scope["app"].state, "staff", None)
                if ctx is not None and ctx.secure_cookies:
                    # Production is served over HTTPS only: a browser that has seen this never tries plain HTTP
                    # again (for a year), so a network in between cannot take the first request, the sign-in
                    # form, in clear.
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, guarded)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    _ = translator(request)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.code, "detail": explain(exc, _)}, status_code=status_of(exc))
    pages: Pages = request.app.state.pages
    return pages.render(request, "refused.html", None, status_code=status_of(exc), error=explain(exc, _))


async def _stale_form(request: Request, exc: Exception) -> Response:
    _ = translator(request)
    pages: Pages = request.app.state.pages
    error = _("This form is out of date (signed in again since, or opened in another session). Reload the page.")
    return pages.render(request, "refused.html", None, status_code=403, error=error)


def _for_machines(request: Request) -> bool:
    """The API, the webhook and the docs answer in JSON, as their clients expect; the rest are pages."""
    return request.url.path.startswith(("/api/", "/telegram/", "/openapi.json", "/docs", "/redoc", "/standin/"))


async def _bad_request(request: Request, exc: Exception) -> Response:
    """A form or an address that does not hold what the page needs: a page that says so, not raw JSON."""
    assert isinstance(exc, RequestValidationError)
    if _for_machines(request):
        return await request_validation_exception_handler(request, exc)
    _ = translator(request)
    # Which fields, by name only: what was typed is not repeated (it may be a pasted NIK, or 5,000 characters).
    fields = sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")})
    if fields == ["day"] and exc.errors()[0]["loc"][0] == "query":  # a typed or edited address
        error = _("“{day}” is not a day this page can show. Write it as year-month-day, for example 2026-12-07.")
        error = error.format(day=str(exc.errors()[0].get("input", ""))[:40])
    else:
        error = _("Something sent with this page is not valid ({fields}). Go back and check it.").format(
            fields=", ".join(fields) or "?"
        )
    pages: Pages = request.app.state.pages
    return pages.render(request, "refused.html", None, status_code=422, error=error)


async def _no_such_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if _for_machines(request) or exc.status_code not in (404, 405):
        return await http_exception_handler(request, exc)
    _ = translator(request)
    if exc.status_code == 404:
        error = _("There is no such page.")
    else:
        error = _("This page cannot be used this way. Open it from the menu.")
    pages: Pages = request.app.state.pages
    return pages.render(request, "refused.html", None, status_code=exc.status_code, error=error)


def mount_staff(app: FastAPI) -> None:
    """Adds the staff routes to an app; `staff_attached` gives them a runtime when the app starts."""
    app.include_router(api_router())
    app.include_router(pages_router())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(SignInRequired, _to_login)
    app.add_exception_handler(DomainError, _refused)
    app.add_exception_handler(StaleForm, _stale_form)
    app.add_exception_handler(RequestValidationError, _bad_request)
    app.add_exception_handler(StarletteHTTPException, _no_such_page)
    app.add_middleware(GuardHeaders)
    translations = load_translations()
    app.state.translations = translations
    app.state.pages = Pages(translations)


@asynccontextmanager
async def staff_attached(
    app: FastAPI,
    runtime: Runtime,
    settings: Settings,
    *,
    passwords: Passwords | None = None,
) -> AsyncIterator[WebContext]:
    """Gives the staff routes their runtime for as long as the app runs."""
    redis = None
    if settings.redis_url:
        from redis.asyncio import Redis

        redis = Redis.from_url(settings.redis_url)
    ctx = WebContext(
        runtime=runtime,
        passwords=passwords or Passwords(),
        sessions=Sessions(runtime.vault.session_key),
        # Several web workers must count wrong passwords together, or each would allow its own five.
        throttle=LoginThrottle(RedisCounter(redis) if redis is not None else MemoryCounter()),
        secure_cookies=settings.environment == "production",
    )
    app.state.staff = ctx
    app.state.ready_checks = {"database": runtime.ping}
    app.state.depths = runtime.depths
    if redis is not None:
        app.state.ready_checks["redis"] = redis.ping
    try:
        yield ctx
    finally:
        app.state.ready_checks = {}  # stopping: a load balancer sends no more
        if redis is not None:
            await redis.aclose()


def staff_app(settings: Settings, *, clock: Clock | None = None, passwords: Passwords | None = None) -> FastAPI:
    """The staff side alone, with its own runtime: for tests and the demo."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            open_runtime(settings, clock or SystemClock()) as runtime,
            staff_attached(app, runtime, settings, passwords=passwords),
        ):
            yield

    app = create_app(lifespan=lifespan)
    mount_staff(app)
    return app
