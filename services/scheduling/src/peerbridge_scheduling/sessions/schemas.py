from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from peerbridge_shared.events.scheduling import CancelledBy, Modality, SessionKind
from peerbridge_shared.validation import Id, Instant, Text

MAX_SESSION = timedelta(hours=12)


def ends_after(start_field: str) -> Callable[[datetime, ValidationInfo], datetime]:
    """A field validator: the end comes after ``start_field`` and at most 12 hours later."""

    def check(end: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get(start_field)
        if start is not None:
            if end <= start:
                raise ValueError(f"must be after {start_field}")
            if end - start > MAX_SESSION:
                raise ValueError(f"lasts at most {MAX_SESSION}")
        return end

    return check


class SessionDetails(BaseModel):
    program_id: Id
    site_id: Id
    kind: SessionKind
    modality: Modality
    place_of_service: Text | None = Field(default=None, pattern=r"^\d{2}$", description="default: the site's")
    peer_ids: list[Id] = Field(min_length=1)
    participant_ids: list[Id] = Field(min_length=1)
    capacity: int | None = Field(default=None, ge=1, le=100, description="default: the program's group capacity")
    interpreter_booked: bool = False


class SessionCreate(SessionDetails):
    starts_at: Instant
    ends_at: Instant

    _check_end = field_validator("ends_at")(ends_after("starts_at"))


def _local_date_time(schema: dict) -> None:
    # JSON Schema's "date-time" requires an offset, which this field refuses
    del schema["format"]
    schema.update(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$", examples=["2026-12-03T18:00:00"])


class SeriesCreate(SessionDetails):
    rrule: Text = Field(max_length=500, examples=["FREQ=WEEKLY;BYDAY=TU;COUNT=12"])
    first_local_start: datetime = Field(description="local wall-clock time in the program's zone, no offset",
                                        json_schema_extra=_local_date_time)
    duration_minutes: int = Field(ge=5, le=12 * 60)

    @field_validator("first_local_start")
    @classmethod
    def _naive(cls, value: datetime) -> datetime:
        if value.tzinfo is not None:
            raise ValueError("give the local wall-clock time without an offset; the program's zone applies")
        return value


class SessionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    program_id: str
    site_id: str
    series_id: str | None
    kind: SessionKind
    modality: Modality
    place_of_service: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    status: str
    interpreter_booked: bool
    peer_ids: list[str]
    participant_ids: list[str]
    cancel_reason: str | None
    cancelled_by: str | None


class SeriesRead(BaseModel):
    series_id: str
    sessions: list[SessionRead]


class Reschedule(BaseModel):
    starts_at: Instant
    ends_at: Instant
    reason: Text = Field(min_length=1, max_length=200)

    _check_end = field_validator("ends_at")(ends_after("starts_at"))


class Cancel(BaseModel):
    reason: Text = Field(min_length=1, max_length=200)
    cancelled_by: CancelledBy
