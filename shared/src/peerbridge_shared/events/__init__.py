"""The event catalog: one Pydantic model per CloudEvents type, and the Kafka envelope."""

from . import access, care, escalation, outcomes, safety, scheduling
from .base import EVENT_TYPES, Event, UtcDatetime, event_type
from .envelope import Envelope, InvalidEvent, decode, encode, new_envelope, utc_now

__all__ = [
    "EVENT_TYPES",
    "Envelope",
    "Event",
    "InvalidEvent",
    "UtcDatetime",
    "access",
    "care",
    "decode",
    "encode",
    "escalation",
    "event_type",
    "new_envelope",
    "outcomes",
    "safety",
    "scheduling",
    "utc_now",
]
