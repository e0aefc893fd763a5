"""Property: for random programs (some 42 CFR Part 2), enrollments, peers, supervisors and Part 2
consents (granted, revoked, expired, not yet in force), the contact notes any caller sees are
exactly those the written rule allows. The rule is computed here from the raw data the test made,
independently of the service's code."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from peerbridge_shared.identity import Role

from .conftest import NOW, Api, World


@dataclass
class Raw:
    part2: dict[str, bool] = field(default_factory=dict)  # program -> is Part 2
    supervisor_of: dict[str, str] = field(default_factory=dict)  # peer -> supervisor
    enrollments: list[tuple[str, str, str, bool]] = field(default_factory=list)  # participant, program, peer, active
    consents: dict[tuple[str, str], tuple[bool, list[str], bool]] = field(default_factory=dict)
    """(participant, Part 2 program) -> (granted, recipients, in force now) of the latest consent."""
    notes: dict[str, tuple[str, str]] = field(default_factory=dict)  # contact id -> (participant, program)


def works(caller: tuple[Role, str, frozenset[str]], raw: Raw, participant: str, program: str) -> bool:
    role, user, programs = caller
    if role is Role.PROGRAM_ADMIN:
        return not programs or program in programs
    for person, where, peer, active in raw.enrollments:
        if (person, where) != (participant, program):
            continue
        if role is Role.CLINICIAN and program in programs:
            return True
        if role is Role.SUPERVISOR and program in programs and raw.supervisor_of[peer] == user:
            return True
        if role is Role.PEER and active and peer == user and (not programs or program in programs):
            return True
    return False


def allowed(caller, raw: Raw, participant: str, program: str) -> bool:
    if works(caller, raw, participant, program):
        return True
    if not raw.part2[program]:
        return False
    granted, recipients, in_force = raw.consents.get((participant, program), (False, [], False))
    return granted and in_force and any(works(caller, raw, participant, other) for other in recipients)


def build(api: Api, rng: random.Random) -> tuple[Raw, list[str]]:
    raw = Raw()
    world = World(api)  # a first program with a supervisor and a clinician
    supervisors = [world.supervisor["id"], api.post("/supervisors", {"display_name": "S2", "credential": "LCSW"})["id"]]
    programs = []
    for index in range(3):
        part2 = index == 0 or rng.random() < 0.4
        program = api.post("/programs", {"name": f"P{index}", "time_zone": "America/Chicago",
                                         "substance_use_program": part2})
        site = api.post(f"/programs/{program['id']}/sites", {"name": "s", "place_of_service": "53"})
        raw.part2[program["id"]] = part2
        peers = []
        for _ in range(2):
            supervisor = rng.choice(supervisors)
            peers.append(world.peer(program_id=program["id"], supervisor_id=supervisor)["id"])
            raw.supervisor_of[peers[-1]] = supervisor
        programs.append((program["id"], site["id"], peers))
    participants = []
    for _ in range(4):
        person = world.participant(enroll=False)["id"]
        participants.append(person)
        for program, site, peers in rng.sample(programs, rng.randint(1, 3)):
            api.post(f"/participants/{person}/consents", {"program_id": program, "kind": "program", "granted": True,
                                                          "effective_at": "2026-01-01T00:00:00Z"})
            enrollment = api.post("/enrollments", {"participant_id": person, "program_id": program, "site_id": site,
                                                   "enrolled_on": "2026-01-02", "clinician_id": world.clinician["id"]})
            peer = rng.choice(peers)
            api.put(f"/enrollments/{enrollment['id']}/peer", {"peer_id": peer})
            active = rng.random() < 0.8
            raw.enrollments.append((person, program, peer, active))
            note = api.on_behalf(peer).post(f"/participants/{person}/contacts", {
                "program_id": program, "modality": "phone", "place_of_service": "02",
                "started_at": (NOW - timedelta(days=3)).isoformat(),
                "ended_at": (NOW - timedelta(days=3, minutes=-30)).isoformat(), "face_to_face_minutes": 30,
                "note": "n"})
            raw.notes[note["id"]] = (person, program)
            if not active:
                api.post(f"/enrollments/{enrollment['id']}/end", {"ended_on": "2026-03-01", "reason": "completed"},
                         expect=200)
            if raw.part2[program] and rng.random() < 0.8:
                _consent(api, rng, raw, person, program, [p for p, _, _ in programs if p != program])
    return raw, participants


def _consent(api: Api, rng: random.Random, raw: Raw, person: str, program: str, others: list[str]) -> None:
    granted = rng.random() < 0.7
    recipients = rng.sample(others, rng.randint(1, len(others))) if granted else []
    shape = rng.choice(["in_force", "expired", "future"]) if granted else "in_force"
    effective = NOW + timedelta(days=2) if shape == "future" else NOW - timedelta(days=10)
    expires = NOW - timedelta(days=1) if shape == "expired" else None
    api.post(f"/participants/{person}/consents", {
        "program_id": program, "kind": "part2_disclosure", "granted": granted, "recipient_program_ids": recipients,
        "effective_at": effective.isoformat(), **({"expires_at": expires.isoformat()} if expires else {})})
    if shape != "future":  # a consent not yet in force leaves the one before it (if any) in force
        raw.consents[(person, program)] = (granted, recipients, shape == "in_force")


def callers(raw: Raw, rng: random.Random) -> list[tuple[Role, str, frozenset[str]]]:
    programs = sorted(raw.part2)
    peers = sorted(raw.supervisor_of)
    some = lambda: frozenset(rng.sample(programs, rng.randint(1, len(programs))))  # noqa: E731
    found = [(Role.PROGRAM_ADMIN, "admin-x", frozenset()), (Role.PROGRAM_ADMIN, "admin-y", some())]
    found += [(Role.CLINICIAN, "clin-x", some()) for _ in range(2)]
    found += [(Role.SUPERVISOR, supervisor, some()) for supervisor in sorted(set(raw.supervisor_of.values()))]
    found += [(Role.PEER, peer, frozenset()) for peer in peers]
    return found


@pytest.mark.parametrize("seed", range(10))
def test_any_caller_sees_exactly_the_notes_the_rule_allows(api, seed):
    rng = random.Random(seed)
    raw, participants = build(api, rng)
    checked = 0
    for caller in callers(raw, rng):
        role, user, programs = caller
        as_caller = api.as_user(user, role, programs=sorted(programs) or None)
        seen = set()
        for person in participants:
            response = as_caller.client.get(f"/participants/{person}/contacts", headers=as_caller.headers)
            assert response.status_code in (200, 404), response.text
            seen |= {note["id"] for note in response.json()} if response.status_code == 200 else set()
        expected = {note for note, (person, program) in raw.notes.items() if allowed(caller, raw, person, program)}
        assert seen == expected, (caller, seen ^ expected)
        checked += len(raw.notes)
    assert checked > 0


@pytest.mark.parametrize("seed", range(5))
def test_any_caller_lists_exactly_the_participants_they_work_with_now(api, seed):
    """The participant list holds the active enrollments the caller works through; a Part 2
    disclosure consent opens records, never this list."""
    rng = random.Random(seed)
    raw, participants = build(api, rng)
    for caller in callers(raw, rng):
        role, user, programs = caller
        as_caller = api.as_user(user, role, programs=sorted(programs) or None)
        listed = {p["id"] for p in as_caller.get("/participants", params={"limit": 500})}
        expected = {person for person, program, _, active in raw.enrollments
                    if active and works(caller, raw, person, program)}
        assert listed == expected, (caller, listed ^ expected)
