"""The gateway's copies of the services' contracts (ADR 0005): for each service, the operations of
its own OpenAPI document that a /v1 route of the gateway's catalog forwards to, and the schemas they
reference, written as JSON into the gateway package. `make contracts` writes them; a test fails when
they differ from what the services' apps document (like docs/events.md).

This dev-only package may import the services; the gateway itself never does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .registry import REPO_ROOT

CONTRACTS_DIR = Path("services/gateway/src/peerbridge_gateway/contracts")
REF_PREFIX = "#/components/schemas/"
# Settings that let an app be built for its document; nothing connects before the app starts.
PLACEHOLDER_DATABASE = "postgresql+psycopg://contracts:contracts@127.0.0.1:1/contracts"


def service_documents() -> dict[str, dict[str, Any]]:
    from peerbridge_escalation.app import create_app as escalation
    from peerbridge_escalation.settings import EscalationSettings
    from peerbridge_metrics.app import create_app as metrics
    from peerbridge_metrics.settings import MetricsSettings
    from peerbridge_scheduling.app import create_app as scheduling
    from peerbridge_scheduling.settings import SchedulingSettings

    return {
        "scheduling": scheduling(SchedulingSettings(database_url=PLACEHOLDER_DATABASE)).openapi(),
        "escalation": escalation(EscalationSettings(database_url=PLACEHOLDER_DATABASE)).openapi(),
        "metrics": metrics(MetricsSettings()).openapi(),
    }


def contract(document: dict[str, Any], operations: list[tuple[str, str]]) -> dict[str, Any]:
    """The named (method, path) operations of a service's document: request body and 2xx answers,
    with every schema they reference, directly or through other schemas."""
    paths: dict[str, dict[str, Any]] = {}
    for method, path in sorted(operations):
        try:
            found = document["paths"][path][method.lower()]
        except KeyError:
            raise LookupError(f"the gateway routes {method} {path}, which the service does not serve") from None
        kept = {"responses": {code: answer for code, answer in found["responses"].items() if code.startswith("2")}}
        if "requestBody" in found:
            kept["requestBody"] = found["requestBody"]
        paths.setdefault(path, {})[method.lower()] = kept
    available = document.get("components", {}).get("schemas", {})
    return {"paths": paths, "components": {"schemas": _referenced(paths, available)}}


def render_contracts() -> dict[str, str]:
    from peerbridge_gateway.catalog import ROUTES

    files = {}
    for service, document in service_documents().items():
        operations = [(route.method, route.path) for route in ROUTES if route.service == service]
        body = contract(document, operations)
        files[str(CONTRACTS_DIR / f"{service}.json")] = json.dumps(body, indent=1, sort_keys=True) + "\n"
    return files


def write_contracts(root: Path = REPO_ROOT) -> list[str]:
    written = []
    for path, text in render_contracts().items():
        (root / path).write_text(text, encoding="utf-8")
        written.append(path)
    return written


def contract_drift(root: Path = REPO_ROOT) -> list[str]:
    return [path for path, text in render_contracts().items()
            if not (root / path).exists() or (root / path).read_text(encoding="utf-8") != text]


def _referenced(node: Any, available: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    pending = list(_refs(node))
    while pending:
        name = pending.pop()
        if name not in found:
            found[name] = available[name]
            pending.extend(_refs(available[name]))
    return found


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"].removeprefix(REF_PREFIX)] if str(node.get("$ref", "")).startswith(REF_PREFIX) else []
        return own + [name for value in node.values() for name in _refs(value)]
    if isinstance(node, list):
        return [name for value in node for name in _refs(value)]
    return []
