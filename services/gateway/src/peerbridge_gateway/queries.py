"""Query parameters of the public list and lookup routes (forwarded to the services as given,
after the caller's scope is applied)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from peerbridge_shared.deps import DEFAULT_PAGE, LIMIT_HELP, MAX_OFFSET, MAX_PAGE, OFFSET_HELP
from peerbridge_shared.validation import Day, Id, Instant, Line
from peerbridge_shared.validation import InstrumentVersion as Version

PERIOD = r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$"


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(Query):
    """The services' own paging rule (``peerbridge_shared.deps.Page``)."""

    limit: int = Field(default=DEFAULT_PAGE, ge=1, le=MAX_PAGE, description=LIMIT_HELP)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP)


class SessionFilter(Page):
    program_id: Id | None = None
    starts_from: Instant | None = None
    starts_before: Instant | None = None
    participant_id: Id | None = None
    peer_id: Id | None = None


class EnrollmentFilter(Page):
    participant_id: Id | None = None
    peer_id: Id | None = Field(default=None, description="a peer's caseload (a peer always sees only their own)")
    program_id: list[Id] = Field(default=[], max_length=100)
    active: bool | None = Field(default=None, description="true: not ended; false: ended")


class ParticipantFilter(Page):
    program_id: list[Id] = Field(default=[], max_length=100)
    participant_id: list[Id] = Field(default=[], max_length=MAX_PAGE, description="these participants")
    peer_id: Id | None = Field(default=None, description="a peer's caseload (a peer always sees only their own)")
    name: Line | None = Field(default=None, max_length=100,
                              description="words found in the given or family name, whatever their case")


class ContactFilter(Page):
    program_id: list[Id] = Field(default=[], max_length=100)
    peer_id: Id | None = Field(default=None, description="one peer's notes (a peer always sees only their own)")
    awaiting_cosign: bool = Field(default=False, description="signed notes of peers you supervise, not co-signed yet")
    started_from: Instant | None = Field(default=None, description="contacts that started at or after this instant")


class CaseFilter(Page):
    status: Annotated[str | None, Field(pattern="^(open|acknowledged|resolved)$")] = None


class PeerFilter(Page):
    program_id: Id | None = None


class PlanVersion(Query):
    program_id: str | None = Field(default=None, description="the program whose plan (default: the latest you may "
                                                             "read)")
    version: int | None = Field(default=None, ge=1)


class InstrumentVersion(Query):
    version: Version | None = None


class ResponseFilter(Page):
    instrument: Id | None = None


class StatusOn(Query):
    on: Day | None = None


class OnCallAt(Query):
    at: Instant | None = None


class MatchTags(Page):
    tags: list[Line] | None = Field(default=None, max_length=50,
                                    description="preferred lived-experience or cultural tags")


class MeasureFilter(Query):
    program_id: Id
    period: str | None = Field(default=None, pattern=PERIOD, description="2026-10 or 2026-Q4")
    family: list[Annotated[str, Field(pattern=r"^[a-z_]{1,40}$")]] = Field(
        default=[], max_length=20, description="only these measure families (default: every one)")


class FeedFilter(Page):
    program_id: Id | None = None


class FeedVersion(Query):
    version: int | None = Field(default=None, ge=1, description="a published version (default: the latest)")
