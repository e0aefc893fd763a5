"""How the public OpenAPI document describes the real-time streams (docs/asyncapi.json describes
them too, as channels): the SSE route's answer, and the WebSocket upgrade, which OpenAPI has no
operation kind for, as the HTTP GET it starts with."""

from __future__ import annotations

from typing import Any

STREAM_LAST_EVENT_ID = "Resume after this event id: what was missed is sent first, in order"
STREAM_ACCESS_TOKEN = ("The bearer token, for browsers that cannot set headers on EventSource or WebSocket "
                       "requests (prefer the Authorization header)")
SSE_EXAMPLE = ("retry: 2000\n\nid: 1733112000000-0\nevent: case.opened\n"
               'data: {"type": "org.peerbridge.escalation.case.opened.v1", "case_id": "c-1", '
               '"program_id": "p-1", "level": "urgent"}\n\n: keep-alive\n\n')

STREAM_MESSAGE: dict[str, Any] = {
    "title": "StreamMessage", "type": "object", "required": ["kind"],
    "description": "One WebSocket text message (JSON). SSE carries the same: `event` as the frame's data, "
                   "its id as `id:`, its name as `event:`.",
    "properties": {
        "kind": {"type": "string", "enum": ["event", "reset", "heartbeat", "unavailable"],
                 "description": "event: a case event; reset: your last id is older than the stream keeps, "
                                "reload your cases; heartbeat: the connection is alive; unavailable: push "
                                "is down, the socket closes with 1013, reconnect with your last id"},
        "id": {"type": ["string", "null"], "description": "the resume point (send it as last_event_id)"},
        "name": {"type": ["string", "null"], "examples": ["case.opened", "case.acknowledged"]},
        "event": {"type": ["object", "null"], "additionalProperties": True,
                  "description": "the case event (its schema: the case events channel of docs/asyncapi.json)"},
        "detail": {"type": "string"},
    },
}

SSE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "A text/event-stream that stays open: `retry:`, then one frame per case event "
                         "(`id:`, `event:`, `data:` JSON), `: keep-alive` comments when idle, `event: reset` "
                         "when your last id is too old, `event: unavailable` if push goes down",
          "content": {"text/event-stream": {"schema": {"type": "string"}, "example": SSE_EXAMPLE}}},
}


def websocket_operation(responses: dict[str, Any]) -> dict[str, Any]:
    """``WS /v1/events/ws`` as the GET that upgrades; refusals arrive as close codes 4000 + status."""
    header = [{"name": name, "in": "header", "required": True, "schema": schema, "description": text}
              for name, schema, text in (
                  ("Upgrade", {"type": "string", "enum": ["websocket"]}, "set by the WebSocket client"),
                  ("Connection", {"type": "string", "enum": ["Upgrade"]}, "set by the WebSocket client"),
                  ("Sec-WebSocket-Version", {"type": "string", "enum": ["13"]}, "set by the WebSocket client"),
                  ("Sec-WebSocket-Key", {"type": "string"}, "set by the WebSocket client"))]
    query = [{"name": "last_event_id", "in": "query", "required": False, "schema": {"type": "string"},
              "description": STREAM_LAST_EVENT_ID},
             {"name": "access_token", "in": "query", "required": False, "schema": {"type": "string"},
              "description": STREAM_ACCESS_TOKEN}]
    return {
        "tags": ["events"], "operationId": "get_events_ws", "security": [{"HTTPBearer": []}],
        "summary": "Case events as they happen (WebSocket)",
        "description": "Open with a WebSocket client: each text message is a StreamMessage. A refused "
                       "connection is accepted, then closed with 4000 + the HTTP status (4401 no valid token, "
                       "4403 a role without access, 4429 rate limited); 1013 when push is unavailable. Open "
                       "to clinicians, supervisors and program admins (their programs' cases).",
        "parameters": header + query,
        "responses": {"101": {"description": "Switching Protocols: the socket is open; messages follow",
                              "content": {"application/json": {"schema": {
                                  "$ref": "#/components/schemas/StreamMessage"}}}},
                      **responses},
    }
