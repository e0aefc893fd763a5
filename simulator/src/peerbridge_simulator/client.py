"""The simulator's only way in: the gateway's public API, as a front-end calls it.

Every POST carries an ``Idempotency-Key`` made once per write and kept across its retries, so a
POST retried after a connection error, a timeout or a 5xx never creates a second record. A 429
(rate limit) or a 409 "still in progress" waits for ``Retry-After``. Any other 4xx is a bug in the
simulator or the platform and stops the run with the problem the gateway answered. Each write the
gateway acknowledged (2xx) is kept in the ledger.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from .tokens import DevTokens, User

RETRYABLE = {500, 502, 503, 504}


class Stopped(Exception):
    """The simulation was asked to stop."""


class ApiError(Exception):
    def __init__(self, method: str, path: str, status: int, problem: Any) -> None:
        detail = problem.get("detail") if isinstance(problem, dict) else problem
        errors = problem.get("errors") if isinstance(problem, dict) else None
        super().__init__(f"{method} {path} -> {status}: {detail}" + (f" {errors}" if errors else ""))
        self.status, self.problem = status, problem

    @property
    def rule(self) -> str | None:
        return _rule(self.problem) if isinstance(self.problem, dict) else None


@dataclass(frozen=True)
class Write:
    """A write the gateway acknowledged: what, the record id it answered, and its idempotency key."""

    method: str
    path: str
    status: int
    record_id: str | None
    idempotency_key: str | None


@dataclass
class Stats:
    requests: int = 0
    retries: int = 0
    throttled: int = 0
    throttled_s: float = 0.0
    replayed: int = 0
    by_route: dict[str, int] = field(default_factory=dict)


class Gateway:
    def __init__(self, base_url: str, tokens: DevTokens, *, run_id: str, retry_for_s: float = 120.0,
                 timeout_s: float = 30.0, stop: threading.Event | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base_url, self.tokens, self.run_id, self.retry_for_s = base_url.rstrip("/"), tokens, run_id, retry_for_s
        self.stop = stop or threading.Event()
        self._http = httpx.Client(base_url=self.base_url + "/v1", timeout=timeout_s, transport=transport)
        self._keys = itertools.count(1)
        self._lock = threading.Lock()
        self.ledger: list[Write] = []
        self.stats = Stats()

    def close(self) -> None:
        self._http.close()

    def get(self, user: User, path: str, **params: Any) -> Any:
        return self._call("GET", user, path, None, {k: v for k, v in params.items() if v is not None})

    def post(self, user: User, path: str, body: Any = None) -> Any:
        return self._call("POST", user, path, body, None)

    def put(self, user: User, path: str, body: Any) -> Any:
        return self._call("PUT", user, path, body, None)

    def sleep(self, seconds: float) -> None:
        if self.stop.wait(seconds):
            raise Stopped

    def _call(self, method: str, user: User, path: str, body: Any, params: dict | None) -> Any:
        key = None
        if method == "POST":
            with self._lock:
                key = f"sim-{self.run_id}-{next(self._keys)}"
        route = f"{method} {_route(path)}"
        deadline, delay = time.monotonic() + self.retry_for_s, 0.2
        while True:
            headers = {**self.tokens.headers(user), **({"Idempotency-Key": key} if key else {})}
            failure: str
            try:
                with self._lock:
                    self.stats.requests += 1
                    self.stats.by_route[route] = self.stats.by_route.get(route, 0) + 1
                response = self._http.request(method, path, json=body, params=params, headers=headers)
            except httpx.TransportError as exc:
                failure = f"{type(exc).__name__}: {exc}"
            else:
                status, problem = response.status_code, _problem(response)
                if status == 429:  # the window's limit: wait for the next window, however long it takes
                    wait = float(response.headers.get("Retry-After", "1"))
                    with self._lock:
                        self.stats.throttled += 1
                        self.stats.throttled_s += wait
                    self.sleep(wait)
                    continue
                in_progress = status == 409 and _rule(problem) == "in_progress"  # our earlier attempt still runs
                if status not in RETRYABLE and not in_progress:
                    return self._answer(method, path, key, response)
                failure = f"{status}: {problem.get('detail', response.text[:200])}"
                delay = max(delay, float(response.headers.get("Retry-After", "0")))
            if time.monotonic() + delay > deadline:
                raise ApiError(method, path, 0, f"gave up after {self.retry_for_s:.0f} s of retries ({failure})")
            with self._lock:
                self.stats.retries += 1
            self.sleep(delay)
            delay = min(delay * 2, 5.0)

    def _answer(self, method: str, path: str, key: str | None, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            raise ApiError(method, path, response.status_code, _problem(response) or response.text[:500])
        data = response.json() if response.content else None
        if method != "GET":
            record_id = data.get("id") or data.get("series_id") if isinstance(data, dict) else None
            with self._lock:
                self.stats.replayed += response.headers.get("Idempotent-Replayed") == "true"
                self.ledger.append(Write(method, path, response.status_code, record_id, key))
        return data


def _problem(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _rule(problem: dict) -> str | None:
    """The rule a problem+json body names (``errors[0].rule``)."""
    errors = problem.get("errors") or [{}]
    return errors[0].get("rule") or problem.get("rule")


def _route(path: str) -> str:
    """/participants/abc/contacts -> /participants/{id}/contacts, for request counts by route."""
    parts = path.split("/")
    return "/".join(part if index % 2 or not part else "{id}" for index, part in enumerate(parts))
