"""Input the services' databases cannot store is refused at the door: PostgreSQL text cannot hold
NUL characters, so a NUL anywhere in a path, query or JSON body is a 422 naming where it is."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from peerbridge_shared.web import Problem


def _first_nul(value: Any, where: str) -> str | None:
    if isinstance(value, str):
        return where if "\x00" in value else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = _first_nul(key, f"{where}.{key!r}") or _first_nul(item, f"{where}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_nul(item, f"{where}.{index}")
            if found:
                return found
    return None


def refuse_nul(path: Mapping[str, str], query: Mapping[str, Any], body: bytes | None) -> None:
    found = _first_nul(dict(path), "path") or _first_nul(dict(query), "query")
    if found is None and body and b"\\u0000" in body:
        try:
            found = _first_nul(json.loads(body), "body")
        except ValueError:
            found = None  # not JSON: the service answers for it
    if found:
        raise Problem(422, f"{found}: NUL characters are not accepted", field=found, rule="no_nul_characters")
