"""Adjustments to the generated OpenAPI document so it says exactly what the API sends."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI


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


def document_local_times(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _local_times(generate())
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
