"""Calls to the services: a fresh short-lived internal identity token on every call, a timeout per
attempt, and bounded retries with backoff only where a retry cannot do a thing twice.

The services are called with aiohttp over pooled keep-alive connections: the gateway's CPU per
proxied read is half what it was with httpx (bench/gateway_reads.py, docs/benchmarks.md). httpx
stays for the few calls to identity providers (discovery, signing keys: ``provider_client``)."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
import httpx
from multidict import CIMultiDictProxy
from opentelemetry import propagate
from prometheus_client import Counter, Histogram
from yarl import URL

from peerbridge_shared.identity import Identity, issue_internal_token
from peerbridge_shared.web import Problem

from .settings import GatewaySettings

log = logging.getLogger(__name__)

UPSTREAM_SECONDS = Histogram("peerbridge_gateway_upstream_seconds", "Time of one upstream attempt",
                             ["service", "method"])
UPSTREAM_RETRIES = Counter("peerbridge_gateway_upstream_retries", "Upstream attempts retried", ["service", "reason"])

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})  # idempotent by HTTP semantics
RETRY_STATUSES = frozenset({502, 503, 504})


@dataclass(frozen=True)
class UpstreamResponse:
    """A service's answer, read whole (the gateway relays bodies, never streams them)."""

    status_code: int
    headers: CIMultiDictProxy[str]
    content: bytes

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def json(self) -> Any:
        return json.loads(self.content)


def query_string(params: Mapping[str, Any] | None) -> str:
    """``params`` as a query string: a list is the parameter repeated, booleans are true/false, None
    is empty (as the services' FastAPI reads them)."""
    if not params:
        return ""
    pairs = [(name, item) for name, value in params.items()
             for item in (value if isinstance(value, list | tuple) else [value])]
    text = [(name, "" if item is None else str(item).lower() if isinstance(item, bool) else str(item))
            for name, item in pairs]
    return "?" + urlencode(text, quote_via=quote)


class Upstreams:
    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.base_urls = {"scheduling": settings.scheduling_url, "escalation": settings.escalation_url,
                          "metrics": settings.metrics_url}
        self.provider_client = httpx.AsyncClient(timeout=httpx.Timeout(settings.upstream_timeout_s,
                                                                       connect=settings.upstream_connect_timeout_s))
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=settings.upstream_connect_timeout_s,
                                              sock_read=settings.upstream_timeout_s)
        self._session: aiohttp.ClientSession | None = None  # made in the event loop that serves requests
        self._secret = settings.internal_token_secret.get_secret_value()

    def _services(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200), timeout=self._timeout)
        return self._session

    async def call(self, service: str, method: str, path: str, *, identity: Identity,
                   params: Mapping[str, Any] | None = None, content: bytes | None = None,
                   headers: Mapping[str, str] | None = None) -> UpstreamResponse:
        """The service's answer (any status), or a 502/503/504 problem when it cannot be had."""
        url = self.base_urls[service] + path + query_string(params)
        safe = method in SAFE_METHODS
        attempts = 1 + self.settings.upstream_retries
        for attempt in range(1, attempts + 1):
            try:
                response = await self._attempt(service, method, url, identity, content, headers)
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError):
                # nothing reached the service: a retry is safe whatever the method
                failure, retry = Problem(503, f"the {service} service is unavailable",
                                         rule="upstream_unavailable"), True
            except TimeoutError:  # aiohttp's read timeout is one
                failure, retry = Problem(504, f"the {service} service did not answer in time",
                                         rule="upstream_timeout"), safe
            except aiohttp.ClientError:
                failure, retry = Problem(502, f"the {service} service failed", rule="upstream_failed"), safe
            else:
                if not (safe and response.status_code in RETRY_STATUSES and attempt < attempts):
                    return response
                failure, retry = None, True
            if not retry or attempt == attempts:
                raise failure  # type: ignore[misc] - set on every path that gets here
            UPSTREAM_RETRIES.labels(service, failure.rule if failure else "status").inc()
            await asyncio.sleep(self._backoff(attempt))
        raise AssertionError("unreachable")

    async def _attempt(self, service: str, method: str, url: str, identity: Identity, content: bytes | None,
                       headers: Mapping[str, str] | None) -> UpstreamResponse:
        token = issue_internal_token(identity, self._secret, ttl_s=self.settings.internal_token_ttl_s)
        outgoing = {**(headers or {}), "Authorization": f"Bearer {token}"}
        propagate.inject(outgoing)
        with UPSTREAM_SECONDS.labels(service, method).time():
            # the path's values are quoted already (proxy.py): sent as they are, never re-quoted
            async with self._services().request(method, URL(url, encoded=True), data=content,
                                                headers=outgoing) as answer:
                return UpstreamResponse(answer.status, answer.headers, await answer.read())

    def _backoff(self, attempt: int) -> float:
        base = self.settings.upstream_retry_backoff_s * 2 ** (attempt - 1)
        return base * (0.5 + random.random())  # noqa: S311 - jitter, not security

    async def json(self, service: str, path: str, *, identity: Identity,
                   params: Mapping[str, Any] | None = None) -> Any:
        """GET a JSON document the gateway itself needs (ownership lookups); None when not found."""
        response = await self.call(service, "GET", path, identity=identity, params=params)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            log.warning("lookup failed", extra={"service": service, "status": response.status_code})
            raise Problem(502, f"the {service} service answered {response.status_code}", rule="upstream_failed")
        return response.json()

    async def aclose(self) -> None:
        await self.provider_client.aclose()
        if self._session is not None:
            await self._session.close()
