"""The organization before the first participant arrives: programs and sites, supervisors,
clinicians with a verified way to page them, peers with their training, each program's clinical
supervisor and medical director, and an on-call roster that covers today."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .answers import name
from .model import Peer, Program
from .tokens import User

if TYPE_CHECKING:
    from .simulation import Simulation

LICENSES = ["LCSW", "LPC", "PMHNP", "PsyD", "LMFT"]
SITES = ["Downtown Community Mental Health Center", "Eastside Recovery Center", "Northside Wellness Hub"]


def split(total: int, shares: list[float]) -> list[int]:
    """``total`` split by ``shares`` (largest remainder), every part at least 1 when possible."""
    raw = [total * share / sum(shares) for share in shares]
    parts = [math.floor(value) for value in raw]
    for index in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[:total - sum(parts)]:
        parts[index] += 1
    return parts


def set_up(sim: Simulation) -> None:
    scenario, gateway, rng = sim.scenario, sim.gateway, sim.rng
    admin = sim.admin
    sizes = split(sim.config.participants, [spec.share for spec in scenario.programs])
    director = _clinician(sim, admin, "MD", "NC", medical_director=True)
    for spec, size in zip(scenario.programs, sizes, strict=True):
        if size == 0:
            continue
        created = gateway.post(admin, "/programs", {
            "name": f"{spec.name} ({sim.run_id})", "time_zone": spec.time_zone, "payer_ids": list(spec.payer_ids),
            "auto_no_show": False})  # attendance is documented by the facilitator after each session
        program = Program(spec, created["id"], spec.name, ZoneInfo(spec.time_zone),
                          User(f"coordinator-{created['id'][:8]}", ("program_admin",)))
        sim.programs.append(program)
        sim.sizes[program.id] = size
        for site in SITES[:scenario.sites_per_program]:
            program.sites.append(gateway.post(admin, f"/programs/{program.id}/sites",
                                              {"name": site, "place_of_service": "53"})["id"])
        peers = max(1, math.ceil(size / scenario.caseload))
        for _ in range(math.ceil(peers / scenario.peers_per_supervisor)):
            program.supervisors.append(gateway.post(admin, "/supervisors", {
                "display_name": " ".join(name(rng)), "credential": "LCSW",
                "max_peers": scenario.peers_per_supervisor})["id"])
        for _ in range(max(2, math.ceil(size / scenario.participants_per_clinician))):
            program.clinicians.append(_clinician(sim, admin, rng.choice(LICENSES), spec.jurisdiction))
        for index in range(peers):
            _peer(sim, program, index)
        gateway.put(admin, f"/programs/{program.id}/escalation-contacts",
                    {"supervisor_id": program.clinicians[0], "medical_director_id": director})
        _roster(sim, program)
        sim.count("programs")


def _clinician(sim: Simulation, admin: User, license_type: str, jurisdiction: str,
               medical_director: bool = False) -> str:
    first, last = name(sim.rng)
    clinician = sim.gateway.post(admin, "/clinicians", {
        "display_name": f"{first} {last}", "license_type": license_type,
        "license_number": f"{jurisdiction}-{sim.rng.randint(10000, 99999)}", "jurisdiction": jurisdiction,
        "medical_director": medical_director})["id"]
    [contact] = sim.gateway.put(admin, f"/clinicians/{clinician}/contacts", [
        {"channel": "webhook", "address": sim.pager.address(clinician), "priority": 0}])
    if not contact["verified"]:  # the pager echoes the platform's challenge at once
        sim.problem(f"clinician {clinician}'s pager was not verified: {contact.get('verification_error')}")
    sim.count("clinicians")
    return clinician


def _peer(sim: Simulation, program: Program, index: int) -> None:
    rng, scenario, today = sim.rng, sim.scenario, datetime.now(UTC).date()
    bilingual = index == 0 or rng.random() < scenario.bilingual_peers  # every program has a Spanish speaker
    newly_certified = index > 0 and rng.random() < 0.2
    certified_on = today - timedelta(days=rng.randint(90, 330) if newly_certified else rng.randint(400, 3000))
    first, last = name(rng)
    body = {
        "program_id": program.id, "display_name": f"{first} {last}",
        "credential_type": "Certified Peer Support Specialist",
        "credential_number": f"CPSS-{rng.randint(100000, 999999)}",
        "credential_expires_on": (today + timedelta(days=rng.randint(120, 730))).isoformat(),
        "certified_on": certified_on.isoformat(), "languages": ["en", "es"] if bilingual else ["en"],
        "tags": rng.sample(scenario.preference_tags, rng.randint(1, 3)),
        "supervisor_id": program.supervisors[index // scenario.peers_per_supervisor],
        "mentor_id": program.peers[0].id if newly_certified else None,
    }
    peer_id = sim.gateway.post(sim.admin, "/peers", body)["id"]
    sim.gateway.post(sim.admin, f"/peers/{peer_id}/training", {
        "course": "Peer support specialist certification training", "hours": 40,
        "completed_on": (certified_on - timedelta(days=30)).isoformat()})
    program.peers.append(Peer(peer_id, program, body["display_name"], body["languages"], body["supervisor_id"],
                              group_weekday=index % 4, user=User(peer_id, ("peer",))))
    sim.count("peers")


def _roster(sim: Simulation, program: Program) -> None:
    """One layer, the program's clinicians in weekly rotation (8 am handoff), from yesterday for 60 days."""
    today = datetime.now(program.zone).date()
    sim.gateway.post(sim.admin, "/rosters", {
        "program_id": program.id, "time_zone": program.spec.time_zone,
        "effective_from": (today - timedelta(days=1)).isoformat(),
        "effective_until": (today + timedelta(days=60)).isoformat(),
        "layers": [{"name": "primary", "members": program.clinicians,
                    "starts_on": (today - timedelta(days=2)).isoformat(), "handoff": "08:00", "shift_days": 7}]})
    sim.count("rosters")
