"""Which URLs a PeerBridge process may post to on a caller's behalf (funder webhooks, clinician
pagers): https only, no credentials in the URL, and a host that resolves only to public addresses
(never loopback, private, link-local or reserved ones, so a caller cannot make a service call into
the cluster or a cloud metadata address). ``allow_http_localhost`` (dev and tests) admits
``http://127.0.0.1``/``localhost``.

Checked when the URL is given and again before every request; :func:`post_pinned` then connects to
the very address that was checked (the Host header and TLS name stay the URL's), so a name re-pointed
between the check and the connection (DNS rebinding) cannot redirect the request."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class EndpointRefused(ValueError):
    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.rule, self.detail = rule, detail


@dataclass(frozen=True)
class Endpoint:
    url: str
    host: str
    address: str  # the resolved, checked IP address to connect to

    def pinned_url(self) -> str:
        parts = urlsplit(self.url)
        address = f"[{self.address}]" if ":" in self.address else self.address
        netloc = f"{address}:{parts.port}" if parts.port else address
        return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))

    def host_header(self) -> str:
        port = urlsplit(self.url).port
        return f"{self.host}:{port}" if port else self.host


def _syntax(url: str, allow_http_localhost: bool) -> tuple[Any, bool]:
    try:
        parts = urlsplit(url)
        hostname, _port = parts.hostname, parts.port  # .port raises on a non-numeric or out-of-range port
    except ValueError:
        raise EndpointRefused("url", "the endpoint is not a valid URL") from None
    local = parts.scheme == "http" and hostname in LOCAL_HOSTS and allow_http_localhost
    if not (parts.scheme == "https" or local) or not hostname:
        raise EndpointRefused("https", "the endpoint must be an https:// URL")
    if parts.username or parts.password:
        raise EndpointRefused("no_credentials", "credentials do not belong in the URL")
    if any(ord(c) < 33 or c in "\\\x7f" for c in url):
        raise EndpointRefused("url", "the endpoint contains spaces or control characters")
    return parts, local


def check_syntax(url: str, *, allow_http_localhost: bool = True) -> str:
    """The checks that need no DNS (for request schemas); returns ``url``."""
    _syntax(url, allow_http_localhost)
    return url


def resolve_public(url: str, *, allow_http_localhost: bool) -> Endpoint:
    """The endpoint with the address to connect to, or :class:`EndpointRefused` naming the rule."""
    parts, local = _syntax(url, allow_http_localhost)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise EndpointRefused("resolvable", f"{parts.hostname} does not resolve") from None
    addresses = sorted({info[4][0].split("%")[0] for info in infos})
    if not addresses:
        raise EndpointRefused("resolvable", f"{parts.hostname} does not resolve")
    if not local:
        internal = [a for a in addresses if not ipaddress.ip_address(a).is_global]
        if internal:
            raise EndpointRefused("public_address",
                                  f"{parts.hostname} resolves to a non-public address ({internal[0]})")
    return Endpoint(url, parts.hostname, addresses[0])


def endpoint_problem(url: str, *, allow_http_localhost: bool) -> tuple[str, str] | None:
    """None if a process may post to ``url``, else (rule, detail)."""
    try:
        resolve_public(url, allow_http_localhost=allow_http_localhost)
    except EndpointRefused as refused:
        return refused.rule, refused.detail
    return None


def post_pinned(client: httpx.Client, endpoint: Endpoint, *, content: bytes | str,
                headers: dict[str, str]) -> httpx.Response:
    """POST to the checked address: Host header and TLS server name are the URL's own host."""
    extensions = {"sni_hostname": endpoint.host} if urlsplit(endpoint.url).scheme == "https" else {}
    return client.post(endpoint.pinned_url(), content=content, extensions=extensions,
                       headers={**headers, "Host": endpoint.host_header()})
