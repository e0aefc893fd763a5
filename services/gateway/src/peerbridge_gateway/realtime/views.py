"""``WS /v1/events/ws`` and its fallback ``GET /v1/events`` (Server-Sent Events): case events for
the clinicians, supervisors and program admins who may see them, resumable by last event id."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse
from redis.exceptions import RedisError
from starlette.datastructures import Headers, QueryParams

from peerbridge_shared.identity import Identity
from peerbridge_shared.web import Problem, problem_responses

from ..access import CLINICAL, Access, Scope, scope_of
from ..callers import identify
from .docs import SSE_RESPONSES, STREAM_ACCESS_TOKEN, STREAM_LAST_EVENT_ID
from .feed import Item, feed

EVENTS_ACCESS: Access = CLINICAL
router = APIRouter(prefix="/v1", tags=["events"])


def _token(headers: Headers, query: QueryParams) -> str | None:
    """Browsers cannot set headers on WebSocket or EventSource requests: ``access_token`` may stand in."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else query.get("access_token")


async def _authorize(connection: Request | WebSocket) -> tuple[Identity, Scope]:
    identity = await identify(connection, _token(connection.headers, connection.query_params))  # type: ignore[arg-type]
    scope = scope_of(identity, EVENTS_ACCESS)
    if scope is None:
        raise Problem(403, "case events are open to clinicians, supervisors and program admins", rule="role")
    return identity, scope


def _items(connection: Request | WebSocket, identity: Identity, scope: Scope, last_event_id: str | None
           ) -> AsyncIterator[Item]:
    gateway = connection.app.state.gateway
    return feed(caller=identity, scope=scope, last_event_id=last_event_id, log=gateway.events,
                redis=gateway.redis, hub=gateway.hub, heartbeat_s=gateway.settings.events_heartbeat_s)


UNAVAILABLE = "real-time push is unavailable (its store cannot be reached); reconnect with your last event id"


@router.websocket("/events/ws")
async def events_socket(websocket: WebSocket) -> None:
    """Messages: ``{"kind": "event", "id", "name", "event"}``, ``{"kind": "reset"}``, ``{"kind": "heartbeat"}``,
    and ``{"kind": "unavailable"}`` before a close with code 1013 when Redis cannot be reached.
    Reconnect with ``?last_event_id=<id>`` to receive what was missed."""
    try:
        identity, scope = await _authorize(websocket)
    except Problem as refused:
        # accepted first: a close before the handshake completes reaches the client as a bare HTTP 403,
        # and it could not tell a missing token (4401) from a role without access (4403) or a limit (4429)
        await websocket.accept()
        await websocket.close(code=4000 + refused.status, reason=refused.detail[:120])
        return
    await websocket.accept()
    items = _items(websocket, identity, scope, websocket.query_params.get("last_event_id"))
    try:
        async for item in items:
            await websocket.send_text(json.dumps({"kind": item.kind, "id": item.id, "name": item.name,
                                                  "event": item.event}))
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client went away; it resumes from its last id
    except RedisError:
        await websocket.send_text(json.dumps({"kind": "unavailable", "detail": UNAVAILABLE}))
        await websocket.close(code=1013, reason="real-time push unavailable")  # 1013: try again later
    finally:
        await items.aclose()


@router.get("/events", summary="Case events as they happen (Server-Sent Events)", response_class=StreamingResponse,
            responses={**SSE_RESPONSES, **problem_responses(401, 403, 429)}, operation_id="get_events",
            openapi_extra={"security": [{"HTTPBearer": []}]})
async def events_stream(request: Request,
                        last_event_id: Annotated[str | None, Query(description=STREAM_LAST_EVENT_ID)] = None,
                        last_event_id_header: Annotated[str | None, Header(
                            alias="Last-Event-ID", description="Set by EventSource on reconnect: the "
                                                              "last id received (wins over the query)")] = None,
                        access_token: Annotated[str | None, Query(description=STREAM_ACCESS_TOKEN)] = None,
                        ) -> StreamingResponse:
    """Server-Sent Events: `id:` is the resume point (`Last-Event-ID` on reconnect), `event:` the case
    event name (`case.opened`...), `data:` the event as JSON. Open to clinicians, supervisors and
    program admins (their programs' cases); the same events as `WS /v1/events/ws`."""
    identity, scope = await _authorize(request)
    last_event_id = last_event_id_header or last_event_id

    async def lines() -> AsyncIterator[str]:
        yield "retry: 2000\n\n"
        items = _items(request, identity, scope, last_event_id)
        try:
            async for item in items:
                if item.kind == "heartbeat":
                    if await request.is_disconnected():
                        return
                    yield ": keep-alive\n\n"
                elif item.kind == "reset":
                    yield f"event: reset\ndata: {json.dumps({'last_event_id': item.id})}\n\n"
                else:
                    yield f"id: {item.id}\nevent: {item.name}\ndata: {json.dumps(item.event)}\n\n"
        except RedisError:
            yield f"event: unavailable\ndata: {json.dumps({'detail': UNAVAILABLE})}\n\n"
        finally:
            await items.aclose()

    return StreamingResponse(lines(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"})
