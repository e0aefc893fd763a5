"""Errors on FHIR routes as FHIR R4 OperationOutcomes (``application/fhir+json``): FHIR clients read
an OperationOutcome, not problem+json. One translation, used by the exception handlers and the input
guard alike."""

from __future__ import annotations

import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

PROBLEM_JSON = "application/problem+json"
FHIR_JSON = "application/fhir+json"
RULE_SYSTEM = "https://peerbridge.org/fhir/CodeSystem/problem-rule"
ISSUE_TYPES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
               406: "not-supported", 409: "conflict", 412: "conflict", 413: "too-costly", 415: "not-supported",
               422: "invalid", 428: "business-rule", 429: "throttled", 503: "transient"}  # FHIR issue-type


def is_fhir_route(path: str) -> bool:
    """A FHIR endpoint: a path with a ``fhir`` segment (``/participants/{id}/fhir``, ``/fhir/Measure/...``)."""
    return "fhir" in path.split("/")


def _fhirpath(field: str | None) -> str | None:
    """``body.extension.0.url`` as the FHIRPath ``extension[0].url`` (within the posted resource)."""
    if not field:
        return None
    path = field.removeprefix("body.") if field.startswith("body.") else field
    return re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", path)


def operation_outcome(status: int, body: Mapping[str, Any]) -> dict[str, Any]:
    """A problem+json body as a FHIR R4 OperationOutcome: one issue per field error."""
    errors = body.get("errors") or [{"field": None, "rule": None, "message": body.get("detail", "")}]
    issues = []
    for error in errors:
        rule = error.get("rule")
        issue: dict[str, Any] = {
            "severity": "error" if status < 500 else "fatal",
            "code": "required" if rule in {"required", "missing"} else ISSUE_TYPES.get(status, "exception"),
            "diagnostics": error.get("message") or body.get("detail") or HTTPStatus(status).phrase}
        if rule:
            issue["details"] = {"coding": [{"system": RULE_SYSTEM, "code": rule}], "text": issue["diagnostics"]}
        expression = _fhirpath(error.get("field"))
        if expression:
            issue["expression"] = [expression]
        issues.append(issue)
    return {"resourceType": "OperationOutcome", "issue": issues}
