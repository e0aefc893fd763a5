"""Property-based API testing of the gateway's OpenAPI with schemathesis: generated requests for
every /v1 operation, sent as a program admin to a real gateway in front of the real services,
must never get a 5xx, and every answer must match the documented status codes, content types,
headers and schemas. ``SCHEMATHESIS_EXAMPLES`` raises the examples per operation (default 15)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from peerbridge_gateway.app import create_app

from .world import build_world

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "15"))
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance)


@pytest.fixture(scope="module")
def gateway_base(gateway_settings_module, run_server, token_module, escalation_db):
    from fastapi.testclient import TestClient

    base = run_server(create_app(gateway_settings_module))
    with TestClient(create_app(gateway_settings_module)) as client:
        build_world(client, token_module("org-fuzz", "program_admin"), "org-fuzz", escalation_db)
    return base


@pytest.fixture(scope="module")
def gateway_schema(gateway_base):
    return schemathesis.openapi.from_url(gateway_base + "/openapi.json").include(path_regex="^/v1/")


@pytest.fixture(scope="module")
def admin(token_module):
    return token_module("org-fuzz", "program_admin", user="admin-fuzz")


def test_no_server_error_and_no_schema_violation(gateway_schema, admin):
    failures = []
    for result in gateway_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def exercise(case):
            response = case.call(headers=admin, timeout=30)
            case.validate_response(response, checks=CHECKS)

        try:
            exercise()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every operation runs; all failures reported
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
