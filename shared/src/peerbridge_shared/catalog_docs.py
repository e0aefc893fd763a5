"""Renders docs/events.md from the topic registry and the event models.

``python -m peerbridge_shared.catalog_docs > docs/events.md``; a test fails when the file
and the code disagree.
"""

from __future__ import annotations

import re
import types
import typing
from enum import Enum

from pydantic import BaseModel

from .topics import DEAD_LETTER_RETENTION_DAYS, TOPICS, Topic

INTRO = """# Event catalog

Generated from the topic registry (`shared/src/peerbridge_shared/topics.py`) and the event
models (`shared/src/peerbridge_shared/events/`) by `make docs`; a test fails when this file
and the code disagree.

## Envelope

CloudEvents 1.0 in Kafka binary mode. The record value is the JSON payload; the attributes
are headers:

| header | meaning |
|---|---|
| `ce_specversion` | `1.0` |
| `ce_id` | event id (UUID); consumers drop duplicates by it |
| `ce_source` | producing service, e.g. `/peerbridge/scheduling` |
| `ce_type` | one of the types below, e.g. `org.peerbridge.scheduling.session.completed.v1` |
| `ce_time` | when it happened, RFC 3339, UTC |
| `ce_subject` | the record key: id of the aggregate that needs ordering |
| `ce_tenant` | organization (tenant) id |
| `traceparent`, `tracestate` | W3C trace context, so one trace spans producer and consumer |
| `content-type` | `application/json` |

Within a type only additive, optional fields may be added (consumers ignore unknown fields);
anything else is a new `.vN` type published beside the old one for a while.

## Dead letters

Every topic has a dead-letter topic (`<topic>.dlq`, kept {dlq_days} days). A record that is not a
valid event, or whose handler still fails after its retries, is copied there with its key, value
and headers plus `dlq_origin_topic`, `dlq_origin_partition`, `dlq_origin_offset`,
`dlq_consumer_group`, `dlq_reason`, `dlq_error_type`, `dlq_attempts` and `dlq_failed_at`;
the consumer then moves on.
"""


def type_label(annotation: object) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(type_label(arg) for arg in args)
    if origin is typing.Annotated:
        return type_label(args[0])
    if origin in (list, dict):
        return f"{origin.__name__}[{', '.join(type_label(a) for a in args)}]"
    if annotation is type(None):
        return "null"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return " \\| ".join(f"`{member.value}`" for member in annotation)
    name = getattr(annotation, "__name__", str(annotation))
    return {"AwareDatetime": "datetime (UTC)", "str": "string", "int": "integer", "float": "number",
            "bool": "boolean"}.get(name, name)


def _fields_table(model: type[BaseModel], prefix: str = "") -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        required = "yes" if field.is_required() else "no"
        rows.append(f"| `{prefix}{name}` | {type_label(field.annotation)} | {required} |")
        nested = [a for a in typing.get_args(field.annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        for sub in nested:
            rows.extend(_fields_table(sub, prefix=f"{prefix}{name}."))
    return rows


def _topic_row(topic: Topic) -> str:
    keep = "compacted" if topic.compacted else (
        f"{topic.retention_days} days" if topic.retention_days else "forever")
    types_ = ", ".join(f"[{m.__name__}](#{_anchor(m.type_name)})" for m in topic.value_types)
    return f"| `{topic.name}` | `{topic.key_field}` | {topic.partitions} | {keep} | `{topic.dead_letter}` | {types_} |"


def _anchor(type_name: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", type_name.lower()).replace(" ", "-")


def render() -> str:
    lines = [INTRO.format(dlq_days=DEAD_LETTER_RETENTION_DAYS).rstrip(), "", "## Topics", "",
             "| topic | key | partitions | kept | dead-letter topic | event types |", "|---|---|---|---|---|---|"]
    lines += [_topic_row(topic) for topic in TOPICS]
    for topic in TOPICS:
        lines += ["", f"## {topic.description.rstrip('.')}", "", f"Topic `{topic.name}`, keyed by `{topic.key_field}`."]
        for model in topic.value_types:
            lines += ["", f"### {model.type_name}", "", f"`{model.__name__}`: {model.summary}", "",
                      "| field | type | required |", "|---|---|---|", *_fields_table(model)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
