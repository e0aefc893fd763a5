"""The gateway's calls to the services, at the wire: what reaches a service exactly as sent, and how
a connection that breaks is answered."""

from __future__ import annotations

import asyncio
import socket
import threading
from urllib.parse import parse_qs

import pytest
from fastapi import FastAPI, Request

from peerbridge_gateway.upstream import Upstreams, query_string
from peerbridge_shared.identity import Identity, Role
from peerbridge_shared.web import Problem

CALLER = Identity("org-upstream", "user-1", frozenset({Role.PROGRAM_ADMIN}))


def call(upstreams: Upstreams, *args, **kwargs):
    async def once():
        try:
            return await upstreams.call(*args, identity=CALLER, **kwargs)
        finally:
            await upstreams.aclose()
    return asyncio.run(once())


def test_query_values_are_sent_as_the_services_read_them():
    assert query_string(None) == ""
    sent = query_string({"program_id": ["p-1", "p 2"], "active": True, "closed": False, "since": None,
                         "q": "é&x=1#"})
    assert parse_qs(sent[1:], keep_blank_values=True) == {
        "program_id": ["p-1", "p 2"], "active": ["true"], "closed": ["false"], "since": [""], "q": ["é&x=1#"]}
    # a caller's invalid UTF-8 arrives decoded with U+FFFD (never a lone surrogate) and is sent as UTF-8
    assert query_string({"q": "a\ufffd"}) == "?q=a%EF%BF%BD"


def test_an_already_quoted_path_reaches_the_service_unchanged(run_server, gateway_settings):
    """proxy.py quotes each path value itself; quoting it again (or decoding %2F) would make another id."""
    service = FastAPI()

    @service.api_route("/{rest:path}", methods=["GET", "POST"])
    async def echo(request: Request) -> dict:
        return {"raw_path": request.scope["raw_path"].decode(), "query": request.scope["query_string"].decode(),
                "body": (await request.body()).decode(), "authorized": request.headers["authorization"][:7]}

    upstreams = Upstreams(gateway_settings.model_copy(update={"scheduling_url": run_server(service)}))
    answer = call(upstreams, "scheduling", "POST", "/participants/a%2Fb%C3%A9%25", params={"limit": 5},
                  content=b'{"x": 1}', headers={"Content-Type": "application/json"})
    assert answer.status_code == 200 and answer.is_success
    assert answer.headers["CONTENT-TYPE"] == "application/json"  # headers read without regard to case
    assert answer.json() == {"raw_path": "/participants/a%2Fb%C3%A9%25", "query": "limit=5", "body": '{"x": 1}',
                             "authorized": "Bearer "}


def closing_server() -> tuple[str, list[int], threading.Event]:
    """Accepts each connection, reads the request and closes without a word."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted, stop = [], threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            accepted.append(1)
            connection.recv(65536)
            connection.close()
        listener.close()

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}", accepted, stop


@pytest.mark.parametrize(("method", "sent"), [("GET", range(3, 7)), ("POST", range(1, 2))])
def test_a_connection_closed_before_the_answer_is_a_502_retried_only_when_safe(gateway_settings, method, sent):
    """Two retries: a GET is sent 3 times, or up to 6 (aiohttp sends an idempotent request once more on
    a fresh connection when one is closed under it, RFC 9112 9.3.1.1); a POST once."""
    url, accepted, stop = closing_server()
    upstreams = Upstreams(gateway_settings.model_copy(update={"scheduling_url": url, "upstream_retries": 2}))
    try:
        with pytest.raises(Problem) as failed:
            call(upstreams, "scheduling", method, "/programs", content=b"{}" if method == "POST" else None)
    finally:
        stop.set()
    assert failed.value.status == 502 and failed.value.rule == "upstream_failed"
    assert len(accepted) in sent  # a POST the service may have acted on is never sent twice
