from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from peerbridge_shared.validation import Id, Instant, Text

from ..access import Disclosable
from .definitions import InstrumentVersion


class ResponseCreate(BaseModel):
    program_id: Id
    instrument: Text = Field(description="instrument code, e.g. phq9")
    version: InstrumentVersion | None = Field(default=None, description="default: the latest")
    answers: dict[str, int | bool | str | None] = Field(description="item id -> answer")
    completed_at: Instant


class ResponseRead(Disclosable):
    model_config = ConfigDict(from_attributes=True)

    id: str
    participant_id: str
    program_id: str
    instrument: str
    instrument_version: str
    answers: dict[str, int | bool | str | None]
    total_score: float | None
    band: str | None
    subscales: dict[str, float]
    safety_signal: bool
    completed_at: datetime
    administered_by: str
