"""Program scope and 42 CFR Part 2, walked through the gateway against the real services:
every route that takes or returns participant-level data x every role x each record set of
``scope_world`` (own program, another program, a Part 2 program with and without a disclosure
consent) x this organization and another. The expected answer of each cell comes from the two
tables below, written once; the test counts leaks and unexpected refusals and wants 0 of each.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient

from peerbridge_gateway.app import create_app
from peerbridge_gateway.catalog import ROUTES
from peerbridge_shared.identity import Identity, Role, issue_internal_token
from peerbridge_shared.settings import DEV_SECRET

from .scope_world import (
    RecordSet,
    ScopeWorld,
    build_scope_world,
    concern_body,
    contact_body,
    goal_body,
    plan_body,
    response_body,
)

CARE = frozenset({Role.PEER, Role.SUPERVISOR, Role.CLINICIAN, Role.PROGRAM_ADMIN})
ADMIN = frozenset({Role.PROGRAM_ADMIN})
TARGETS = ("own", "other_program", "part2_consented", "part2_unconsented")

READERS: dict[str, dict[str, frozenset[Role]]] = {
    # a participant's own details: seen by whoever works with them in any program
    "participant": {"own": CARE, "other_program": ADMIN, "part2_consented": CARE, "part2_unconsented": CARE},
    # a record made in a program: that program's care team; a Part 2 record elsewhere only under consent
    "record": {"own": CARE, "other_program": ADMIN, "part2_consented": CARE, "part2_unconsented": ADMIN},
    # enrollments, sessions, cases: the program's own staff only (a Part 2 program's are never disclosed)
    "program": {"own": CARE, "other_program": ADMIN, "part2_consented": ADMIN, "part2_unconsented": ADMIN},
}
WRITERS: dict[str, frozenset[Role]] = {
    # records are written only inside a program one works in: never into a disclosed Part 2 program
    "own": CARE, "other_program": ADMIN, "part2_consented": ADMIN, "part2_unconsented": ADMIN,
}


@dataclass(frozen=True)
class Read:
    path: str
    family: str
    looks_for: Callable[[RecordSet], str]
    query: Callable[[RecordSet], dict] = lambda r: {}


@dataclass(frozen=True)
class Write:
    path: str
    body: Callable[[RecordSet], dict]
    on_behalf: bool = False
    """A program admin writes it for the record set's peer (X-On-Behalf-Of)."""


READS = (
    Read("/participants/{participant_id}", "participant", lambda r: r.participant_id),
    Read("/participants/{participant_id}/contacts", "record", lambda r: r.contact_id),
    Read("/contacts/{contact_id}", "record", lambda r: r.contact_id),
    Read("/participants/{participant_id}/goals", "record", lambda r: r.goal_id),
    Read("/participants/{participant_id}/questionnaire-responses", "record", lambda r: r.response_id),
    Read("/participants/{participant_id}/safety-concerns", "record", lambda r: r.concern_id),
    Read("/participants/{participant_id}/safety-plan", "record", lambda r: r.plan_id,
         lambda r: {"program_id": r.program_id}),
    Read("/participants/{participant_id}/fhir", "record", lambda r: r.contact_id),
    Read("/participants", "program", lambda r: r.participant_id, lambda r: {"program_id": r.program_id}),
    Read("/enrollments", "program", lambda r: r.enrollment_id, lambda r: {"participant_id": r.participant_id}),
    Read("/enrollments/{enrollment_id}", "program", lambda r: r.enrollment_id),
    Read("/sessions/{session_id}", "program", lambda r: r.session_id),
    Read("/sessions/{session_id}/attendance", "program", lambda r: r.session_id),
    Read("/cases", "program", lambda r: r.case_id),
    Read("/cases/{case_id}", "program", lambda r: r.case_id),
)
WRITES = (
    Write("/participants/{participant_id}/contacts", lambda r: contact_body(r.program_id), on_behalf=True),
    Write("/participants/{participant_id}/goals", lambda r: goal_body(r.program_id)),
    Write("/participants/{participant_id}/questionnaire-responses", lambda r: response_body(r.program_id)),
    Write("/participants/{participant_id}/safety-concerns", lambda r: concern_body(r.program_id)),
    Write("/participants/{participant_id}/safety-plans", lambda r: plan_body(r.program_id)),
    Write("/participants/{participant_id}/consents", lambda r: {
        "program_id": r.program_id, "kind": "outcome_feed", "granted": True, "effective_at": "2026-01-02T00:00:00Z"}),
)
ACCESS = {(route.method, route.path): route.access for route in ROUTES}


@pytest.fixture(scope="module")
def scoped(gateway_settings_module, escalation_db, token_module):
    tenant = f"org-s-{uuid.uuid4().hex[:8]}"
    with TestClient(create_app(gateway_settings_module)) as client:
        yield client, build_scope_world(client, token_module(tenant, "program_admin"), tenant, escalation_db)


def callers(world: ScopeWorld, token, organization: str) -> dict[Role, dict[str, str]]:
    bridges = [world.programs["Bridges"]]
    return {
        Role.PEER: token(organization, "peer", user=world.peers["Bridges"]),
        Role.SUPERVISOR: token(organization, "supervisor", user=world.supervisor_id, programs=bridges),
        Role.CLINICIAN: token(organization, "clinician", user=world.clinician_id, programs=bridges),
        Role.PROGRAM_ADMIN: token(organization, "program_admin"),
        Role.FUNDER: token(organization, "funder"),
        Role.PLATFORM_ADMIN: token(organization, "platform_admin"),
    }


def url(path: str, record: RecordSet) -> str:
    return "/v1" + path.format(participant_id=record.participant_id, contact_id=record.contact_id,
                               enrollment_id=record.enrollment_id, session_id=record.session_id,
                               case_id=record.case_id)


def test_reads_show_each_role_exactly_what_the_rules_allow(scoped, token_module):
    client, world = scoped
    cells, leaks, refusals = 0, [], []
    for organization in (world.organization, f"org-elsewhere-{uuid.uuid4().hex[:6]}"):
        for role, headers in callers(world, token_module, organization).items():
            for read in READS:
                for target in TARGETS:
                    record = world.sets[target]
                    response = client.get(url(read.path, record), params=read.query(record), headers=headers)
                    route_allows = role in ACCESS[("GET", read.path)]
                    expected = route_allows and organization == world.organization and \
                        role in READERS[read.family][target]
                    seen = response.status_code == 200 and read.looks_for(record) in response.text
                    cells += 1
                    where = f"{organization[:6]} {role} GET {read.path} {target} -> {response.status_code}"
                    if seen and not expected:
                        leaks.append(where)
                    if expected and not seen:
                        refusals.append(f"{where} {response.text[:160]}")
                    if not route_allows:
                        assert response.status_code == 403, where
    print(f"scope matrix, reads: {cells} cells, {len(leaks)} leaks, {len(refusals)} unexpected refusals")
    assert leaks == [], leaks
    assert refusals == [], refusals


def test_the_services_themselves_hold_the_same_line_without_the_gateway(scoped, scheduling_base, escalation_base):
    """Defense in depth: the same reads straight to scheduling and escalation with internal tokens
    (the identity the gateway would mint), the gateway's route table out of the way."""
    client, world = scoped
    bases = {"scheduling": scheduling_base, "escalation": escalation_base}
    service_of = {route.path: route.service for route in ROUTES if route.method == "GET"}
    bridges = frozenset({world.programs["Bridges"]})
    identities = {Role.PEER: (world.peers["Bridges"], None), Role.SUPERVISOR: (world.supervisor_id, bridges),
                  Role.CLINICIAN: (world.clinician_id, bridges), Role.PROGRAM_ADMIN: ("admin-direct", None),
                  Role.FUNDER: ("funder-direct", None), Role.PLATFORM_ADMIN: ("ops-direct", None)}
    cells, wrong = 0, []
    with httpx.Client(timeout=10) as direct:
        for role, (user, programs) in identities.items():
            token = issue_internal_token(Identity(world.organization, user, frozenset({role}), programs), DEV_SECRET)
            for read in READS:
                for target in TARGETS:
                    record = world.sets[target]
                    path = url(read.path, record).removeprefix("/v1")
                    response = direct.get(bases[service_of[read.path]] + path, params=read.query(record),
                                          headers={"Authorization": f"Bearer {token}"})
                    cases_for_peers = service_of[read.path] == "escalation" and role is Role.PEER
                    expected = role in READERS[read.family][target] and not cases_for_peers
                    seen = response.status_code == 200 and read.looks_for(record) in response.text
                    cells += 1
                    if seen != expected:
                        wrong.append(f"{role} {path} {target} -> {response.status_code} {response.text[:120]}")
    print(f"scope matrix, direct reads: {cells} cells, {len(wrong)} wrong answers")
    assert wrong == []


def test_writes_land_only_where_the_rules_allow(scoped, token_module):
    client, world = scoped
    cells, wrong = 0, []
    for organization in (world.organization, f"org-elsewhere-{uuid.uuid4().hex[:6]}"):
        for role, headers in callers(world, token_module, organization).items():
            for write in WRITES:
                for target in TARGETS:
                    record = world.sets[target]
                    sent = {**headers, **({"X-On-Behalf-Of": record.peer_id}
                                          if write.on_behalf and role is Role.PROGRAM_ADMIN else {})}
                    response = client.post(url(write.path, record), json=write.body(record), headers=sent)
                    expected = role in ACCESS[("POST", write.path)] and organization == world.organization and \
                        role in WRITERS[target]
                    cells += 1
                    landed = response.status_code == 201
                    refused = response.status_code in (403, 404)
                    if landed != expected or (not expected and not refused):
                        wrong.append(f"{organization[:6]} {role} POST {write.path} {target} -> "
                                     f"{response.status_code} {response.text[:160]}")
    print(f"scope matrix, writes: {cells} cells, {len(wrong)} wrong answers")
    assert wrong == []


def test_a_record_disclosed_under_part2_consent_carries_the_notice_and_its_own_do_not(scoped, token_module):
    client, world = scoped
    clinician = callers(world, token_module, world.organization)[Role.CLINICIAN]
    xavi = world.sets["own"].participant_id
    contacts = client.get(f"/v1/participants/{xavi}/contacts", headers=clinician).json()
    notices = {c["program_id"]: c["redisclosure_notice"] for c in contacts}
    assert notices[world.programs["Bridges"]] is None
    assert "42 CFR part 2" in notices[world.programs["Recovery"]]
    bundle = client.get(f"/v1/participants/{xavi}/fhir", headers=clinician).json()
    labels = {entry["resource"]["id"]: [s["code"] for s in entry["resource"].get("meta", {}).get("security", [])]
              for entry in bundle["entry"]}
    assert "42CFRPart2" in labels[world.sets['part2_consented'].contact_id]
    assert labels[world.sets['own'].contact_id] == []


def test_only_the_part2_programs_staff_record_its_disclosure_consent(scoped, token_module):
    client, world = scoped
    people = callers(world, token_module, world.organization)
    xavi = world.sets["own"].participant_id
    body = {"program_id": world.programs["Recovery"], "kind": "part2_disclosure", "granted": False,
            "effective_at": "2026-02-01T00:00:00Z"}
    peer = client.post(f"/v1/participants/{xavi}/consents", json=body, headers=people[Role.PEER])
    assert peer.status_code == 403 and peer.json()["errors"][0]["field"] == "body.program_id"
    general = {**body, "program_id": world.programs["Bridges"]}
    refused = client.post(f"/v1/participants/{xavi}/consents", json=general, headers=people[Role.PROGRAM_ADMIN])
    assert refused.status_code == 422 and refused.json()["errors"][0]["rule"] == "part2_program"
