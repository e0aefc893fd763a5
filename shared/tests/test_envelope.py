"""CloudEvents binary-mode envelope: every type encodes and decodes to itself; bad records say why."""

import json

import pytest

from peerbridge_shared.events import EVENT_TYPES, InvalidEvent, decode, encode, new_envelope
from peerbridge_shared.topics import topic_for

from .samples import T0, all_samples


def _envelope(data):
    return new_envelope(data, tenant="org-a", source="/peerbridge/tests", subject=topic_for(data).key_of(data))


def test_samples_cover_every_event_type():
    assert {type(s).type_name for s in all_samples()} == set(EVENT_TYPES)


@pytest.mark.parametrize("data", all_samples(), ids=lambda d: type(d).__name__)
def test_every_type_round_trips_through_a_kafka_record(data):
    envelope = _envelope(data)
    key, value, headers = encode(envelope)
    names = dict(headers)
    for attribute in ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "ce_tenant"):
        assert names[attribute], attribute
    assert names["ce_type"].decode() == type(data).type_name
    decoded = decode(key, value, headers)
    assert decoded.data == data
    assert (decoded.id, decoded.tenant, decoded.subject) == (envelope.id, "org-a", key.decode())


def _record(**changes):
    data = all_samples()[0]
    key, value, headers = encode(_envelope(data))
    header_map = dict(headers)
    header_map.update({k: v for k, v in changes.items() if k.startswith("ce_") and v is not None})
    for k, v in changes.items():
        if v is None:
            header_map.pop(k)
    return changes.get("key", key), changes.get("value", value), list(header_map.items())


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"ce_type": None}, "header ce_type: required"),
        ({"ce_tenant": None}, "header ce_tenant: required"),
        ({"ce_type": b"org.peerbridge.nope.v1"}, "unknown event type"),
        ({"ce_specversion": b"0.3"}, "header ce_specversion"),
        ({"ce_time": b"yesterday"}, "header ce_time"),
        ({"ce_time": b"2026-03-08T09:30:00"}, "no UTC offset"),
        ({"value": b"{not json"}, "value: not JSON"),
        ({"key": b"someone-else"}, "record key"),
    ],
)
def test_malformed_records_are_refused_with_the_reason(changes, reason):
    with pytest.raises(InvalidEvent) as caught:
        decode(*_record(**changes))
    assert reason in caught.value.reason


def test_a_payload_that_breaks_the_model_names_the_field():
    key, value, headers = _record()
    payload = json.loads(value)
    del payload["program_id"]
    payload["enrolled_on"] = "not a date"
    with pytest.raises(InvalidEvent) as caught:
        decode(key, json.dumps(payload).encode(), headers)
    assert caught.value.reason.startswith(("data.program_id", "data.enrolled_on"))


def test_naive_datetimes_are_refused_and_aware_ones_normalised_to_utc():
    from datetime import datetime, timedelta, timezone

    from peerbridge_shared.events.scheduling import ConsentChanged

    with pytest.raises(ValueError):
        ConsentChanged(participant_id="p", program_id="x", consent="program", granted=True,
                       effective_at=datetime(2026, 3, 8, 9, 30))
    eastern = timezone(timedelta(hours=-5))
    changed = ConsentChanged(participant_id="p", program_id="x", consent="program", granted=True,
                             effective_at=T0.astimezone(eastern))
    assert changed.effective_at.utcoffset() == timedelta(0) and changed.effective_at == T0


def test_consumers_ignore_fields_added_later_in_the_same_version():
    key, value, headers = _record()
    payload = json.loads(value) | {"added_in_a_later_release": 1}
    assert decode(key, json.dumps(payload).encode(), headers).data == all_samples()[0]
