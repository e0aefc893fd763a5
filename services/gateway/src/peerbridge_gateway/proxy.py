"""The /v1 routes of the catalog, each forwarding to its service after authorization and scoping."""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable
from typing import Annotated, Any, NamedTuple
from urllib.parse import quote, urlencode

import httpx
from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response

from peerbridge_shared.identity import Identity
from peerbridge_shared.web import Problem, problem_responses

from .access import Scope, scope_of
from .callers import authenticate
from .catalog import ROUTES, Route
from .queries import Page
from .scoping import narrow, upstream_identity

log = logging.getLogger(__name__)

PREFIX = "/v1"
COMMON_ERRORS = (401, 403, 404, 422, 429, 502, 503, 504)
PASSED_STATUSES = frozenset({200, 201, 204, 304, 400, 404, 409, 412, 413, 422})
"""Service answers relayed as they are; anything else means the gateway or the service is at fault."""


class Authorized(NamedTuple):
    identity: Identity
    scope: Scope


def build_router(routes: tuple[Route, ...] = ROUTES, *, max_body_bytes: int) -> APIRouter:
    router = APIRouter(prefix=PREFIX)
    for route in routes:
        # the limit here (not on the app) is answered through the problem handlers: a 413 problem
        router.add_api_route(route.path, endpoint_for(route), methods=[route.method], response_model=route.response,
                             max_body_size=max_body_bytes,
                             status_code=route.status, responses=_responses(route), operation_id=route.operation_id,
                             summary=route.summary or None, tags=list(route.tags))
    return router


def _responses(route: Route) -> dict[int | str, dict[str, Any]]:
    statuses = list(COMMON_ERRORS) + ([409, 413] if route.method != "GET" else []) + (
        [412, 428] if route.etag_from else [])
    responses = problem_responses(*statuses)
    if route.media_types:
        responses[route.status] = {"content": {"text/csv": {"schema": {"type": "string"}},
                                               "application/fhir+json": {"schema": {"type": "object"}}}}
    return responses


def endpoint_for(route: Route) -> Callable[..., Any]:
    """An endpoint whose signature declares the route's path, query and body (for validation and
    OpenAPI); the values arrive as keyword arguments."""

    async def authorize(caller: Annotated[Identity, Depends(authenticate)]) -> Authorized:
        # a dependency, so a refused role is told 403 before its input is validated
        scope = scope_of(caller, route.access)
        if scope is None:
            raise Problem(403, f"{route.method} {PREFIX}{route.path} is not open to your roles", rule="role")
        return Authorized(caller, scope)

    async def endpoint(request: Request, caller: Authorized, **values: Any) -> Response:
        return await forward(route, request, caller, values)

    parameters = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter("caller", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[Authorized,
                                                                                          Depends(authorize)]),
    ]
    parameters += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[str, Path()])
                   for name in route.path_params]
    if route.query is not None:
        parameters.append(inspect.Parameter("query", inspect.Parameter.KEYWORD_ONLY,
                                            annotation=Annotated[route.query, Query()]))
    if route.body is not None:
        parameters.append(inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY,
                                            annotation=Annotated[route.body, Body()]))
    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = route.operation_id
    return endpoint


async def forward(route: Route, request: Request, authorized: Authorized, values: dict[str, Any]) -> Response:
    gateway = request.app.state.gateway
    caller, scope = authorized
    path = {name: values[name] for name in route.path_params}
    query = values["query"].model_dump(mode="json", exclude_none=True) if route.query is not None else {}
    query = await narrow(route, scope, caller, path, query, gateway.upstreams)
    upstream = await gateway.upstreams.call(
        route.service, route.method, route.path.format(**{k: quote(v, safe="") for k, v in path.items()}),
        identity=upstream_identity(caller, scope), params=query, headers=_forwarded_headers(request, route),
        content=await request.body() if route.body is not None else None)
    return relay(upstream, route, request, query)


def _forwarded_headers(request: Request, route: Route) -> dict[str, str]:
    headers = {"X-Request-ID": request.state.request_id}
    if route.body is not None:
        headers["Content-Type"] = "application/json"
    if route.media_types:
        headers["Accept"] = request.headers.get("accept", route.media_types[0])
    return headers


def relay(upstream: httpx.Response, route: Route, request: Request, query: dict[str, Any]) -> Response:
    status = upstream.status_code
    if status not in PASSED_STATUSES:
        log.warning("service answered with an unexpected status",
                    extra={"service": route.service, "status": status, "route": route.path})
        detail = "the service refused the gateway's identity" if status in (401, 403) else "the service failed"
        raise Problem(502, f"{route.service}: {detail} ({status})", rule="upstream_failed")
    response = Response(upstream.content, status_code=status, media_type=upstream.headers.get("content-type"))
    if route.query is not None and issubclass(route.query, Page) and status == 200:
        _link_next_page(response, upstream, request, query)
    return response


def _link_next_page(response: Response, upstream: httpx.Response, request: Request, query: dict[str, Any]) -> None:
    """A full page probably has a next one: name it in a Link header (RFC 8288)."""
    try:
        count = len(json.loads(upstream.content))
    except (ValueError, TypeError):
        return
    limit, offset = query.get("limit", 100), query.get("offset", 0)
    if count >= limit:
        next_query = urlencode({**dict(request.query_params), "limit": limit, "offset": offset + limit}, doseq=True)
        response.headers["Link"] = f'<{request.url.path}?{next_query}>; rel="next"'
