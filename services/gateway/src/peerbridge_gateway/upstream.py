"""Calls to the services: a fresh short-lived internal identity token on every call, a timeout per
attempt, and bounded retries with backoff only where a retry cannot do a thing twice."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from typing import Any

import httpx
from opentelemetry import propagate
from prometheus_client import Counter, Histogram

from peerbridge_shared.identity import Identity, issue_internal_token
from peerbridge_shared.web import Problem

from .settings import GatewaySettings

log = logging.getLogger(__name__)

UPSTREAM_SECONDS = Histogram("peerbridge_gateway_upstream_seconds", "Time of one upstream attempt",
                             ["service", "method"])
UPSTREAM_RETRIES = Counter("peerbridge_gateway_upstream_retries", "Upstream attempts retried", ["service", "reason"])

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})  # idempotent by HTTP semantics
RETRY_STATUSES = frozenset({502, 503, 504})


class Upstreams:
    def __init__(self, settings: GatewaySettings, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.base_urls = {"scheduling": settings.scheduling_url, "escalation": settings.escalation_url,
                          "metrics": settings.metrics_url}
        timeout = httpx.Timeout(settings.upstream_timeout_s, connect=settings.upstream_connect_timeout_s)
        self.client = client or httpx.AsyncClient(timeout=timeout, limits=httpx.Limits(max_connections=200,
                                                                                       max_keepalive_connections=50))
        self._secret = settings.internal_token_secret.get_secret_value()

    async def call(self, service: str, method: str, path: str, *, identity: Identity,
                   params: Mapping[str, Any] | None = None, content: bytes | None = None,
                   headers: Mapping[str, str] | None = None) -> httpx.Response:
        """The service's answer (any status), or a 502/503/504 problem when it cannot be had."""
        url = self.base_urls[service] + path
        safe = method in SAFE_METHODS
        attempts = 1 + self.settings.upstream_retries
        for attempt in range(1, attempts + 1):
            try:
                response = await self._attempt(service, method, url, identity, params, content, headers)
            except (httpx.ConnectError, httpx.ConnectTimeout):
                # nothing reached the service: a retry is safe whatever the method
                failure, retry = Problem(503, f"the {service} service is unavailable",
                                         rule="upstream_unavailable"), True
            except httpx.TimeoutException:
                failure, retry = Problem(504, f"the {service} service did not answer in time",
                                         rule="upstream_timeout"), safe
            except httpx.TransportError:
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

    async def _attempt(self, service: str, method: str, url: str, identity: Identity,
                       params: Mapping[str, Any] | None, content: bytes | None,
                       headers: Mapping[str, str] | None) -> httpx.Response:
        token = issue_internal_token(identity, self._secret, ttl_s=self.settings.internal_token_ttl_s)
        outgoing = {**(headers or {}), "Authorization": f"Bearer {token}"}
        propagate.inject(outgoing)
        with UPSTREAM_SECONDS.labels(service, method).time():
            return await self.client.request(method, url, params=params, content=content, headers=outgoing)

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
        await self.client.aclose()
