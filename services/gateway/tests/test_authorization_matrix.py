"""The route table, walked: every /v1 route x every role x own and another organization.

- A role the table does not name is refused (403) before anything else happens.
- An allowed role reads what is in its scope (200) and nothing outside it: a record outside is
  404 (as if absent), a list leaves it out, a filter naming it is 403.
- A caller of another organization never sees this organization's records.
- Funders get no participant-level route at all.
"""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from peerbridge_gateway.access import SUPPORTED, Scope
from peerbridge_gateway.app import create_app
from peerbridge_gateway.catalog import ROUTES, Route
from peerbridge_shared.identity import Role

from . import metrics_stub
from .world import Program, World, build_world

LISTING_QUERIES = {"/peers": "program_id", "/enrollments": "program_id", "/sessions": "program_id",
                   "/measures": "program_id"}
PERIOD = "2026-10"


def test_the_table_is_well_formed():
    seen = set()
    for route in ROUTES:
        assert (route.method, route.path) not in seen, route.path
        seen.add((route.method, route.path))
        for role, scope in route.access.items():
            assert scope is Scope.ORGANIZATION or scope in SUPPORTED[route.owner], (route.path, role)
        if route.phi:
            assert Role.FUNDER not in route.access, f"funders must not reach {route.path}"


@pytest.fixture(scope="module")
def matrix(request, gateway_settings_module, escalation_db, token_module):
    tenant, stranger = f"org-a-{uuid.uuid4().hex[:8]}", f"org-b-{uuid.uuid4().hex[:8]}"
    with TestClient(create_app(gateway_settings_module)) as client:
        world = build_world(client, token_module(tenant, "program_admin"), tenant, escalation_db)
        for program in world.programs:
            metrics_stub.publish(tenant, program.id, PERIOD, {"active_participants": 42})
        yield client, world, stranger


def users(world: World, token, organization: str) -> dict[Role, dict[str, str]]:
    mine = [world.mine.id]
    return {
        Role.PEER: token(organization, "peer", user=world.mine.peer_id),
        Role.CLINICIAN: token(organization, "clinician", user=world.clinician_id, programs=mine),
        Role.SUPERVISOR: token(organization, "supervisor", user=world.supervisor_id, programs=mine),
        Role.PROGRAM_ADMIN: token(organization, "program_admin"),
        Role.FUNDER: token(organization, "funder"),
        Role.PLATFORM_ADMIN: token(organization, "platform_admin"),
    }


def url_for(route: Route, world: World, target: Program) -> tuple[str, dict]:
    values = {"program_id": target.id, "participant_id": target.participant_id, "session_id": target.session_id,
              "peer_id": target.peer_id, "enrollment_id": target.enrollment_id, "case_id": target.case_id,
              "clinician_id": world.clinician_id if target is world.mine else "someone-else",
              "contact_id": target.contact_id, "goal_id": "no-such-goal", "code": "phq9", "period": PERIOD,
              "measure_id": "peer-support-program-outcomes"}
    query = {LISTING_QUERIES[route.path]: target.id} if route.path in LISTING_QUERIES else {}
    return "/v1" + route.path.format(**values), query


def call(client: TestClient, route: Route, url: str, query: dict, headers: dict) -> tuple[int, str]:
    response = client.request(route.method, url, params=query, headers=headers,
                              json={} if route.has_body else None)
    return response.status_code, response.text


def ids_of(program: Program) -> list[str]:
    return [program.participant_id, program.session_id, program.case_id, program.enrollment_id, program.contact_id]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_role_on_every_route(matrix, route, token_module):
    client, world, stranger = matrix
    for role, headers in users(world, token_module, world.organization).items():
        allowed = route.access.get(role)
        for target in world.programs:
            url, query = url_for(route, world, target)
            status, body = call(client, route, url, query, headers)
            where = f"{role} {route.method} {url} -> {status} {body[:200]}"
            if allowed is None:
                assert status == 403, where
                continue
            assert status not in (401, 403) or (target is world.other and allowed is not Scope.ORGANIZATION), where
            if route.method != "GET":
                continue
            in_scope = allowed is Scope.ORGANIZATION or target is world.mine
            if in_scope:
                assert status == 200, where
            else:
                assert status in (403, 404) or not any(i in body for i in ids_of(world.other)), where


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "GET"], ids=lambda r: f"{r.method} {r.path}")
def test_another_organization_sees_none_of_it(matrix, route, token_module):
    client, world, stranger = matrix
    for role, headers in users(world, token_module, stranger).items():
        for target in world.programs:
            url, query = url_for(route, world, target)
            status, body = call(client, route, url, query, headers)
            # an id the caller sent may be echoed back (e.g. "nobody on call for program X"); nothing else
            leaked = [i for program in world.programs for i in ids_of(program) + [program.id]
                      if i in body and i not in url and i not in query.values()]
            assert status in (403, 404) or (status == 200 and not leaked), f"{role} {url} -> {status} {body[:300]}"
