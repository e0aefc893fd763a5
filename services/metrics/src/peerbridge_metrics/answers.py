"""The read API's typed answers for funder reports (the measures' rows are typed in measures/)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

STRICT = ConfigDict(extra="forbid")


class FeedListed(BaseModel):
    """A published report (its latest version) in the list of an organization's reports."""

    model_config = STRICT
    feed_id: str = Field(description="program:period", examples=["prog-1:2026-10"])
    program_id: str
    period: str = Field(description="a month (2026-10) or a quarter (2026-Q4)")
    version: int = Field(ge=1)
    corrects: str | None = Field(description="the version id this one replaces (a correction)")
    published_at: str | None = Field(description="when the feed published this version (ISO 8601, UTC)")


class SuppressedCell(BaseModel):
    model_config = STRICT
    cell: str
    rule: str = Field(description="why it is hidden: primary (a count under the threshold), complementary "
                                  "(it would reveal one), derived (from a hidden count)")


class SuppressionAudit(BaseModel):
    """What a privacy officer needs to check the suppression (no value of a hidden cell)."""

    model_config = STRICT
    protection_width: int = Field(description="the least width a reader's bounds on a hidden count can have")
    suppressed: list[SuppressedCell]
    equations: list[str] = Field(description="the equations across this program's reports the suppression "
                                             "considered (totals = sums of their parts)")


class FeedReport(BaseModel):
    """A de-identified, small-cell suppressed outcome report of one program and closed period.

    A suppressed measure is ``null`` in ``measures`` and named in ``suppressed`` with its rule;
    a ``null`` that is not in ``suppressed`` has nothing to derive it from (no denominator)."""

    model_config = STRICT
    feed_id: str = Field(examples=["prog-1:2026-10"])
    program_id: str
    period: str
    period_start: str = Field(description="first day of the period (ISO date)")
    period_end: str = Field(description="last day of the period (ISO date)")
    version: int = Field(ge=1)
    corrects: str | None = Field(description="the version id this one replaces")
    correction: bool
    measures: dict[str, float | int | None] = Field(description="measure name -> value (null: suppressed or "
                                                                "not applicable)")
    suppressed: list[str]
    suppression: dict[str, str] = Field(description="suppressed measure -> rule")
    audit: SuppressionAudit
    published_at: str
