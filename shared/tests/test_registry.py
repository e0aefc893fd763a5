"""The topic registry, the event models and docs/events.md agree."""

from collections import Counter
from pathlib import Path

from peerbridge_shared import catalog_docs
from peerbridge_shared.events import EVENT_TYPES
from peerbridge_shared.topics import TOPICS, topic_for

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def test_every_event_type_is_on_exactly_one_topic():
    placements = Counter(model for topic in TOPICS for model in topic.value_types)
    assert set(placements) == set(EVENT_TYPES.values())
    assert all(count == 1 for count in placements.values()), placements


def test_every_type_on_a_topic_carries_its_key_as_a_required_field():
    for topic in TOPICS:
        for model in topic.value_types:
            field = model.model_fields.get(topic.key_field)
            assert field is not None and field.is_required(), f"{model.__name__} lacks {topic.key_field}"
            assert topic_for(model) is topic


def test_type_names_and_topic_names_are_versioned_and_unique():
    for type_name in EVENT_TYPES:
        assert type_name.startswith("org.peerbridge.") and type_name.rsplit(".", 1)[1].startswith("v")
    names = [t.name for t in TOPICS] + [t.dead_letter for t in TOPICS]
    assert len(names) == len(set(names))
    assert all(t.name.rsplit(".", 1)[1].startswith("v") for t in TOPICS)


def test_participant_keyed_topics_are_co_partitioned():
    counts = {t.partitions for t in TOPICS if t.key_field == "participant_id"}
    assert len(counts) == 1, "Faust tables keyed by participant need equal partition counts"


def test_docs_events_md_matches_the_registry_and_models():
    assert DOCS.read_text() == catalog_docs.render(), "docs/events.md is stale: run `make docs`"


def test_docs_name_every_type_and_topic():
    text = DOCS.read_text()
    assert all(f"### {name}" in text for name in EVENT_TYPES)
    assert all(f"`{topic.name}`" in text and f"`{topic.dead_letter}`" in text for topic in TOPICS)
