"""Rate limits in Redis, per client address and per user (the token's organization and subject):
fixed windows shared by every gateway replica. Over the limit: 429 with Retry-After. When Redis
cannot be reached the request is let through (and counted): availability of care beats metering."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from prometheus_client import Counter
from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import RedisError
from starlette.requests import HTTPConnection

from peerbridge_shared.web import Problem

from .settings import GatewaySettings

log = logging.getLogger(__name__)
LIMITED = Counter("peerbridge_gateway_rate_limited", "Requests refused by a rate limit", ["kind"])
UNMETERED = Counter("peerbridge_gateway_rate_limit_unavailable", "Requests let through because Redis failed")


class RateLimiter:
    def __init__(self, redis: AsyncRedis, settings: GatewaySettings) -> None:
        self.redis, self.settings = redis, settings

    async def check(self, *counters: tuple[str, str, int]) -> None:
        """Count one request against each ``(kind, subject, limit)`` (one Redis round trip); a 429
        problem when any window's limit is passed."""
        window = self.settings.rate_limit_window_s
        now = time.time()
        index = int(now // window)
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for kind, subject, _ in counters:
                    key = f"{self.settings.redis_prefix}rl:{kind}:{subject}:{index}"
                    pipe.incr(key)
                    pipe.expire(key, window + 1, nx=True)
                results = await pipe.execute()
        except RedisError as exc:
            UNMETERED.inc()
            log.warning("rate limit not checked", extra={"error": type(exc).__name__})
            return
        for (kind, _, limit), count in zip(counters, results[::2], strict=True):
            if count > limit:
                LIMITED.labels(kind).inc()
                retry_after = max(1, math.ceil((index + 1) * window - now))
                raise Problem(429, f"more than {limit} requests in {window} s from this {kind}; retry in "
                                   f"{retry_after} s", rule=f"rate_limit_{kind}",
                              headers={"Retry-After": str(retry_after)})


def client_address(connection: HTTPConnection, trusted_proxies: Sequence[IPv4Network | IPv6Network]) -> str:
    """The caller's address: the peer's own, unless the peer is a trusted proxy; then the right-most
    X-Forwarded-For entry that is not a trusted proxy itself (entries further left are the client's
    own claims and are never believed)."""
    peer = connection.client.host if connection.client else "unknown"
    if not trusted_proxies or not _trusted(peer, trusted_proxies):
        return peer
    forwarded = [part.strip() for part in connection.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    for hop in reversed(forwarded):
        if not _trusted(hop, trusted_proxies):
            return hop if _address(hop) is not None else peer
    return forwarded[0] if forwarded else peer


def _address(value: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(value)
    except ValueError:
        return None


def _trusted(value: str, networks: Sequence[IPv4Network | IPv6Network]) -> bool:
    address = _address(value)
    return address is not None and any(address in network for network in networks)
