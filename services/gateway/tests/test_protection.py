"""Rate limits (429 + Retry-After) per user and per address across replicas, idempotent POSTs,
ETags and conditional updates, and the PHI access audit on the real Kafka topic."""

from __future__ import annotations

import asyncio
import subprocess
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import Response
from fastapi.testclient import TestClient

from peerbridge_gateway.app import create_app
from peerbridge_gateway.idempotency import IdempotencyKeys
from peerbridge_gateway.redis_clients import async_redis_client
from peerbridge_shared.events import decode
from peerbridge_shared.identity import Identity, Role
from peerbridge_shared.testing.kafka_reader import KafkaReader
from peerbridge_shared.testing.servers import free_port
from peerbridge_shared.topics import PHI_ACCESS
from peerbridge_shared.web import PROBLEM_JSON

from .world import build_world


def test_each_user_has_a_limit_shared_by_every_replica_and_an_address_only_for_callers_without_a_token(
        gateway_settings, token, tenant):
    settings = gateway_settings.model_copy(update={"rate_limit_per_token": 3, "rate_limit_per_ip": 5})
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        alice = token(tenant, "peer", user="alice")
        assert [c.get("/v1/me", headers=alice).status_code for c in (one, two, one)] == [200, 200, 200]
        limited = two.get("/v1/me", headers=alice)
        assert limited.status_code == 429 and limited.headers["content-type"] == PROBLEM_JSON
        assert 1 <= int(limited.headers["retry-after"]) <= settings.rate_limit_window_s
        assert limited.json()["errors"][0]["rule"] == "rate_limit_user"
        # a clinic behind one NAT address: each user keeps their own budget (12 requests, one address)
        for user in ("bob", "carol", "dave"):
            assert [one.get("/v1/me", headers=token(tenant, "peer", user=user)).status_code
                    for _ in range(3)] == [200, 200, 200]
        # without a valid token, the address is all that is known: 5 tries, then 429
        bad = {"Authorization": "Bearer not-a-token"}
        assert [one.get("/v1/me", headers=bad).status_code for _ in range(3)] == [401] * 3
        assert [one.get("/v1/me").status_code for _ in range(2)] == [401, 401]
        by_address = one.get("/v1/me")
        assert by_address.status_code == 429 and by_address.json()["errors"][0]["rule"] == "rate_limit_address"
        assert one.get("/v1/me", headers=token(tenant, "peer", user="erin")).status_code == 200
        assert one.get("/healthz").status_code == 200


def test_a_post_with_an_idempotency_key_runs_once(gateway, token, tenant):
    admin = token(tenant, "program_admin")
    key = {"Idempotency-Key": uuid.uuid4().hex}
    body = {"name": "Bridges", "time_zone": "America/New_York"}
    first = gateway.post("/v1/programs", json=body, headers={**admin, **key})
    again = gateway.post("/v1/programs", json=body, headers={**admin, **key})
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again.headers["idempotent-replayed"] == "true"
    assert len(gateway.get("/v1/programs", headers=admin).json()) == 1
    changed = gateway.post("/v1/programs", json={**body, "name": "Other"}, headers={**admin, **key})
    assert changed.status_code == 422 and changed.json()["errors"][0]["rule"] == "same_request"
    someone_else = gateway.post("/v1/programs", json=body, headers={**token(tenant, "program_admin", user="x"), **key})
    assert someone_else.status_code == 201 and someone_else.json()["id"] != first.json()["id"]
    invalid = gateway.post("/v1/programs", json={"name": ""}, headers={**admin, "Idempotency-Key": "k-1"})
    assert invalid.status_code == 422
    fixed = gateway.post("/v1/programs", json={"name": ""}, headers={**admin, "Idempotency-Key": "k-1"})
    assert fixed.status_code == 422  # a kept 4xx answer is replayed too


def test_an_answer_waits_for_a_restarting_redis_to_keep_it_then_replays(gateway_settings, tmp_path):
    """The service has answered; Redis is down (restarting) when the gateway keeps the answer. It
    waits for Redis instead of failing a write that was done, and a retry replays the answer."""
    port = free_port()
    settings = gateway_settings.model_copy(update={"idempotency_store_wait_s": 15})
    caller = Identity("org-x", "user-1", frozenset({Role.PROGRAM_ADMIN}))

    async def scenario() -> Response | None:
        keys = IdempotencyKeys(async_redis_client(f"redis://127.0.0.1:{port}", timeout_s=1), settings)
        answer = Response(b'{"id": "case-1"}', status_code=200, media_type="application/json")
        await keys.finish(caller, "key-1", "print", answer)  # Redis starts 1 s into the wait
        return await keys.begin(caller, "key-1", "print")

    later = threading.Timer(1.0, lambda: servers.append(subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL)))
    servers: list[subprocess.Popen] = []
    later.start()
    try:
        replay = asyncio.run(scenario())
    finally:
        later.join()
        for server in servers:
            server.terminate()
            server.wait(10)
    assert replay is not None and replay.body == b'{"id": "case-1"}'
    assert replay.headers["idempotent-replayed"] == "true"


def test_etags_answer_304_and_a_stale_if_match_is_412(gateway, token, tenant, escalation_db):
    admin = token(tenant, "program_admin")
    world = build_world(gateway, admin, tenant, escalation_db)
    url = f"/v1/programs/{world.mine.id}/escalation-policy"
    read = gateway.get(url, headers=admin)
    etag = read.headers["etag"]
    assert gateway.get(url, headers={**admin, "If-None-Match": etag}).status_code == 304
    changed = gateway.put(url, json=read.json(), headers={**admin, "If-Match": etag})
    assert changed.status_code == 200, changed.text
    new_etag = changed.headers["etag"]
    assert gateway.get(url, headers=admin).headers["etag"] == new_etag
    enrollment = f"/v1/enrollments/{world.mine.enrollment_id}"
    before = gateway.get(enrollment, headers=admin).headers["etag"]
    assign = f"{enrollment}/peer"
    assert gateway.put(assign, json={"peer_id": world.mine.peer_id}, headers={**admin, "If-Match": before}
                       ).status_code == 200
    stale = gateway.put(assign, json={"peer_id": world.mine.peer_id}, headers={**admin, "If-Match": '"stale"'})
    assert stale.status_code == 412 and stale.headers["etag"] == gateway.get(enrollment, headers=admin).headers["etag"]


def test_every_phi_read_is_recorded_before_the_data_is_returned(gateway, token, tenant, escalation_db,
                                                               kafka_settings):
    world = build_world(gateway, token(tenant, "program_admin"), tenant, escalation_db)
    reader = KafkaReader(kafka_settings, [PHI_ACCESS.name])
    peer = token(tenant, "peer", user=world.mine.peer_id)
    read = gateway.get(f"/v1/participants/{world.mine.participant_id}", headers={**peer, "X-Request-ID": "r-42"})
    assert read.status_code == 200
    clinician = token(tenant, "clinician", user=world.clinician_id, programs=[world.mine.id])
    assert gateway.get("/v1/cases", headers={**clinician, "X-Purpose-Of-Use": "ETREAT"}).status_code == 200
    assert gateway.get("/v1/programs", headers=peer).status_code == 200  # not participant-level: not recorded
    mine = []
    deadline = time.monotonic() + 20
    while len(mine) < 2 and time.monotonic() < deadline:
        mine += [e for r in reader.read(1, timeout_s=1) if (e := decode(r.key, r.value, r.headers)).tenant == tenant]
    mine.sort(key=lambda e: e.data.route, reverse=True)  # keyed by user: two users' events may come in any order
    assert [(e.data.actor_id, e.data.route, e.data.purpose.value) for e in mine] == [
        (world.mine.peer_id, "/v1/participants/{participant_id}", "TREAT"),
        (world.clinician_id, "/v1/cases", "ETREAT")]
    assert mine[0].data.participant_ids == [world.mine.participant_id] and mine[0].data.request_id == "r-42"
    assert mine[1].data.participant_ids == [world.mine.participant_id]  # the cases it listed
    assert "Rivera" not in str([e.data.model_dump() for e in mine])
    assert gateway.get("/v1/cases", headers={**clinician, "X-Purpose-Of-Use": "CURIOSITY"}).status_code == 422
    reader.close()


def test_a_participant_listing_records_every_participant_it_names(gateway, token, tenant, escalation_db,
                                                                   kafka_settings):
    world = build_world(gateway, token(tenant, "program_admin"), tenant, escalation_db)
    reader = KafkaReader(kafka_settings, [PHI_ACCESS.name])
    admin = token(tenant, "program_admin")
    listed = gateway.get("/v1/participants", params={"program_id": world.mine.id}, headers=admin)
    assert listed.status_code == 200 and listed.json()
    recorded = []
    deadline = time.monotonic() + 20
    while not recorded and time.monotonic() < deadline:
        events = [decode(r.key, r.value, r.headers) for r in reader.read(1, timeout_s=1)]
        recorded += [e for e in events if e.tenant == tenant and e.data.route == "/v1/participants"]
    reader.close()
    assert recorded[0].data.participant_ids == sorted(p["id"] for p in listed.json())
    assert recorded[0].data.purpose.value == "HOPERAT"


def test_no_record_no_data(gateway_settings, token, tenant, escalation_db):
    with TestClient(create_app(gateway_settings)) as client:
        world = build_world(client, token(tenant, "program_admin"), tenant, escalation_db)
        client.app.state.gateway.audit.producer.close(timeout=1)  # Kafka out of reach for the audit
        withheld = client.get(f"/v1/participants/{world.mine.participant_id}", headers=token(tenant, "program_admin"))
        assert withheld.status_code == 503 and "Rivera" not in withheld.text
        assert withheld.json()["errors"][0]["rule"] == "audit_unavailable"


def test_a_write_whose_audit_failed_is_not_done_twice_and_its_retry_is_audited(gateway_settings, token, tenant,
                                                                               escalation_db):
    with TestClient(create_app(gateway_settings)) as client:
        admin = token(tenant, "program_admin")
        world = build_world(client, admin, tenant, escalation_db)
        mine = world.mine
        starts = datetime(2027, 2, 3, 15, 0, tzinfo=UTC)
        booking = {"program_id": mine.id, "site_id": mine.site_id, "kind": "one_to_one", "modality": "in_person",
                   "peer_ids": [mine.peer_id], "participant_ids": [mine.participant_id],
                   "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(minutes=50)).isoformat()}
        key = {**admin, "Idempotency-Key": uuid.uuid4().hex}
        audit = client.app.state.gateway.audit
        audit.producer.close(timeout=1)  # Kafka out of reach for the audit: the booking is made, not disclosed
        withheld = client.post("/v1/sessions", json=booking, headers=key)
        assert withheld.status_code == 503 and withheld.json()["errors"][0]["rule"] == "audit_unavailable"
        audit._producer = None  # Kafka back
        reader = KafkaReader(gateway_settings.kafka, [PHI_ACCESS.name])
        retried = client.post("/v1/sessions", json=booking, headers=key)
        assert retried.status_code == 201 and retried.headers["idempotent-replayed"] == "true"
        booked = client.get("/v1/sessions", params={"program_id": mine.id, "starts_from": starts.isoformat()},
                            headers=admin).json()
        assert [session["id"] for session in booked] == [retried.json()["id"]]  # booked once, not a 409
        recorded = [decode(r.key, r.value, r.headers).data for r in reader.read(20, timeout_s=5)]
        reader.close()
        assert any(e.route == "/v1/sessions" and e.method == "POST" and e.participant_ids == [mine.participant_id]
                   for e in recorded)


@pytest.mark.parametrize("header", ["", "x" * 256, "bad key"])
def test_a_malformed_idempotency_key_is_refused(gateway, token, tenant, header):
    response = gateway.post("/v1/programs", json={"name": "p", "time_zone": "UTC"},
                            headers={**token(tenant, "program_admin"), "Idempotency-Key": header})
    assert response.status_code == 422
