"""docs/asyncapi.json is what the topic registry and the event models say today."""

import json
from pathlib import Path

from peerbridge_shared import asyncapi
from peerbridge_shared.topics import TOPICS

DOC = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.json"


def test_the_asyncapi_document_is_current():
    assert DOC.read_text() == asyncapi.render(), "docs/asyncapi.json is stale: run `make docs`"


def test_every_topic_and_event_type_is_a_channel_and_a_message_with_its_schema():
    document = json.loads(DOC.read_text())
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert {topic.name for topic in TOPICS} | {"/v1/events/ws", "/v1/events"} == addresses
    messages = document["components"]["messages"]
    for topic in TOPICS:
        for event in topic.value_types:
            message = messages[event.__name__]
            assert message["name"] == event.type_name
            schema = document["components"]["schemas"][event.__name__]
            assert set(event.model_fields) <= set(schema["properties"])
    refs = set()

    def collect(node):
        if isinstance(node, dict):
            refs.update(v for k, v in node.items() if k == "$ref")
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)
    collect(document)
    for ref in refs:
        node = document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]  # every reference resolves
