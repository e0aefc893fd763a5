"""The /v1 routes of the catalog, each forwarding to its service after authorization and scoping."""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, NamedTuple
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from peerbridge_shared.events.access import PurposeOfUse
from peerbridge_shared.identity import Identity
from peerbridge_shared.validation import Id
from peerbridge_shared.web import PROBLEM_JSON, Problem, problem_responses

from .access import Scope, scope_of
from .audit import PURPOSE_HEADER, purpose_of
from .callers import authenticate
from .catalog import ROUTES, Route
from .contracts import ContractMissing
from .etags import etag_of, matches, resource_lock
from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import fingerprint
from .queries import Page
from .scoping import narrow
from .upstream import UpstreamResponse

log = logging.getLogger(__name__)

PREFIX = "/v1"
COMMON_ERRORS = (401, 403, 404, 422, 429, 502, 503, 504)
PASSED_STATUSES = frozenset({200, 201, 204, 304, 400, 404, 409, 412, 413, 422})
"""Service answers relayed as they are, and a service's own 503 problem (which dependency is down,
Retry-After) or 403 problem (the caller's scope or acting person refused where the data lives);
anything else means the gateway or the service is at fault."""


class Authorized(NamedTuple):
    identity: Identity
    scope: Scope


def build_router(routes: tuple[Route, ...] = ROUTES, *, max_body_bytes: int) -> APIRouter:
    router = APIRouter(prefix=PREFIX)
    for route in routes:
        check_contract(route)
        # the limit here (not on the app) is answered through the problem handlers: a 413 problem
        router.add_api_route(route.path, endpoint_for(route), methods=[route.method], response_model=None,
                             max_body_size=max_body_bytes,
                             status_code=route.status, responses=_responses(route), operation_id=route.operation_id,
                             summary=route.summary or None, tags=list(route.tags))
    return router


def check_contract(route: Route) -> None:
    """A route forwards to an operation its service documents, answering with the route's status."""
    answers = route.contract["responses"]
    if str(route.status) not in answers:
        raise ContractMissing(f"{route.method} {route.path}: {route.service} answers {sorted(answers)}, "
                              f"the catalog says {route.status}; fix the catalog or run `make contracts`")


def _responses(route: Route) -> dict[int | str, dict[str, Any]]:
    statuses = list(COMMON_ERRORS) + ([409, 413] if route.method != "GET" else []) + (
        [412, 428] if route.etag_from else [])
    responses = problem_responses(*statuses)
    if route.media_types:
        representations = {"text/csv": {"schema": {"type": "string"}},
                           "application/fhir+json": {"schema": {"type": "object", "description": "a FHIR R4 resource"}},
                           "application/json": {}}
        responses[route.status] = {"content": {m: representations[m] for m in route.media_types}}
    return responses


def endpoint_for(route: Route) -> Callable[..., Any]:
    """An endpoint whose signature declares the route's path and query (for validation and OpenAPI);
    the values arrive as keyword arguments. The body is the service's to validate: it is forwarded as
    sent, and the service's 422 relayed (the document shows the service's schema for it)."""

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
    parameters += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[Id, Path()])
                   for name in route.path_params]  # no dot segment or slash can reach the upstream URL
    if route.query is not None:
        parameters.append(inspect.Parameter("query", inspect.Parameter.KEYWORD_ONLY,
                                            annotation=Annotated[route.query, Query()]))
    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = route.operation_id
    return endpoint


async def forward(route: Route, request: Request, authorized: Authorized, values: dict[str, Any]) -> Response:
    gateway = request.app.state.gateway
    caller, scope = authorized
    path = {name: values[name] for name in route.path_params}
    query = values["query"].model_dump(mode="json", exclude_none=True) if route.query is not None else {}
    purpose = purpose_of(request.headers.get(PURPOSE_HEADER), caller) if route.phi else None
    body = await request.body() if route.has_body else None
    query = await narrow(route, scope, caller, path, query, gateway.upstreams)
    call = Call(route, request, caller, scope, path, query, purpose,
                target=route.path.format(**{k: quote(v, safe="") for k, v in path.items()}), body=body)
    key = request.headers.get(IDEMPOTENCY_HEADER) if route.method == "POST" else None
    if key is None:
        response = await call.run(gateway)
    else:
        response = await _once(call, gateway, key)
    await call.audit(gateway, response)
    return response


async def _once(call: Call, gateway: Any, key: str) -> Response:
    """The write done at most once per key. Its answer is kept before it is audited: when the audit
    cannot be recorded (503), the caller's retry replays the kept answer (audited then) and never
    writes a second time."""
    request_fingerprint = fingerprint(call.route.method, call.target, call.body or b"")
    replay = await gateway.idempotency.begin(call.caller, key, request_fingerprint)
    if replay is not None:
        return replay
    response = None
    try:
        response = await call.run(gateway)
    finally:
        await gateway.idempotency.finish(call.caller, key, request_fingerprint, response)
    return response


@dataclass
class Call:
    """One authorized, scoped request on its way to a service."""

    route: Route
    request: Request
    caller: Identity
    scope: Scope
    path: dict[str, str]
    query: dict[str, Any]
    purpose: PurposeOfUse | None
    target: str
    body: bytes | None

    async def run(self, gateway: Any) -> Response:
        """The service's answer, relayed (not yet audited)."""
        if self.route.etag_from and self.request.headers.get("if-match"):
            upstream, etag = await self._conditional(gateway)
        else:
            upstream, etag = await self._send(gateway), None
        response = relay(upstream, self.route, self.request, self.query)
        if self.route.method == "GET" and response.status_code == 200:
            etag = etag_of(upstream.content)
            if matches(self.request.headers.get("if-none-match"), etag):
                return Response(status_code=304, headers={"ETag": etag})
        if etag:
            response.headers["ETag"] = etag
        return response

    async def audit(self, gateway: Any, response: Response) -> None:
        """Every answer carrying participant-level data, and every write made on someone's behalf, is
        recorded before it is returned (a replayed answer too: it discloses the record again)."""
        if not 200 <= response.status_code < 300 or (self.purpose is None and self.caller.on_behalf_of is None):
            return
        await gateway.audit.record(caller=self.caller, method=self.route.method, route=PREFIX + self.route.path,
                                   path=self.request.url.path, path_values=self.path,
                                   purpose=self.purpose or purpose_of(None, self.caller),
                                   request_id=self.request.state.request_id, status=response.status_code,
                                   content=bytes(response.body), names_participant=self.route.names_participant)

    async def _send(self, gateway: Any) -> UpstreamResponse:
        return await gateway.upstreams.call(
            self.route.service, self.route.method, self.target, identity=self.caller,
            params=self.query, headers=_forwarded_headers(self.request, self.route), content=self.body)

    async def _conditional(self, gateway: Any) -> tuple[UpstreamResponse, str | None]:
        """If-Match under a lock: read, compare, write; the answer carries the new ETag."""
        assert self.route.etag_from is not None
        resource = self.route.etag_from.format(**{k: quote(v, safe="") for k, v in self.path.items()})
        identity = self.caller
        lock = f"{gateway.settings.redis_prefix}lock:{self.caller.organization_id}:{resource}"
        async with resource_lock(gateway.redis, lock):
            current = await gateway.upstreams.call(self.route.service, "GET", resource, identity=identity)
            if current.status_code != 200:
                return current, None
            if not matches(self.request.headers.get("if-match"), etag_of(current.content)):
                raise Problem(412, "the resource changed since you read it; GET it again", rule="if_match",
                              headers={"ETag": etag_of(current.content)})
            written = await self._send(gateway)
            if not written.is_success:
                return written, None
            fresh = await gateway.upstreams.call(self.route.service, "GET", resource, identity=identity)
            return written, etag_of(fresh.content) if fresh.status_code == 200 else None


def _forwarded_headers(request: Request, route: Route) -> dict[str, str]:
    headers = {"X-Request-ID": request.state.request_id}
    if route.has_body:
        headers["Content-Type"] = "application/json"
    if route.media_types:
        headers["Accept"] = request.headers.get("accept", route.media_types[0])
    return headers


def relay(upstream: UpstreamResponse, route: Route, request: Request, query: dict[str, Any]) -> Response:
    status = upstream.status_code
    relayed_problem = status in (403, 503) and upstream.headers.get("content-type", "").startswith(PROBLEM_JSON)
    if status not in PASSED_STATUSES and not relayed_problem:
        log.warning("service answered with an unexpected status",
                    extra={"service": route.service, "status": status, "route": route.path})
        detail = "the service refused the gateway's identity" if status in (401, 403) else "the service failed"
        raise Problem(502, f"{route.service}: {detail} ({status})", rule="upstream_failed")
    response = Response(upstream.content, status_code=status, media_type=upstream.headers.get("content-type"))
    if "retry-after" in upstream.headers:
        response.headers["Retry-After"] = upstream.headers["retry-after"]
    if route.query is not None and issubclass(route.query, Page) and status == 200:
        _link_next_page(response, upstream, request, query)
    return response


def _link_next_page(response: Response, upstream: UpstreamResponse, request: Request, query: dict[str, Any]) -> None:
    """A full page probably has a next one: name it in a Link header (RFC 8288)."""
    try:
        count = len(json.loads(upstream.content))
    except (ValueError, TypeError):
        return
    limit, offset = query.get("limit", 100), query.get("offset", 0)
    if count >= limit:
        next_query = urlencode({**dict(request.query_params), "limit": limit, "offset": offset + limit}, doseq=True)
        response.headers["Link"] = f'<{request.url.path}?{next_query}>; rel="next"'
