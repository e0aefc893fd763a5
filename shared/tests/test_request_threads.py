"""An HTTP process works on ``request_threads`` requests at once, each on a kept database
connection: a burst of more requests queues for a thread instead of opening connections."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
from sqlalchemy import event, text

from peerbridge_shared.db import Database
from peerbridge_shared.settings import ServiceSettings
from peerbridge_shared.testing.servers import serve_in_thread
from peerbridge_shared.web import create_service_app

THREADS = 3


def busy_app(database: Database):
    app = create_service_app("test", settings=ServiceSettings(request_threads=THREADS))
    app.state.at_once = app.state.most_at_once = 0
    lock = threading.Lock()

    @app.get("/slow")
    def slow() -> dict:
        with lock:
            app.state.at_once += 1
            app.state.most_at_once = max(app.state.most_at_once, app.state.at_once)
        try:
            with database.transaction() as session:
                session.execute(text("SELECT pg_sleep(0.1)"))
        finally:
            with lock:
                app.state.at_once -= 1
        return {"ok": True}

    return app


async def burst(url: str, requests: int) -> list[int]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        responses = await asyncio.gather(*(client.get("/slow") for _ in range(requests)))
    return [response.status_code for response in responses]


def test_a_burst_is_served_request_threads_at_a_time_on_kept_connections(database):
    requests_db = Database.for_requests(database.url, THREADS)
    opened = []
    event.listen(requests_db.engine, "connect", lambda *_: opened.append(time.monotonic()))
    app = busy_app(requests_db)
    try:
        with serve_in_thread(app) as url:
            statuses = asyncio.run(burst(url, 4 * THREADS))
    finally:
        requests_db.dispose()
    assert statuses == [200] * (4 * THREADS)
    assert app.state.most_at_once == THREADS, "never more than the thread pool at once"
    assert len(opened) <= THREADS, f"{len(opened)} connections opened for {THREADS} threads"
