"""End-to-end fixtures: one private platform (every process, real command lines) for the e2e tests,
a local SMTP server the escalation delivery worker pages into, and an HTTP receiver for funder
webhooks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .platform import Inbox, Platform, private_platform, smtp_inbox


@pytest.fixture(scope="package")
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_inbox() as running:
        yield running


@pytest.fixture(scope="package")
def platform(migrated_database, kafka_settings, kafka_admin, smtp, tmp_path_factory) -> Iterator[Platform]:
    with private_platform(migrated_database, kafka_settings, tmp_path_factory.mktemp("platform"),
                          smtp_port=smtp[1]) as running_platform:
        yield running_platform


class Receiver:
    """A funder's webhook endpoint: every POST it got, as (headers, body)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args) -> None:  # noqa: ANN002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/peerbridge"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiving = Receiver()
    yield receiving
    receiving.server.shutdown()
