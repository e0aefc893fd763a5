"""Query parameters of the public list and lookup routes (forwarded to the services as given,
after the caller's scope is applied)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

MAX_PAGE = 500
MAX_OFFSET = 1_000_000  # far past any real list; beyond PostgreSQL's bigint the services would fail
PERIOD = r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$"


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(Query):
    limit: int = Field(default=100, ge=1, le=MAX_PAGE, description="at most this many items")
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET,
                        description="skip this many items (the Link header names the next page)")


class SessionFilter(Page):
    program_id: str | None = None
    starts_from: AwareDatetime | None = None
    starts_before: AwareDatetime | None = None
    participant_id: str | None = None
    peer_id: str | None = None


class EnrollmentFilter(Page):
    participant_id: str | None = None
    peer_id: str | None = Field(default=None, description="a peer's caseload (a peer always sees only their own)")
    program_id: list[str] = []
    active: bool | None = Field(default=None, description="true: not ended; false: ended")


class CaseFilter(Page):
    status: Annotated[str | None, Field(pattern="^(open|acknowledged|resolved)$")] = None


class PeerFilter(Query):
    program_id: str | None = None


class PlanVersion(Query):
    program_id: str | None = Field(default=None, description="the program whose plan (default: the latest you may "
                                                             "read)")
    version: int | None = Field(default=None, ge=1)


class InstrumentVersion(Query):
    version: str | None = None


class ResponseFilter(Query):
    instrument: str | None = None


class StatusOn(Query):
    on: date | None = None


class OnCallAt(Query):
    at: AwareDatetime | None = None


class MatchTags(Query):
    tags: list[str] | None = Field(default=None, description="preferred lived-experience or cultural tags")


class MeasureFilter(Query):
    program_id: str
    period: str | None = Field(default=None, pattern=PERIOD, description="2026-10 or 2026-Q4")


class FeedFilter(Query):
    program_id: str | None = None


class FeedVersion(Query):
    version: int | None = Field(default=None, ge=1, description="a published version (default: the latest)")
