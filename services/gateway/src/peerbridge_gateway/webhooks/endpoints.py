"""Which funder endpoints the gateway may post to: https only, no credentials in the URL, and a
host that resolves only to public addresses (never loopback, private, link-local or reserved ones,
so a subscription cannot make the gateway call into the cluster). Checked when a subscription is
made and again before every delivery (a name may be re-pointed after it was checked)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def endpoint_problem(url: str, *, allow_http_localhost: bool) -> tuple[str, str] | None:
    """None if the gateway may post to ``url``, else (rule, detail)."""
    parts = urlsplit(url)
    local = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS and allow_http_localhost
    if not (parts.scheme == "https" or local) or not parts.hostname:
        return "https", "the endpoint must be an https:// URL"
    if parts.username or parts.password:
        return "no_credentials", "credentials do not belong in the URL"
    if local:
        return None
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except (socket.gaierror, UnicodeError):
        return "resolvable", f"{parts.hostname} does not resolve"
    internal = sorted(a for a in addresses if not ipaddress.ip_address(a.split("%")[0]).is_global)
    if internal:
        return "public_address", f"{parts.hostname} resolves to a non-public address ({internal[0]})"
    return None
