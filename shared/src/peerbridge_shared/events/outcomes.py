"""De-identified outcome feeds for funders (published by metrics on a compacted topic)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from .base import Event, UtcDatetime


class OutcomeFeedPublished(Event):
    type_name = "org.peerbridge.metrics.outcome-feed.published.v1"
    summary = "A program's de-identified, small-cell-suppressed measures for one period."

    feed_id: str  # "<program_id>:<period>", the compaction key
    program_id: str
    period: str  # "2026-10" or "2026-Q4"
    period_start: date
    period_end: date
    measures: dict[str, float | int | None]
    suppressed: list[str] = []
    suppression: dict[str, str] = Field(default={}, description="suppressed cell -> the rule that hid it")
    published_at: UtcDatetime
    version: int = Field(default=1, ge=1, description="1, then one more for each correction of the period")
    corrects: str | None = Field(default=None, description="<program>:<period>:v<N>, the version this one corrects")
    audit: dict = Field(default={}, description="the suppressed cells with their rules and the equations considered")
