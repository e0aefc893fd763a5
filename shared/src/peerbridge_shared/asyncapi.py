"""An AsyncAPI 3.0 document of PeerBridge's events, generated from the topic registry and the event
models (like docs/events.md): every Kafka topic as a channel with its messages (CloudEvents headers,
the record key, the payload's JSON Schema), the platform's send operations, and the gateway's
real-time case stream (WebSocket ``/v1/events/ws`` and Server-Sent Events ``/v1/events``).

``python -m peerbridge_shared.asyncapi > docs/asyncapi.json`` (``make docs``); a test fails when
the file and the code disagree.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .events import Event
from .topics import DAY_MS, TOPICS, Topic

REF = "#/components/schemas/{model}"
CLOUDEVENTS_HEADERS = {
    "type": "object",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_tenant"],
    "properties": {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {"type": "string", "format": "uuid", "description": "event id; consumers drop duplicates by it"},
        "ce_source": {"type": "string", "examples": ["/peerbridge/scheduling"]},
        "ce_type": {"type": "string", "description": "the message's event type"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string", "description": "the record key"},
        "ce_tenant": {"type": "string", "description": "organization (tenant) id"},
        "traceparent": {"type": "string", "description": "W3C trace context"},
        "content-type": {"type": "string", "const": "application/json"},
    },
}
STREAM_ITEM = {
    "type": "object", "required": ["kind"],
    "properties": {
        "kind": {"type": "string", "enum": ["event", "reset", "unavailable"],
                 "description": "event: a case event; reset: resume point lost, reload; unavailable: retry later"},
        "id": {"type": "string", "description": "resume point (last_event_id, or SSE Last-Event-ID)"},
        "name": {"type": "string", "examples": ["case.opened"]},
        "event": {"type": "object", "additionalProperties": True, "description": "the case event as JSON"},
        "detail": {"type": "string"},
    },
}


def _message_name(event: type[Event]) -> str:
    return event.__name__


def _schemas(events: list[type[Event]]) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for event in events:
        schema = event.model_json_schema(ref_template=REF)
        schemas.update(schema.pop("$defs", {}))
        schemas[event.__name__] = schema
    return dict(sorted(schemas.items()))


def _channel(topic: Topic) -> dict[str, Any]:
    config: dict[str, Any] = {"cleanup.policy": ["compact"] if topic.compacted else ["delete"]}
    if not topic.compacted:
        config["retention.ms"] = topic.retention_days * DAY_MS if topic.retention_days else -1
    return {
        "address": topic.name, "title": topic.name, "description": topic.description or topic.name,
        "servers": [{"$ref": "#/servers/kafka"}],
        "messages": {_message_name(e): {"$ref": f"#/components/messages/{_message_name(e)}"}
                     for e in topic.value_types},
        "bindings": {"kafka": {"topic": topic.name, "partitions": topic.partitions, "topicConfiguration": config,
                               "bindingVersion": "0.5.0"}},
    }


def _channel_id(topic: Topic) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", topic.name.removeprefix("peerbridge.")).strip("-")


def render_document() -> dict[str, Any]:
    events = sorted({e for topic in TOPICS for e in topic.value_types}, key=lambda e: e.__name__)
    messages = {
        _message_name(event): {
            "name": event.type_name, "title": event.__name__, "summary": event.summary,
            "contentType": "application/json", "headers": {"$ref": "#/components/schemas/CloudEventsHeaders"},
            "payload": {"$ref": f"#/components/schemas/{event.__name__}"},
            "bindings": {"kafka": {"key": {"type": "string", "description": "the ce_subject (ordering key)"},
                                   "bindingVersion": "0.5.0"}},
        } for event in events}
    messages["StreamItem"] = {"name": "stream-item", "title": "Real-time stream item",
                              "summary": "A case event, a reset or an outage notice, in the caller's scope",
                              "contentType": "application/json", "payload": {"$ref": "#/components/schemas/StreamItem"}}
    channels = {_channel_id(topic): _channel(topic) for topic in TOPICS}
    channels["realtime-ws"] = {"address": "/v1/events/ws", "servers": [{"$ref": "#/servers/gateway-ws"}],
                               "description": "Case events for the caller's scope; token in the "
                                              "Authorization header or ?access_token=; resume with ?last_event_id=",
                               "messages": {"StreamItem": {"$ref": "#/components/messages/StreamItem"}}}
    channels["realtime-sse"] = {"address": "/v1/events", "servers": [{"$ref": "#/servers/gateway-sse"}],
                                "description": "The same items as Server-Sent Events (text/event-stream): id, "
                                               "event (the case event name), data; resume with Last-Event-ID",
                                "messages": {"StreamItem": {"$ref": "#/components/messages/StreamItem"}}}
    operations = {f"send-{cid}": {"action": "send", "channel": {"$ref": f"#/channels/{cid}"},
                                  "summary": f"PeerBridge publishes to {channel['address']}",
                                  "messages": [{"$ref": f"#/channels/{cid}/messages/{name}"}
                                               for name in channel["messages"]]}
                  for cid, channel in channels.items()}
    schemas = {**_schemas(events), "CloudEventsHeaders": CLOUDEVENTS_HEADERS, "StreamItem": STREAM_ITEM}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "PeerBridge events", "version": "1",
                 "description": "Generated from the topic registry and the event models (make docs); see "
                                "docs/events.md. Every topic also has a dead-letter topic <topic>.dlq."},
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {"host": "kafka:9092", "protocol": "kafka", "description": "the platform's Kafka cluster"},
            "gateway-ws": {"host": "api.peerbridge.example", "protocol": "wss", "description": "the public gateway"},
            "gateway-sse": {"host": "api.peerbridge.example", "protocol": "https",
                            "description": "the public gateway"},
        },
        "channels": channels, "operations": operations,
        "components": {"messages": messages, "schemas": dict(sorted(schemas.items()))},
    }


def render() -> str:
    return json.dumps(render_document(), indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
