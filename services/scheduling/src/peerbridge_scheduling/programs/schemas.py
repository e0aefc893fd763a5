from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from peerbridge_shared.validation import Id, Name, Zone

PlaceOfService = str  # CMS place-of-service code, e.g. "53" community mental health center, "02"/"10" telehealth


class ProgramCreate(BaseModel):
    name: Name = Field(min_length=1, max_length=200)
    time_zone: Zone = Field(description="IANA time zone, e.g. America/New_York")
    payer_ids: list[Id] = []
    group_capacity: int = Field(default=12, ge=1, le=100, description="default capacity per group facilitator")
    caseload_cap: int = Field(default=15, ge=1, le=200, description="participants per peer")
    supervision_interval_days: int = Field(default=7, ge=1, le=90,
                                           description="a peer needs supervision at least this often to bill")
    reminder_offsets_minutes: list[int] = Field(default=[24 * 60, 60], description="reminders before each session")
    no_show_grace_minutes: int = Field(default=15, ge=0, le=240)
    auto_no_show: bool = Field(default=True, description="mark participants without a check-in no-show after the "
                                                         "grace period (needs check-ins at every session)")
    substance_use_program: bool = Field(default=False, description="42 CFR Part 2 applies to its records")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone") from None
        return value

    @field_validator("reminder_offsets_minutes")
    @classmethod
    def _positive_offsets(cls, value: list[int]) -> list[int]:
        if any(offset <= 0 or offset > 7 * 24 * 60 for offset in value):
            raise ValueError("reminder offsets are minutes before the session, from 1 to 10080 (a week)")
        return sorted(set(value), reverse=True)


class ProgramRead(ProgramCreate):
    model_config = ConfigDict(from_attributes=True)

    id: str


class SiteCreate(BaseModel):
    name: Name = Field(min_length=1, max_length=200)
    place_of_service: PlaceOfService = Field(default="53", pattern=r"^\d{2}$")


class SiteRead(SiteCreate):
    model_config = ConfigDict(from_attributes=True)

    id: str
    program_id: str
