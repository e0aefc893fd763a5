"""Property-based API testing of the gateway's OpenAPI with schemathesis: generated requests for
every /v1 operation, sent as a program admin to a real gateway in front of the real services,
must never get a 5xx, and every answer must match the documented status codes, content types,
headers and schemas. ``SCHEMATHESIS_EXAMPLES`` and ``HOSTILE_EXAMPLES`` set the examples per operation
(default 8 and 6)."""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from peerbridge_gateway.app import create_app
from peerbridge_shared.testing.fuzzing import Tally, fuzz

from .world import build_world

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
    # the event streams stay open (an SSE answer never ends, a WebSocket is not plain HTTP): test_realtime's
    return schemathesis.openapi.from_url(gateway_base + "/openapi.json").include(path_regex="^/v1/").exclude(
        path_regex="^/v1/events")


@pytest.fixture(scope="module")
def admin(token_module):
    return token_module("org-fuzz", "program_admin", user="admin-fuzz")


def test_no_server_error_and_no_schema_violation(gateway_schema, admin):
    """schemathesis's own examples must conform to the documented schemas; hostile strings in every
    path, query and body field (``peerbridge_shared.testing.fuzzing``) must never get a 5xx."""
    tally = Tally()
    failures = fuzz(gateway_schema, admin, tally, checks=CHECKS)
    print("\n" + tally.report("gateway"))
    assert not tally.server_errors, "\n".join(tally.server_errors[:20])
    assert not failures, "\n\n".join(failures)
