"""The program's paging integration: a webhook receiver the clinicians' pages go to. It echoes the
platform's signed verification challenge (that is how a webhook contact becomes verified) and
counts the pages it receives. Listens on 127.0.0.1: the escalation service must allow http
localhost webhooks (``ESCALATION_WEBHOOK_ALLOW_HTTP_LOCALHOST``, dev and tests only)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Pager:
    def __init__(self) -> None:
        self.pages: Counter[str] = Counter()  # clinician id -> pages received
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server hook
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    body = {}
                answer = b""
                if isinstance(body, dict) and body.get("type") == "contact.verification":
                    answer = json.dumps({"challenge": body.get("challenge")}).encode()
                else:
                    pages[self.path.rsplit("/", 1)[-1]] += 1
                self.send_response(200 if answer else 204)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="pager", daemon=True)
        self._thread.start()

    def address(self, clinician_id: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/pages/{clinician_id}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
