"""Case events reach the clinicians who may see them over WebSocket and SSE, through real Kafka,
the fan-out and Redis, on every gateway replica; a reconnect resumes from the last event id."""

from __future__ import annotations

import json
import uuid

import pytest
from redis import Redis
from websockets.exceptions import ConnectionClosed

from peerbridge_gateway.app import create_app
from peerbridge_gateway.fanout import Fanout
from peerbridge_gateway.realtime.streams import Keys

from .realtime_support import (
    case_escalated,
    case_opened,
    fanout_running,
    next_event,
    quiet,
    send,
    sse_events,
    stream_length,
    wait_for_stream,
    websocket,
)


@pytest.fixture(scope="module")
def live(gateway_settings_module, run_server, producer):
    settings = gateway_settings_module.model_copy(update={
        "events_heartbeat_s": 0.5, "fanout_group_id": f"gateway-fanout-test-{uuid.uuid4().hex[:8]}",
        "fanout_offset_reset": "latest"})
    redis = Redis.from_url(settings.redis_url)
    replicas = [run_server(create_app(settings)), run_server(create_app(settings))]
    with fanout_running(settings, producer, redis):
        yield settings, replicas, redis
    redis.close()


def test_each_replica_pushes_what_its_clients_may_see_and_a_reconnect_resumes(live, token, tenant, producer):
    settings, (first, second), redis = live
    mine = token(tenant, "clinician", user="clin-1", programs=["prog-a"])
    admin = token(tenant, "program_admin")
    stranger = token(f"org-other-{uuid.uuid4().hex[:6]}", "program_admin")
    with websocket(first, mine) as clinician_ws, websocket(second, admin) as admin_ws, \
            websocket(first, stranger) as stranger_ws:
        opened = case_opened(tenant, "prog-a")
        send(producer, case_opened(tenant, "prog-b"))  # not the clinician's program
        send(producer, opened)
        received = next_event(clinician_ws)
        assert received["name"] == "case.opened" and received["event"]["case_id"] == opened.data.case_id
        assert received["event"]["event_id"] == opened.id and "given_name" not in json.dumps(received)
        # order holds per case (Kafka partition), not across cases
        assert sorted(next_event(admin_ws)["event"]["program_id"] for _ in range(2)) == ["prog-a", "prog-b"]
        assert quiet(stranger_ws, 0.5) == []  # another organization's console hears nothing
        last_seen = received["id"]
    case_id = opened.data.case_id
    for level in (1, 2):
        send(producer, case_escalated(tenant, "prog-a", case_id, level))
    wait_for_stream(redis, settings, tenant, 4)
    with websocket(second, mine, last_event_id=last_seen) as resumed:
        levels = [next_event(resumed)["event"]["data"]["to_level"] for _ in range(2)]
        assert levels == [1, 2]
        assert quiet(resumed, 1.0) == []  # nothing twice, nothing from prog-b


def test_sse_streams_the_same_events_and_resumes_with_last_event_id(live, token, tenant, producer):
    settings, (first, _), redis = live
    clinician = token(tenant, "clinician", user="clin-1", programs=["prog-a"])
    case_id = str(uuid.uuid4())
    events = [case_opened(tenant, "prog-a", case_id) for _ in range(3)]  # one case: one partition, in order
    for envelope in events:
        send(producer, envelope)
    wait_for_stream(redis, settings, tenant, 3)
    [first_event, *_] = sse_events(first, clinician, 1, last_event_id="0-0")
    assert first_event["event"] == "case.opened"
    assert json.loads(first_event["data"])["event_id"] == events[0].id
    rest = sse_events(first, clinician, 2, last_event_id=first_event["id"])
    assert [json.loads(e["data"])["event_id"] for e in rest] == [events[1].id, events[2].id]


def test_a_redelivered_event_is_appended_once_and_a_trimmed_resume_point_says_reset(live, token, tenant):
    settings, (first, _), redis = live
    envelope = case_opened(tenant, "prog-a")
    fanout = Fanout(settings, redis)
    fanout.handle(envelope)
    fanout.handle(envelope)
    assert stream_length(redis, settings, tenant) == 1
    later = case_opened(tenant, "prog-a")
    fanout.handle(later)
    stream = Keys(settings.redis_prefix).stream(tenant)
    [(first_id, _)] = redis.xrange(stream, count=1)
    redis.xtrim(stream, maxlen=1, approximate=False)
    with websocket(first, token(tenant, "program_admin"), last_event_id="1-0") as ws:
        assert next_event(ws)["kind"] == "reset"
        assert next_event(ws)["event"]["event_id"] == later.id
    with websocket(first, token(tenant, "program_admin"), last_event_id=first_id.decode()) as ws:
        assert next_event(ws)["kind"] == "reset"


@pytest.mark.parametrize("role, code", [("peer", 4403), ("funder", 4403), (None, 4401)])
def test_only_clinical_roles_may_listen(live, token, tenant, role, code):
    _, (first, _), _ = live
    headers = token(tenant, role) if role else {}
    with pytest.raises(ConnectionClosed) as refused:  # the handshake succeeds, then the documented close code
        with websocket(first, headers) as ws:
            ws.recv(timeout=5)
    assert refused.value.rcvd.code == code
