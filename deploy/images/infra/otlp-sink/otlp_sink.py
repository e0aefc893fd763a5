"""Answers 200 to every OTLP/HTTP export on 4318 (arguments, such as the collector's --config, are ignored)."""

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Sink(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args) -> None:  # noqa: ANN002
        pass


ThreadingHTTPServer(("0.0.0.0", 4318), Sink).serve_forever()
