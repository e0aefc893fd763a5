"""The public-address rule both the gateway's funder webhooks and escalation's pager webhooks use, and
the pinned request that goes to the very address that was checked (DNS rebinding)."""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest

from peerbridge_shared.endpoints import Endpoint, EndpointRefused, endpoint_problem, post_pinned, resolve_public


@pytest.mark.parametrize("url, rule", [
    ("http://funder.example.org/hook", "https"), ("https://user:pw@example.org/x", "no_credentials"),
    ("https://127.0.0.1/x", "public_address"), ("https://169.254.169.254/latest", "public_address"),
    ("https://[::ffff:10.0.0.1]/x", "public_address"), ("https://[fd00::1]/x", "public_address"),
    ("https://0.0.0.0/x", "public_address"), ("https://no-such-host.invalid/x", "resolvable"),
    ("https://example.org:0x50/x", "url"), ("https://[::1/x", "url"), ("https://exa mple.org/x", "url"),
    ("http://127.0.0.1:8002/", "https"),
])
def test_internal_or_malformed_endpoints_are_refused_naming_the_rule(url, rule):
    assert endpoint_problem(url, allow_http_localhost=False)[0] == rule


def test_a_public_address_literal_is_accepted_and_pinned():
    endpoint = resolve_public("https://93.184.215.14:8443/hook?x=1", allow_http_localhost=False)
    assert endpoint.address == "93.184.215.14"
    assert endpoint.pinned_url() == "https://93.184.215.14:8443/hook?x=1"


def test_localhost_over_http_only_when_allowed():
    assert endpoint_problem("http://127.0.0.1:9/x", allow_http_localhost=True) is None
    with pytest.raises(EndpointRefused):
        resolve_public("http://127.0.0.1:9/x", allow_http_localhost=False)


def test_the_request_goes_to_the_checked_address_whatever_the_name_resolves_to_now():
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            seen.append((self.headers["Host"], self.path, self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    # a name that does not resolve at all: only the pinned address can be reached
    endpoint = Endpoint(f"http://pager.invalid:{port}/hook", "pager.invalid", "127.0.0.1")
    with httpx.Client() as client:
        assert post_pinned(client, endpoint, content=b"{}", headers={}).status_code == 204
    server.shutdown()
    assert seen == [(f"pager.invalid:{port}", "/hook", b"{}")]
