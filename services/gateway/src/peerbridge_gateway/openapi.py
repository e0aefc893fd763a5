"""Adjustments to the generated OpenAPI document so it says exactly what the API takes and sends."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from . import contracts
from .catalog import Route
from .public_doc import describe


def _local_times(node: Any) -> None:
    # Pydantic documents `datetime.time` as JSON Schema "time" (RFC 3339 full-time, with an
    # offset), but a local wall-clock time such as a business day's end is sent without one.
    if isinstance(node, dict):
        if node.get("format") == "time":
            node["format"] = "partial-time"
        for value in node.values():
            _local_times(value)
    elif isinstance(node, list):
        for value in node:
            _local_times(value)


def _service_contracts(document: dict[str, Any], routes: tuple[Route, ...], prefix: str) -> None:
    """Each forwarded route's request body and success answer, from its service's contract."""
    for route in routes:
        operation = document["paths"][prefix + route.path][route.method.lower()]
        if route.has_body:
            operation["requestBody"] = contracts.documented(route.service, route.contract["requestBody"])
        answer = contracts.documented(route.service, route.contract["responses"][str(route.status)])
        content = answer.get("content", {})
        for media_type, described in operation["responses"].get(str(route.status), {}).get("content", {}).items():
            if media_type in route.media_types and not content.get(media_type, {}).get("schema"):
                content[media_type] = described  # the gateway's own words for a representation (CSV, FHIR)
        operation["responses"][str(route.status)] = {**answer, "content": content}
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in contracts.schemas().items():
        if name in schemas and schemas[name] != schema:
            raise ValueError(f"the gateway's schema {name} and a service's differ; rename the gateway's")
        schemas[name] = schema


def document_contracts(app: FastAPI, routes: tuple[Route, ...], prefix: str) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            _service_contracts(document, routes, prefix)
            _local_times(document)
            describe(document, routes, prefix)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
