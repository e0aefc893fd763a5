"""The console HTTP app: `python -m peerbridge_console`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from peerbridge_shared.web import create_service_app

from . import (
    coordinator,
    enrollment,
    events,
    outcomes,
    pages,
    peer,
    program_peers,
    roster_editor,
    signin,
    supervisor,
    week_calendar,
)
from .api import Gateway, Problem, SignInAgain
from .oidc import Provider
from .sessions import SessionStore
from .settings import ConsoleSettings, get_settings
from .web import (
    SECURITY_HEADERS,
    CsrfRefused,
    NeedsSignIn,
    RoleRefused,
    content_security_policy,
    gettext_for,
    origin_of,
    render,
    sign_in_redirect,
)

STATIC = Path(__file__).parent / "static"


@dataclass
class Console:
    """What the request path shares, kept on ``app.state.console``."""

    settings: ConsoleSettings
    sessions: SessionStore
    provider: Provider
    gateway: Gateway


def create_app(settings: ConsoleSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    redis = AsyncRedis.from_url(settings.redis_url, socket_timeout=5)
    http = httpx.AsyncClient(timeout=10)
    console = Console(settings=settings, sessions=SessionStore(redis, settings), provider=Provider(settings, http),
                      gateway=Gateway(settings.gateway_url, settings.gateway_timeout_s))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await console.gateway.aclose()
        await http.aclose()
        await redis.aclose()

    import redis as redis_sync

    ping = redis_sync.Redis.from_url(settings.redis_url, socket_timeout=2)
    app = create_service_app("PeerBridge console", settings=settings, lifespan=lifespan,
                             readiness={"redis": ping.ping},
                             dependency_errors={RedisConnectionError: "Redis", RedisTimeoutError: "Redis"},
                             docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = console
    csp = content_security_policy(origin_of(settings.oidc_issuer))

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # noqa: ANN001, ANN202
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        response.headers["Content-Security-Policy"] = csp
        if settings.cookie_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if getattr(request.state, "dirty", False) and (session := getattr(request.state, "session", None)):
            await console.sessions.save(session)  # a shown flash message is gone
        return response

    @app.exception_handler(NeedsSignIn)
    async def needs_sign_in(request: Request, exc: NeedsSignIn) -> Response:
        return sign_in_redirect(request, exc.next_path)

    @app.exception_handler(SignInAgain)
    async def sign_in_again(request: Request, exc: SignInAgain) -> Response:
        return sign_in_redirect(request, request.url.path)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        _ = gettext_for(request, getattr(request.state, "session", None))
        return render(request, "message.html", 403, title=_("Form refused"),
                      message=_("This form was not sent from your current console page. Reload the page and try "
                                "again."))

    @app.exception_handler(RoleRefused)
    async def role_refused(request: Request, exc: RoleRefused) -> Response:
        session = getattr(request.state, "session", None)
        _ = gettext_for(request, session)
        return render(request, "message.html", 403, session=session, title=_("Not part of your work"),
                      message=_("This page is for other roles than yours. Your start page has what you may see."))

    @app.exception_handler(Problem)
    async def gateway_problem(request: Request, exc: Problem) -> Response:
        status = exc.status if exc.status < 500 else 502
        return render(request, "message.html", status, session=getattr(request.state, "session", None),
                      title=exc.title, message=exc.detail)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in (signin.router, pages.router, peer.router, supervisor.router, coordinator.router, enrollment.router,
                   week_calendar.router, roster_editor.router, program_peers.router, outcomes.router, events.router):
        app.include_router(router)
    return app
