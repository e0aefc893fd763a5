"""Who acted comes from the token: a caller naming someone else in an actor field is refused with a
403 problem naming the field; a program admin records for someone else only with X-On-Behalf-Of,
and the audit keeps both identities; only the note's peer signs, only the peer's supervisor co-signs."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from peerbridge_shared.events import decode
from peerbridge_shared.testing.kafka_reader import KafkaReader
from peerbridge_shared.topics import PHI_ACCESS

from .world import build_world

MET = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def note(program_id: str, **extra) -> dict:
    return {"program_id": program_id, "modality": "phone", "place_of_service": "02", "started_at": MET.isoformat(),
            "ended_at": (MET + timedelta(minutes=30)).isoformat(), "face_to_face_minutes": 30,
            "note": "Checked in about the week.", **extra}


def refused(response, field: str) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["errors"][0]["field"] == field


def test_a_peer_documents_only_in_their_own_name_and_signs_only_their_own_notes(gateway, token, tenant,
                                                                              escalation_db):
    world = build_world(gateway, token(tenant, "program_admin"), tenant, escalation_db)
    mine, other = world.mine, world.other
    peer = token(tenant, "peer", user=mine.peer_id)
    forged = gateway.post(f"/v1/participants/{mine.participant_id}/contacts", headers=peer,
                          json=note(mine.id, peer_id=other.peer_id))
    refused(forged, "body.peer_id")
    written = gateway.post(f"/v1/participants/{mine.participant_id}/contacts", headers=peer, json=note(mine.id))
    assert written.status_code == 201 and written.json()["peer_id"] == mine.peer_id
    contact_id = written.json()["id"]
    assert gateway.post(f"/v1/contacts/{contact_id}/sign", headers=token(tenant, "peer", user=other.peer_id)
                        ).status_code == 404, "another peer does not even see the note"
    assert gateway.post(f"/v1/contacts/{contact_id}/sign", headers=token(tenant, "program_admin")
                        ).status_code == 403, "signatures are personal"
    signed = gateway.post(f"/v1/contacts/{contact_id}/sign", headers=peer)
    assert signed.status_code == 200 and signed.json()["signed_by"] == mine.peer_id


def test_only_the_peers_supervisor_cosigns_and_logs_supervision_that_counts(gateway, token, tenant,
                                                                           escalation_db):
    world = build_world(gateway, token(tenant, "program_admin"), tenant, escalation_db)
    admin = token(tenant, "program_admin")
    mine = world.mine
    stranger = gateway.post("/v1/supervisors", headers=admin, json={"display_name": "Ola", "credential": "LCSW"}
                            ).json()["id"]
    peer = token(tenant, "peer", user=mine.peer_id)
    contact_id = gateway.post(f"/v1/participants/{mine.participant_id}/contacts", headers=peer,
                              json=note(mine.id)).json()["id"]
    gateway.post(f"/v1/contacts/{contact_id}/sign", headers=peer)
    intruder = token(tenant, "supervisor", user=stranger, programs=[mine.id, world.other.id])
    as_real = gateway.post(f"/v1/contacts/{contact_id}/cosign", headers=intruder,
                           json={"supervisor_id": world.supervisor_id})
    assert as_real.status_code == 404 and "Checked in" not in as_real.text, "the intruder does not see the note"
    in_own_name = gateway.post(f"/v1/contacts/{contact_id}/cosign", headers=intruder, json={})
    assert in_own_name.status_code in (403, 404) and "Checked in" not in in_own_name.text

    before = gateway.get(f"/v1/peers/{mine.peer_id}/status", headers=admin).json()
    refused(gateway.post("/v1/supervision-logs", headers=intruder, json={
        "supervisor_id": world.supervisor_id, "peer_id": mine.peer_id, "held_on": "2026-03-01", "minutes": 60}),
        "body.supervisor_id")
    substitute = gateway.post("/v1/supervision-logs", headers=intruder, json={
        "peer_id": mine.peer_id, "held_on": datetime.now(UTC).date().isoformat(), "minutes": 60})
    assert substitute.status_code == 201 and substitute.json()["by_assigned_supervisor"] is False
    after = gateway.get(f"/v1/peers/{mine.peer_id}/status", headers=admin).json()
    assert after["supervision_current"] == before["supervision_current"] is False, \
        "a log by someone other than the peer's supervisor does not make them billable"

    supervisor = token(tenant, "supervisor", user=world.supervisor_id, programs=[mine.id])
    cosigned = gateway.post(f"/v1/contacts/{contact_id}/cosign", headers=supervisor, json={})
    assert cosigned.status_code == 200 and cosigned.json()["cosigned_by"] == world.supervisor_id


def test_only_a_program_admin_acts_on_behalf_and_the_audit_keeps_both(gateway, token, tenant, escalation_db,
                                                                     kafka_settings):
    world = build_world(gateway, token(tenant, "program_admin"), tenant, escalation_db)
    mine = world.mine
    peer = token(tenant, "peer", user=mine.peer_id)
    refused(gateway.post(f"/v1/participants/{mine.participant_id}/contacts", json=note(mine.id),
                         headers={**peer, "X-On-Behalf-Of": world.other.peer_id}), "header.x-on-behalf-of")
    admin = token(tenant, "program_admin", user="coordinator-1")
    refused(gateway.post(f"/v1/participants/{mine.participant_id}/contacts", json=note(mine.id, peer_id=mine.peer_id),
                         headers=admin), "body.peer_id")
    reader = KafkaReader(kafka_settings, [PHI_ACCESS.name])
    request_id = f"obo-{uuid.uuid4().hex[:8]}"
    written = gateway.post(f"/v1/participants/{mine.participant_id}/contacts", json=note(mine.id),
                           headers={**admin, "X-On-Behalf-Of": mine.peer_id, "X-Request-ID": request_id})
    assert written.status_code == 201, written.text
    assert written.json()["peer_id"] == mine.peer_id and written.json()["entered_by"] == "coordinator-1"
    found, deadline = [], time.monotonic() + 20
    while not found and time.monotonic() < deadline:
        found = [e for r in reader.read(1, timeout_s=1)
                 if (e := decode(r.key, r.value, r.headers)).tenant == tenant and e.data.request_id == request_id]
    reader.close()
    [event] = found
    assert (event.data.actor_id, event.data.on_behalf_of, event.data.method) == ("coordinator-1", mine.peer_id, "POST")
    assert event.data.participant_ids == [mine.participant_id]


def test_write_answers_carrying_participant_data_are_audited(gateway, token, tenant, escalation_db, kafka_settings):
    world = build_world(gateway, token(tenant, "program_admin"), tenant, escalation_db)
    mine = world.mine
    peer = token(tenant, "peer", user=mine.peer_id)
    reader = KafkaReader(kafka_settings, [PHI_ACCESS.name])
    contact_id = gateway.post(f"/v1/participants/{mine.participant_id}/contacts", headers=peer,
                              json=note(mine.id)).json()["id"]
    gateway.post(f"/v1/contacts/{contact_id}/sign", headers=peer)
    cosigned = gateway.post(f"/v1/contacts/{contact_id}/cosign", json={},
                            headers=token(tenant, "supervisor", user=world.supervisor_id, programs=[mine.id]))
    assert cosigned.status_code == 200
    routes, deadline = set(), time.monotonic() + 20
    while len(routes) < 3 and time.monotonic() < deadline:
        routes |= {e.data.route for r in reader.read(1, timeout_s=1)
                   if (e := decode(r.key, r.value, r.headers)).tenant == tenant}
    reader.close()
    assert routes >= {"/v1/participants/{participant_id}/contacts", "/v1/contacts/{contact_id}/sign",
                      "/v1/contacts/{contact_id}/cosign"}
