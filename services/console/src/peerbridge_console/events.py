"""``GET /events``: the gateway's real-time case stream (SSE at /v1/events) relayed to the browser
under the console session; the token stays here. Resumable: the browser's Last-Event-ID goes on
to the gateway. The stream ends when the session does (checked at every keep-alive), and it never
counts as use of the session (idle logoff still happens with a page left open)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from .web import current_session

router = APIRouter()


@router.get("/events")
async def events(request: Request) -> StreamingResponse:
    session = await current_session(request)
    console = request.app.state.console
    headers = {"Authorization": f"Bearer {session.access_token}", "Accept": "text/event-stream"}
    if last := request.headers.get("last-event-id"):
        headers["Last-Event-ID"] = last

    async def relay() -> AsyncIterator[str]:
        try:
            async with console.gateway.http.stream("GET", "/events", headers=headers,
                                                   timeout=httpx.Timeout(10, read=None)) as upstream:
                if upstream.status_code != 200:
                    yield f"event: unavailable\ndata: {json.dumps({'status': upstream.status_code})}\n\n"
                    return
                buffer = ""
                async for chunk in upstream.aiter_text():
                    buffer += chunk.replace("\r\n", "\n")
                    while "\n\n" in buffer:
                        block, buffer = buffer.split("\n\n", 1)
                        if block.startswith(":"):  # keep-alive: is anyone still there, still signed in?
                            if await request.is_disconnected():
                                return
                            if await console.sessions.load(session.id, touch=False) is None:
                                yield "event: signed-out\ndata: {}\n\n"
                                return
                        yield block + "\n\n"
        except httpx.HTTPError:
            yield "event: unavailable\ndata: {}\n\n"

    return StreamingResponse(relay(), media_type="text/event-stream",
                             headers={"X-Accel-Buffering": "no", "Cache-Control": "no-store"})

