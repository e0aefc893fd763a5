"""What the public document says beyond the operations' shapes, for front-end developers: the
server, the tags, a description of each route (who may call it, from the access table), and the
headers the gateway takes and sends (docs/gateway.md), declared once as components and referenced."""

from __future__ import annotations

from typing import Any

from peerbridge_shared.web import FHIR_JSON, PROBLEM_JSON, is_fhir_route

from .catalog import Route
from .realtime.docs import STREAM_MESSAGE, websocket_operation

HEADER = "#/components/headers/"
PARAMETER = "#/components/parameters/"
TAGS = {
    "programs": "Programs, sites and enrollment", "participants": "Participants and their consents",
    "sessions": "Sessions, series and attendance", "workforce": "Peers, supervisors and clinicians",
    "records": "Contacts, goals, questionnaires and safety plans", "fhir": "FHIR R4 export and ingest",
    "on-call": "Escalation policies, rosters and on-call", "cases": "Safety cases and signals",
    "outcomes": "De-identified aggregates, feeds and funder webhooks", "operations": "Probes",
    "identity": "Who the caller is", "events": "Real-time case events (Server-Sent Events and WebSocket)",
}
HEADERS = {
    "X-Request-ID": {"description": "The request's id (the caller's, if it sent one); in every log line and "
                                    "trace of the request", "schema": {"type": "string", "maxLength": 128}},
    "ETag": {"description": "A strong entity tag of the representation (send it back in If-Match or "
                            "If-None-Match)", "schema": {"type": "string"}},
    "Link": {"description": "RFC 8288 pagination links (rel=next, rel=prev) keeping limit and offset",
             "schema": {"type": "string"}},
    "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer", "minimum": 0}},
    "Idempotent-Replayed": {"description": "true when this is the stored answer to an earlier request with the "
                                           "same Idempotency-Key", "schema": {"type": "string", "enum": ["true"]}},
}
PARAMETERS = {
    "XRequestId": {"name": "X-Request-ID", "in": "header", "required": False,
                   "description": "Your id for the request (echoed back; generated when absent)",
                   "schema": {"type": "string", "maxLength": 128}},
    "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": False,
                       "description": "Send the same key to retry safely: the first answer is stored and "
                                      "replayed; the same key with another body is a 422",
                       "schema": {"type": "string", "maxLength": 200}, "example": "7f3c9d2e-enroll-001"},
    "IfMatch": {"name": "If-Match", "in": "header", "required": False,
                "description": "The ETag you read: the write happens only if the record is unchanged (else 412)",
                "schema": {"type": "string"}},
    "IfNoneMatch": {"name": "If-None-Match", "in": "header", "required": False,
                    "description": "The ETag you hold: 304 Not Modified if it is still current",
                    "schema": {"type": "string"}},
    "XPurposeOfUse": {"name": "X-Purpose-Of-Use", "in": "header", "required": False,
                      "description": "Why participant-level data is read (HL7 PurposeOfUse: TREAT, HOPERAT, ...); "
                                     "audited. Care roles default to treatment",
                      "schema": {"type": "string"}},
    "XOnBehalfOf": {"name": "X-On-Behalf-Of", "in": "header", "required": False,
                    "description": "A program admin records for this member of staff (audited with both ids)",
                    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$"}},
}


OPERATION_OUTCOME = {
    "title": "OperationOutcome", "type": "object", "required": ["resourceType", "issue"],
    "description": "A FHIR R4 OperationOutcome: how FHIR routes answer errors (each issue's expression is "
                   "the FHIRPath of the offending element, details.coding the rule)",
    "properties": {
        "resourceType": {"type": "string", "const": "OperationOutcome"},
        "issue": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["severity", "code"],
            "properties": {"severity": {"type": "string", "enum": ["fatal", "error", "warning", "information"]},
                           "code": {"type": "string", "examples": ["invalid", "required", "not-found"]},
                           "diagnostics": {"type": "string"},
                           "expression": {"type": "array", "items": {"type": "string"}},
                           "details": {"type": "object", "additionalProperties": True}}}},
    },
}


def _fhir_errors(operation: dict[str, Any]) -> None:
    for status, answer in operation.get("responses", {}).items():
        if not status.startswith("2") and PROBLEM_JSON in answer.get("content", {}):
            answer["content"] = {FHIR_JSON: {"schema": {"$ref": "#/components/schemas/OperationOutcome"}}}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": (HEADER if kind == "header" else PARAMETER) + name}


def _who(route: Route) -> str:
    roles = ", ".join(f"{role.value} ({getattr(scope, 'value', scope)})" for role, scope in route.access.items())
    return f"Open to: {roles}." if roles else "Open to no role yet."


def describe(document: dict[str, Any], routes: tuple[Route, ...], prefix: str) -> None:
    components = document.setdefault("components", {})
    components.setdefault("headers", {}).update(HEADERS)
    components.setdefault("parameters", {}).update(PARAMETERS)
    components.setdefault("schemas", {}).update(OperationOutcome=OPERATION_OUTCOME, StreamMessage=STREAM_MESSAGE)
    document["paths"]["/v1/events/ws"] = {"get": websocket_operation({})}
    document["servers"] = [{"url": "/", "description": "the gateway serving this document"}]
    by_operation = {(prefix + r.path, r.method.lower()): r for r in routes}
    used_tags: set[str] = set()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            route = by_operation.get((path, method))
            used_tags.update(operation.get("tags", []))
            _headers(operation, method, route)
            if is_fhir_route(path):
                _fhir_errors(operation)
            if route is not None:
                summary = route.summary or operation.get("summary", "")
                operation["description"] = " ".join(filter(None, [summary and summary.rstrip(".") + ".", _who(route),
                                                                  "Participant-level data: each answer is audited."
                                                                  if route.phi else ""]))
            elif path in ("/healthz", "/readyz"):
                operation["security"] = []
                operation.setdefault("description", "A probe for the platform; no token needed.")
            else:
                operation.setdefault("description", operation.get("summary", path))
    document["tags"] = [{"name": tag, "description": TAGS.get(tag, tag)} for tag in sorted(used_tags)]


def _headers(operation: dict[str, Any], method: str, route: Route | None) -> None:
    parameters = operation.setdefault("parameters", [])
    parameters.append(_ref("parameter", "XRequestId"))
    if method == "post":
        parameters.append(_ref("parameter", "IdempotencyKey"))
    if method == "get" and route is not None:
        parameters.append(_ref("parameter", "IfNoneMatch"))
        operation.setdefault("responses", {})["304"] = {
            "description": "Not Modified: the ETag sent in If-None-Match is still current",
            "headers": {"ETag": _ref("header", "ETag")}}
    if route is not None and route.etag_from:
        parameters.append(_ref("parameter", "IfMatch"))
    if route is not None and route.phi:
        parameters.append(_ref("parameter", "XPurposeOfUse"))
    if route is not None and method != "get":
        parameters.append(_ref("parameter", "XOnBehalfOf"))
    names = {p.get("name") for p in parameters if "name" in p}
    for status, answer in operation.get("responses", {}).items():
        headers = answer.setdefault("headers", {})
        headers["X-Request-ID"] = _ref("header", "X-Request-ID")
        if status in ("429", "503"):
            headers["Retry-After"] = _ref("header", "Retry-After")
        if status.startswith("2") and method == "get" and route is not None:
            headers["ETag"] = _ref("header", "ETag")
            if "limit" in names:
                headers["Link"] = _ref("header", "Link")
        if status.startswith("2") and method == "post":
            headers["Idempotent-Replayed"] = _ref("header", "Idempotent-Replayed")
