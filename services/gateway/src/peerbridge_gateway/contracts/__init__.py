"""The services' contracts, as the gateway sees them: for each service, the operations of its own
OpenAPI document that a /v1 route forwards to (request body, success answers) and the schemas they
reference. Generated from the services' apps by ``make contracts`` (a test fails on drift), so the
gateway imports no service's code and a service stays the one that validates its input.

Two services may name different schemas alike (scheduling's and escalation's ``ContactCreate``):
in the gateway's document such a name gets the service in front (``EscalationContactCreate``).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib.resources import files
from typing import Any

SERVICES = ("scheduling", "escalation", "metrics")
REF_PREFIX = "#/components/schemas/"


class ContractMissing(LookupError):
    """A route names an operation its service's contract does not have: run `make contracts`."""


@cache
def load(service: str) -> dict[str, Any]:
    return json.loads(files(__package__).joinpath(f"{service}.json").read_text(encoding="utf-8"))


def operation(service: str, method: str, path: str) -> dict[str, Any]:
    try:
        return load(service)["paths"][path][method.lower()]
    except KeyError:
        raise ContractMissing(f"{method} {path} is not in {service}'s contract; run `make contracts`") from None


@cache
def public_names() -> dict[tuple[str, str], str]:
    """(service, schema name) -> the name in the gateway's document."""
    owners: dict[str, dict[str, Any]] = {}
    for service in SERVICES:
        for name, schema in load(service)["components"]["schemas"].items():
            owners.setdefault(name, {})[service] = schema
    names = {}
    for name, by_service in owners.items():
        alike = len({json.dumps(schema, sort_keys=True) for schema in by_service.values()}) == 1
        for service in by_service:
            names[(service, name)] = name if alike else service.capitalize() + name
    return names


def documented(service: str, node: Any) -> Any:
    """A copy of part of a service's contract with its schema references renamed for the gateway."""
    node = copy.deepcopy(node)
    _rename(service, node, public_names())
    return node


def schemas() -> dict[str, Any]:
    """Every schema of every contract, under its name in the gateway's document."""
    merged = {}
    for service in SERVICES:
        for name, schema in load(service)["components"]["schemas"].items():
            public = public_names()[(service, name)]
            merged[public] = documented(service, schema)
            if public != name and "title" in schema:
                merged[public]["title"] = public  # generators name their types by title
    return dict(sorted(merged.items()))


def _rename(service: str, node: Any, names: dict[tuple[str, str], str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            node["$ref"] = REF_PREFIX + names[(service, ref.removeprefix(REF_PREFIX))]
        for value in node.values():
            _rename(service, value, names)
    elif isinstance(node, list):
        for value in node:
            _rename(service, value, names)
