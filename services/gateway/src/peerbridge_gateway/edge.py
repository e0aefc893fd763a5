"""What every HTTP request passes through first: a request id and the security headers (pure ASGI,
so streamed responses such as SSE are not buffered). The body size limit is FastAPI's own
(``max_body_size``) for streamed bodies; a declared Content-Length over it is answered here, as a
413 problem like every other error."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from peerbridge_shared.web import PROBLEM_JSON

REQUEST_ID = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"strict-transport-security", b"max-age=63072000; includeSubDomains"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
DOC_PATHS = ("/docs", "/redoc")  # the interactive docs load scripts; the API itself needs none


def request_id_of(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID.encode():
            candidate = value.decode("latin-1")
            if _VALID_REQUEST_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


class EdgeMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app, self.max_body_bytes = app, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        if (_content_length(scope) or 0) > self.max_body_bytes:
            await self._too_large(send, request_id)
            return

        async def decorated_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self._headers(scope, message.get("headers", []), request_id)
            await send(message)

        await self.app(scope, receive, decorated_send)

    def _headers(self, scope: Scope, headers: list[Any], request_id: str) -> list[Any]:
        present = {name.lower() for name, _ in headers}
        extra = [(b"x-request-id", request_id.encode())] + [h for h in SECURITY_HEADERS if h[0] not in present]
        if not scope["path"].startswith(DOC_PATHS):
            extra.append(API_CSP)
        if b"cache-control" not in present:
            extra.append((b"cache-control", b"no-store"))  # responses may carry PHI
        return list(headers) + extra

    async def _too_large(self, send: Send, request_id: str) -> None:
        body = json.dumps({"type": "about:blank", "title": "Content Too Large", "status": 413,
                           "detail": f"the request body is larger than {self.max_body_bytes} bytes",
                           "errors": [{"field": "body", "rule": "max_size", "message": "body too large"}]}).encode()
        headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode()),
                   (b"x-request-id", request_id.encode()), *SECURITY_HEADERS, API_CSP]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
