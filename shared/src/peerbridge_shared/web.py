"""What every PeerBridge HTTP service serves the same way: /healthz, /readyz, /metrics,
and RFC 9457 problem+json errors that name the field and the rule (on FHIR routes, the same error
as a FHIR R4 OperationOutcome, ``application/fhir+json``, which is what FHIR clients read)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import CONTENT_TYPE_LATEST, Counter, generate_latest
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import DBAPIError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .db import database_unreachable
from .fhir_outcome import FHIR_JSON, PROBLEM_JSON, is_fhir_route, operation_outcome
from .input_guard import InputGuard
from .settings import ServiceSettings

log = logging.getLogger(__name__)
DEPENDENCY_UNAVAILABLE = Counter("peerbridge_http_dependency_unavailable",
                                 "Requests answered 503 because a dependency was down", ["dependency"])
RETRY_AFTER_S = 1

ReadinessCheck = Callable[[], None]
"""Raises when its dependency is not reachable."""


class Problem(Exception):
    """Raise from any layer to answer with problem+json; ``field`` names the offending input;
    ``headers`` go on the response (``WWW-Authenticate``, ``Retry-After``...)."""

    def __init__(self, status: int, detail: str, *, field: str | None = None, rule: str | None = None,
                 headers: Mapping[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.field, self.rule, self.extra = status, detail, field, rule, extra
        self.headers = dict(headers or {})


class FhirJSONResponse(JSONResponse):
    """A FHIR resource (``application/fhir+json``); as a route's ``response_class`` it documents the
    route's answer under that media type."""

    media_type = "application/fhir+json"


class Readiness(BaseModel):
    status: str = "ready"
    dependencies: list[str]


class FieldError(BaseModel):
    field: str | None
    rule: str
    message: str


class ProblemDetails(BaseModel):
    """The RFC 9457 body every error carries (for OpenAPI documents)."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


PROBLEM_SCHEMA = "Problem"
REF_PREFIX = "#/components/schemas/"
PROBLEM_REF = {"$ref": REF_PREFIX + PROBLEM_SCHEMA}


def problem_schemas() -> dict[str, Any]:
    """The components every service document carries once: ``Problem`` (RFC 9457) and ``FieldError``."""
    schema = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions = schema.pop("$defs", {})
    schema["title"] = PROBLEM_SCHEMA
    return {PROBLEM_SCHEMA: schema, **definitions}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these error statuses, as problem+json only (one shared schema)."""
    content = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
    return {status: {"description": HTTPStatus(status).phrase, "content": content} for status in statuses}


def _operation_id(route: Any) -> str:
    """The endpoint's own name (``who_am_i``), not FastAPI's path-and-method compound."""
    return route.operation_id or route.name


RequestExamples = Mapping[type[BaseModel] | str, Any]
"""A request body's example for front-end developers, by the body's model (also for a list of it)
or, for a body with no model of its own, by the operation id."""


def _document(app: FastAPI, request_examples: RequestExamples) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            document.setdefault("components", {}).setdefault("schemas", {}).update(problem_schemas())
            _add_request_examples(document, request_examples)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def _add_request_examples(document: dict[str, Any], examples: RequestExamples) -> None:
    by_key: dict[str, Any] = {}
    for key, example in examples.items():
        if not isinstance(key, str):
            key.model_validate(example)  # a stale example fails the document's generation (make contracts, tests)
        by_key[key if isinstance(key, str) else REF_PREFIX + key.__name__] = example
    for methods in document["paths"].values():
        for operation in methods.values():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                schema = media.get("schema", {})
                listed = schema.get("type") == "array"
                ref = (schema.get("items", {}) if listed else schema).get("$ref")
                example = by_key.get(operation.get("operationId", ""), by_key.get(ref or ""))
                if example is not None:
                    media["example"] = [example] if listed and ref else example


def not_found(field: str, kind: str, value: object, *, status: int = 404) -> Problem:
    """404 for an id in the path; pass ``status=422`` for an id in the request body."""
    return Problem(status, f"{kind} {value} not found", field=field, rule="exists")


def problem(status: int, detail: str, *, title: str | None = None, **extra: Any) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    return [
        {
            "field": ".".join(str(part) for part in error["loc"]),
            "rule": error["type"],
            "message": error["msg"],
        }
        for error in exc.errors()
    ]


async def _validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = _field_errors(exc)
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(422, detail, title="Invalid request", errors=errors)


async def _domain_problem(request: Request, exc: Problem) -> JSONResponse:
    if exc.field or exc.rule:
        errors = [{"field": exc.field, "rule": exc.rule or "invalid", "message": exc.detail}]
        response = problem(exc.status, exc.detail, errors=errors, **exc.extra)
    else:
        response = problem(exc.status, exc.detail, **exc.extra)
    response.headers.update(exc.headers)
    return response


async def _http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    response = problem(exc.status_code, str(exc.detail))
    response.headers.update(exc.headers or {})
    return response


def _dependency_down(name: str | None) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    """503 problem+json with Retry-After when a dependency is down (``name``; None: the database,
    if the error is a lost or refused connection): the caller did nothing wrong and may retry."""
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        dependency = name or ("PostgreSQL" if database_unreachable(exc) else None)
        if dependency is None:
            return await _internal_error(request, exc)
        DEPENDENCY_UNAVAILABLE.labels(dependency).inc()
        log.warning("dependency unavailable", extra={"dependency": dependency, "error": type(exc).__name__,
                                                     "path": request.url.path})
        response = problem(503, f"{dependency} is unavailable; retry shortly", dependency=dependency)
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response

    return handle


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=exc, extra={"path": request.url.path})
    return problem(500, "internal error; it has been logged")


def _fhir_aware(handler: Callable[[Request, Any], Awaitable[Response]]) -> Callable[..., Awaitable[Response]]:
    """On a FHIR route, the handler's problem+json answered as an OperationOutcome."""
    async def handle(request: Request, exc: Exception) -> Response:
        response = await handler(request, exc)
        if not is_fhir_route(request.url.path) or response.media_type != PROBLEM_JSON:
            return response
        outcome = operation_outcome(response.status_code, json.loads(response.body))
        headers = {k: v for k, v in response.headers.items() if k.lower() not in {"content-length", "content-type"}}
        return JSONResponse(outcome, status_code=response.status_code, media_type=FHIR_JSON, headers=headers)

    return handle


_tracer = trace.get_tracer(__name__)


class TraceRequests:
    """A SERVER span per HTTP request, continuing the caller's W3C trace (the gateway's). Pure ASGI:
    no task and no stream per request (a ``BaseHTTPMiddleware`` costs both), and a streamed answer
    (SSE) is not buffered. The span lasts until the answer is sent (an event stream: until it ends)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        parent = propagate.extract(dict(Headers(scope=scope)))
        method = scope["method"]
        route = scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")  # as Request.url.path
        with _tracer.start_as_current_span(f"{method} {route}", context=parent, kind=SpanKind.SERVER,
                                           attributes={"http.request.method": method, "url.path": route}) as span:

            async def traced_send(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status = message["status"]
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                await send(message)

            await self.app(scope, receive, traced_send)


def _with_request_threads(settings: ServiceSettings | None, lifespan: Any) -> Any:
    """The app's lifespan, first sizing the thread pool its sync routes run in to
    ``settings.request_threads`` (the database pool's size: ``Database.for_requests``)."""
    @asynccontextmanager
    async def sized(app: FastAPI) -> AsyncIterator[Any]:
        if settings is not None:
            anyio.to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        if lifespan is None:
            yield None
            return
        async with lifespan(app) as state:
            yield state

    return sized


def create_service_app(
    title: str,
    *,
    settings: ServiceSettings | None = None,
    readiness: Mapping[str, ReadinessCheck] | None = None,
    dependency_errors: Mapping[type[Exception], str] | None = None,
    request_examples: RequestExamples | None = None,
    **fastapi_options: Any,
) -> FastAPI:
    """``dependency_errors``: errors that mean a named dependency is down (Redis...), answered 503
    like a lost database connection. ``request_examples``: see :data:`RequestExamples`."""
    fastapi_options.setdefault("generate_unique_id_function", _operation_id)
    # the server span is TraceRequests'; FastAPI's own tracing would add a second one per request
    # (and one per dependency), with the tracer provider that setup_tracing installs
    fastapi_options.setdefault("telemetry", {"tracing": False})
    fastapi_options["lifespan"] = _with_request_threads(settings, fastapi_options.get("lifespan"))
    app = FastAPI(title=title, **fastapi_options)
    _document(app, request_examples or {})
    app.state.settings = settings
    app.add_middleware(TraceRequests)
    app.add_middleware(InputGuard)  # text no database can store is a 422 before any route (input_guard)
    app.add_exception_handler(RequestValidationError, _fhir_aware(_validation_problem))
    app.add_exception_handler(StarletteHTTPException, _fhir_aware(_http_problem))
    app.add_exception_handler(Problem, _fhir_aware(_domain_problem))
    app.add_exception_handler(DBAPIError, _fhir_aware(_dependency_down(None)))
    for error, dependency in (dependency_errors or {}).items():
        app.add_exception_handler(error, _fhir_aware(_dependency_down(dependency)))
    app.add_exception_handler(Exception, _fhir_aware(_internal_error))
    checks = dict(readiness or {})

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], response_model=Readiness,
             responses={503: {"description": "a dependency is down",
                              "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}}}})
    def readyz() -> Response:
        failing = {}
        for name, check in checks.items():
            try:
                check()
            except Exception as exc:  # noqa: BLE001 - any failure means not ready
                failing[name] = type(exc).__name__
        if failing:
            return problem(503, "not ready: " + ", ".join(sorted(failing)), dependencies=failing)
        return JSONResponse({"status": "ready", "dependencies": sorted(checks)})

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
