"""Escalation policies: for each risk level, the ladder of levels (who is paged, how long they have
to acknowledge, how often a page repeats). A case keeps a snapshot of the policy it opened with,
so later edits never change a running case.

Targets: ``own_clinician`` (recorded on the enrollment), ``on_call`` (the program's roster at that
moment), ``supervisor`` and ``medical_director`` (the program's). Defaults follow DOMAIN.md.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, model_validator

from peerbridge_shared.events.escalation import RiskLevel
from peerbridge_shared.timezones import iana_zone
from peerbridge_shared.validation import Line, Text, Zone

Target = str  # own_clinician | on_call | supervisor | medical_director
DispositionCode = Annotated[str, Field(pattern=r"^[a-z0-9_-]{2,50}$")]
DEFAULT_DISPOSITIONS = {
    "safety-plan-reviewed": "Safety plan reviewed with the participant",
    "outpatient-follow-up": "Outpatient follow-up arranged",
    "referred-crisis": "Referred to crisis services",
    "emergency-services": "Emergency services contacted",
    "hospitalized": "Admitted to hospital",
    "no-acute-risk": "Assessed: no acute risk",
    "unable-to-reach": "Unable to reach after repeated attempts",
}


class Level(BaseModel):
    targets: list[Target] = Field(min_length=1, description="paged in parallel")
    acknowledge_minutes: int = Field(ge=1, le=24 * 60)
    repeats: int = Field(default=1, ge=0, le=5, description="re-pages within the level before it climbs")


class RiskPolicy(BaseModel):
    levels: list[Level] = Field(min_length=1)
    business_day_deadline: bool = Field(default=False, description="first deadline: end of the business day")


class Policy(BaseModel):
    version: Text = "default-1"
    time_zone: Zone = "America/New_York"
    business_day_ends: time = time(17, 0)
    risks: dict[RiskLevel, RiskPolicy]
    dispositions: dict[DispositionCode, Line] = Field(
        default=DEFAULT_DISPOSITIONS, min_length=1, max_length=50,
        description="how a case of the program may be resolved: code -> label (a resolve names one of the codes)")

    @model_validator(mode="after")
    def _every_level_and_a_final_authority(self) -> Policy:
        missing = set(RiskLevel) - set(self.risks)
        if missing:
            raise ValueError(f"every risk level needs a ladder; missing {sorted(missing)}")
        iana_zone(self.time_zone)
        for level, risk in self.risks.items():
            if "medical_director" not in risk.levels[-1].targets:
                raise ValueError(f"the {level.value} ladder must end with the medical director")
        return self


def _ladder(first: list[Target], minutes: int) -> list[Level]:
    return [Level(targets=first, acknowledge_minutes=minutes),
            Level(targets=["on_call"], acknowledge_minutes=minutes),
            Level(targets=["supervisor"], acknowledge_minutes=minutes),
            Level(targets=["medical_director"], acknowledge_minutes=minutes)]


DEFAULT_POLICY = Policy(risks={
    RiskLevel.IMMINENT: RiskPolicy(levels=[Level(targets=["on_call", "own_clinician"], acknowledge_minutes=5),
                                           Level(targets=["supervisor"], acknowledge_minutes=5),
                                           Level(targets=["medical_director"], acknowledge_minutes=5)]),
    RiskLevel.HIGH: RiskPolicy(levels=_ladder(["own_clinician"], 15)),
    RiskLevel.MODERATE: RiskPolicy(levels=_ladder(["own_clinician"], 60)),
    RiskLevel.LOW: RiskPolicy(levels=_ladder(["own_clinician"], 8 * 60), business_day_deadline=True),
})


def end_of_business_day(now: datetime, zone: ZoneInfo, ends: time) -> datetime:
    """The next weekday ``ends`` (local wall-clock time) at or after ``now``, as an aware instant."""
    local = now.astimezone(zone)
    candidate = local.replace(hour=ends.hour, minute=ends.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate += timedelta(days=1)
    while candidate.weekday() >= 5:
        candidate += timedelta(days=1)
    return candidate.replace(tzinfo=None).replace(tzinfo=zone, fold=0)


def first_deadline(policy: Policy, level: RiskLevel, now: datetime) -> datetime:
    risk = policy.risks[level]
    if risk.business_day_deadline:
        return end_of_business_day(now, ZoneInfo(policy.time_zone), policy.business_day_ends)
    return now + timedelta(minutes=risk.levels[0].acknowledge_minutes)
