from __future__ import annotations

from pydantic import BaseModel


class Candidate(BaseModel):
    peer_id: str
    display_name: str
    eligible: bool
    score: float
    caseload: int
    caseload_cap: int
    reasons: list[str]
