"""CloudEvents 1.0 in Kafka binary mode.

Attributes travel as ``ce_*`` headers (``ce_tenant`` is the organization, a CloudEvents
extension attribute), the W3C ``traceparent`` rides beside them, and the record value is
the JSON payload. The record key is the event's subject: the id of the aggregate that
needs ordering (participant, session, case...).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from opentelemetry import propagate
from pydantic import ValidationError

from .base import Event, event_type

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
Headers = list[tuple[str, bytes]]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class InvalidEvent(ValueError):
    """A record that is not a valid PeerBridge event; ``reason`` names the field and the rule."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Envelope:
    data: Event
    tenant: str
    source: str
    subject: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=utc_now)
    trace_headers: dict[str, str] = field(default_factory=dict)

    @property
    def type(self) -> str:
        return self.data.type_name


def new_envelope(
    data: Event, *, tenant: str, source: str, subject: str, clock: Clock = utc_now
) -> Envelope:
    """An envelope for ``data`` carrying the current trace context (if any)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return Envelope(
        data=data, tenant=tenant, source=source, subject=subject, time=clock(), trace_headers=carrier
    )


def encode(envelope: Envelope) -> tuple[bytes, bytes, Headers]:
    """(key, value, headers) for a Kafka record."""
    attributes = {
        "ce_specversion": SPEC_VERSION,
        "ce_id": envelope.id,
        "ce_source": envelope.source,
        "ce_type": envelope.type,
        "ce_time": envelope.time.astimezone(UTC).isoformat(),
        "ce_subject": envelope.subject,
        "ce_tenant": envelope.tenant,
        "content-type": CONTENT_TYPE,
        **envelope.trace_headers,
    }
    headers = [(name, value.encode()) for name, value in attributes.items()]
    value = envelope.data.model_dump_json().encode()
    return envelope.subject.encode(), value, headers


def _header_map(headers: Sequence[tuple[str, bytes | None]] | None) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, raw in headers or []:
        try:
            found[name] = (raw or b"").decode()
        except UnicodeDecodeError:
            raise InvalidEvent(f"header {name}: not UTF-8") from None
    return found


def _require(attrs: dict[str, str], name: str) -> str:
    value = attrs.get(name)
    if not value:
        raise InvalidEvent(f"header {name}: required CloudEvents attribute missing")
    return value


def _parse_time(raw: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidEvent(f"header ce_time: {raw!r} is not an RFC 3339 timestamp") from None
    if parsed.tzinfo is None:
        raise InvalidEvent("header ce_time: timestamp has no UTC offset")
    return parsed.astimezone(UTC)


def _validation_reason(error: ValidationError) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"]) or "(root)"
    return f"data.{location}: {first['msg']}"


def decode(
    key: bytes | None, value: bytes | None, headers: Sequence[tuple[str, bytes | None]] | None
) -> Envelope:
    """The envelope in a Kafka record, or :class:`InvalidEvent` saying what is wrong."""
    attrs = _header_map(headers)
    if _require(attrs, "ce_specversion") != SPEC_VERSION:
        raise InvalidEvent(f"header ce_specversion: expected {SPEC_VERSION}, got {attrs['ce_specversion']}")
    type_name = _require(attrs, "ce_type")
    try:
        model = event_type(type_name)
    except KeyError:
        raise InvalidEvent(f"header ce_type: unknown event type {type_name!r}") from None
    subject = _require(attrs, "ce_subject")
    if key is not None and key.decode(errors="replace") != subject:
        raise InvalidEvent("record key: does not match header ce_subject")
    try:
        payload = json.loads(value or b"")
    except ValueError as exc:
        raise InvalidEvent(f"value: not JSON ({exc.msg})") from None
    try:
        data = model.model_validate(payload)
    except ValidationError as exc:
        raise InvalidEvent(_validation_reason(exc)) from None
    trace_headers = {k: attrs[k] for k in ("traceparent", "tracestate") if k in attrs}
    return Envelope(
        data=data,
        tenant=_require(attrs, "ce_tenant"),
        source=_require(attrs, "ce_source"),
        subject=subject,
        id=_require(attrs, "ce_id"),
        time=_parse_time(_require(attrs, "ce_time")),
        trace_headers=trace_headers,
    )
