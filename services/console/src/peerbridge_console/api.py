"""Calls to the gateway's public /v1 with the signed-in user's access token (never a service or a
database directly). Every POST carries an Idempotency-Key; PHI reads may name a purpose of use."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from .sessions import Session


def segment(value: str) -> str:
    """A path parameter as one URL segment of a gateway path: a "/" is escaped and a "." or ".." is
    spelled %2E, so no id can climb to another route."""
    if value and set(value) <= {"."}:
        return "%2E" * len(value)
    return quote(value, safe="")


def form_key(key: str, path: str, body: object) -> str:
    """An Idempotency-Key for one form's POST: the form's own key and the body it sends, so the same
    form sent twice is one request and a corrected resend is a new one."""
    digest = hashlib.sha256(json.dumps([path, body], sort_keys=True).encode()).hexdigest()[:24]
    return f"{key}-{digest}"


class SignInAgain(Exception):
    """The gateway no longer accepts the session's token."""


@dataclass
class Problem(Exception):
    """A 4xx or 5xx answer of the gateway, for the page to show as it is."""

    status: int
    title: str
    detail: str
    body: dict


class Gateway:
    def __init__(self, base_url: str, timeout_s: float) -> None:
        self.http = httpx.AsyncClient(base_url=base_url.rstrip("/") + "/v1", timeout=timeout_s)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def request(self, session: Session, method: str, path: str, *, headers: dict | None = None,
                      **options: object) -> httpx.Response:
        response = await self.http.request(method, path, headers={
            "Authorization": f"Bearer {session.access_token}", **(headers or {})}, **options)  # type: ignore[arg-type]
        if response.status_code == 401:
            raise SignInAgain()
        if response.status_code >= 400 and response.status_code != 304:
            raise _problem(response)
        return response

    async def get(self, session: Session, path: str, **options: object) -> object:
        return (await self.request(session, "GET", path, **options)).json()

    async def every(self, session: Session, path: str, params: dict | None = None, *, limit: int = 500,
                    most: int = 10_000) -> list:
        """All of a list the gateway pages (``limit``/``offset``), up to ``most`` items."""
        found: list = []
        while len(found) < most:
            page = await self.get(session, path, params={**(params or {}), "limit": limit, "offset": len(found)})
            found.extend(page)  # type: ignore[arg-type]
            if len(page) < limit:  # type: ignore[arg-type]
                break
        return found[:most]

    async def post(self, session: Session, path: str, *, idempotency_key: str, json: object = None,
                   headers: dict | None = None) -> object:
        response = await self.request(session, "POST", path, json=json,
                                      headers={"Idempotency-Key": idempotency_key, **(headers or {})})
        return response.json() if response.content else {}


def _problem(response: httpx.Response) -> Problem:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    errors = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in body.get("errors", []) if isinstance(e, dict))
    detail = body.get("detail") or errors or response.reason_phrase
    return Problem(response.status_code, str(body.get("title") or response.reason_phrase), str(detail), body)
