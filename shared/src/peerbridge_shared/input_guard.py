"""Text every service refuses before any route sees it (pure ASGI, in ``create_service_app``): a NUL
or other control character in the path or the query, and anywhere in a JSON body a string that is
not valid Unicode (a lone surrogate such as ``"\\ud800"``) or carries NUL or a control character
other than tab and line breaks. PostgreSQL cannot store them and UTF-8 cannot encode them, so they
would otherwise surface as 500s deep inside a handler. Answered 422 problem+json naming where
(``path``, ``query.<name>``, ``body.<path>``) and the rule (``unicode``); on a FHIR route, the same
as an OperationOutcome."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .fhir_outcome import FHIR_JSON, PROBLEM_JSON, is_fhir_route, operation_outcome
from .validation import unicode_problem


def first_bad_text(value: Any, where: str, *, multiline: bool = True) -> tuple[str, str] | None:
    """(where, why) of the first string in ``value`` (keys included) that is not acceptable text."""
    if isinstance(value, str):
        problem = unicode_problem(value, multiline=multiline)
        return (where, problem) if problem else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = first_bad_text(key, f"{where}.{key!r}", multiline=False) or first_bad_text(item, f"{where}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = first_bad_text(item, f"{where}.{index}")
            if found:
                return found
    return None


def _query_problem(query_string: bytes) -> tuple[str, str] | None:
    try:
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="utf-8",
                          errors="surrogateescape")
    except ValueError:
        return "query", "the query string cannot be parsed"
    for name, value in pairs:
        found = (first_bad_text(value, f"query.{name}", multiline=False)
                 or first_bad_text(name, "query", multiline=False))
        if found:
            return found
    return None


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            media = value.split(b";")[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return False


class InputGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        found = first_bad_text(scope.get("path", ""), "path", multiline=False) or _query_problem(
            scope.get("query_string", b""))
        if found is None and scope["type"] == "http" and _is_json(scope):
            body, receive = await _buffered(receive)
            try:
                found = first_bad_text(json.loads(body), "body") if body else None
            except (ValueError, RecursionError):
                found = None  # not JSON: the route's own validation answers for it
        if found is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":  # accepted, then closed: the client sees why (1007: bad data)
            await receive()
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": 1007, "reason": f"{found[0]}: {found[1]}"[:120]})
        else:
            await _refuse(send, scope.get("path", ""), *found)


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return b"", _replay([message])
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    return body, _replay([{"type": "http.request", "body": body, "more_body": False}])


def _replay(messages: list[Message]) -> Receive:
    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        return {"type": "http.disconnect"}

    return receive


async def _refuse(send: Send, path: str, where: str, why: str) -> None:
    problem = {"type": "about:blank", "title": "Invalid request", "status": 422, "detail": f"{where}: {why}",
               "errors": [{"field": where, "rule": "unicode", "message": why}]}
    media_type = PROBLEM_JSON
    if is_fhir_route(path):
        problem, media_type = operation_outcome(422, problem), FHIR_JSON
    body = json.dumps(problem).encode()
    await send({"type": "http.response.start", "status": 422,
                "headers": [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
