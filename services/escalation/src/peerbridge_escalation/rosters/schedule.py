"""Who is on call at an instant, and where a roster leaves nobody on call.

Rotations hand off at a local wall-clock time every ``shift_days`` (so an 8 am handoff stays at
8 am across DST). A layer may cover only a daily window and some weekdays; later layers take
precedence over earlier ones; overrides take precedence over every layer.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator, model_validator

from peerbridge_shared.timezones import iana_zone
from peerbridge_shared.validation import Day, Id, Instant, Line, Name, Zone

MINUTE = timedelta(minutes=1)
MAX_DAYS = 92


def _whole_minutes(value: time) -> time:
    if value.second or value.microsecond:
        raise ValueError("times are whole minutes")
    return value


class Window(BaseModel):
    start: time
    end: time  # before start: the window runs overnight

    _minutes = field_validator("start", "end")(_whole_minutes)

    def covers(self, moment: time) -> bool:
        if self.start == self.end:
            return True
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


class Layer(BaseModel):
    name: Name = Field(min_length=1, max_length=100)
    members: list[Line] = Field(min_length=1, description="clinician ids, in rotation order")
    starts_on: Day = Field(description="the first member's first shift begins this local day at handoff")
    handoff: time = time(8, 0)
    shift_days: int = Field(default=7, ge=1, le=28)
    window: Window | None = None
    weekdays: list[int] = Field(default=[0, 1, 2, 3, 4, 5, 6], description="0 = Monday")

    _minutes = field_validator("handoff")(_whole_minutes)

    def on_call(self, local: datetime) -> str | None:
        """The member on call at this local wall-clock time, or None outside the layer's coverage."""
        if local.weekday() not in self.weekdays or (self.window and not self.window.covers(local.time())):
            return None
        anchor = datetime.combine(self.starts_on, self.handoff)
        if local < anchor:
            return None
        shift = math.floor((local - anchor) / timedelta(days=self.shift_days))
        return self.members[shift % len(self.members)]


class Override(BaseModel):
    clinician_id: Id
    starts_at: Instant
    ends_at: Instant

    @model_validator(mode="after")
    def _ordered(self) -> Override:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class RosterDefinition(BaseModel):
    time_zone: Zone
    effective_from: Day
    effective_until: Day = Field(description="last day covered (inclusive)")
    layers: list[Layer] = Field(min_length=1)
    overrides: list[Override] = []

    @model_validator(mode="after")
    def _period(self) -> RosterDefinition:
        iana_zone(self.time_zone)
        days = (self.effective_until - self.effective_from).days
        if days < 0 or days >= MAX_DAYS:
            raise ValueError(f"a roster covers 1 to {MAX_DAYS} days")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def bounds(self) -> tuple[datetime, datetime]:
        start = datetime.combine(self.effective_from, time(0)).replace(tzinfo=self.zone)
        end = datetime.combine(self.effective_until + timedelta(days=1), time(0)).replace(tzinfo=self.zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def on_call(self, instant: datetime) -> str | None:
        start, end = self.bounds()
        if not start <= instant < end:
            return None
        for override in reversed(self.overrides):
            if override.starts_at <= instant < override.ends_at:
                return override.clinician_id
        local = instant.astimezone(self.zone).replace(tzinfo=None)
        for layer in reversed(self.layers):
            who = layer.on_call(local)
            if who is not None:
                return who
        return None

    def gaps(self) -> list[tuple[datetime, datetime]]:
        """Every stretch of the period with nobody on call, as (from, until) in local time."""
        start, end = self.bounds()
        found: list[tuple[datetime, datetime]] = []
        gap_start = None
        moment = start
        while moment < end:
            if self.on_call(moment) is None:
                gap_start = gap_start or moment
            elif gap_start is not None:
                found.append((gap_start, moment))
                gap_start = None
            moment += MINUTE
        if gap_start is not None:
            found.append((gap_start, end))
        return [(a.astimezone(self.zone), b.astimezone(self.zone)) for a, b in found]

    def clinicians(self) -> set[str]:
        return {m for layer in self.layers for m in layer.members} | {o.clinician_id for o in self.overrides}
