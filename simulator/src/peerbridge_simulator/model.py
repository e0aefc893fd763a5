"""The simulated organization as the simulator knows it: ids the gateway answered, plus each
person's hidden traits that drive their behaviour."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .scenario import ProgramSpec
from .tokens import User

RISK_ORDER = ("low", "moderate", "high", "imminent")


def rank(level: str) -> int:
    return RISK_ORDER.index(level)


@dataclass
class Program:
    spec: ProgramSpec
    id: str
    name: str
    zone: ZoneInfo
    coordinator: User  # program admin: books sessions, enrolls, feeds hospital encounters
    sites: list[str] = field(default_factory=list)
    supervisors: list[str] = field(default_factory=list)
    clinicians: list[str] = field(default_factory=list)  # the first is the clinical supervisor
    peers: list[Peer] = field(default_factory=list)
    participants: list[Participant] = field(default_factory=list)


@dataclass
class Peer:
    id: str
    program: Program
    name: str
    languages: list[str]
    supervisor_id: str
    group_weekday: int
    user: User
    slots: set[tuple[int, int]] = field(default_factory=set)  # (weekday, hour) of weekly one-to-ones


@dataclass
class Participant:
    index: int
    program: Program
    language: str
    interpreter: bool
    tags: list[str]
    enroll_on: date
    engagement: float
    group_opt_in: bool
    phq9_baseline: float
    phq9_monthly_change: float
    lifetime_behavior: bool
    recent_behavior: bool
    id: str = ""
    enrollment_id: str = ""
    site_id: str = ""
    peer: Peer | None = None
    clinician_id: str | None = None
    slot: tuple[int, int] | None = None
    ended_on: date | None = None
    in_hospital: bool = False
    goals: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(self.enrollment_id) and self.ended_on is None


@dataclass
class Case:
    id: str
    number: str
    participant: Participant
    level: str
    opened_at: datetime
    signals: int = 1  # signals the escalation service should have recorded on it
    missed_check_ins: int = 0
    status: str = "open"


@dataclass
class Signal:
    """A safety signal the simulator produced through the API, and the case it went to."""

    kind: str  # phq9, cssrs_screener, concern, no_show, discharge
    record_id: str  # questionnaire response, concern, session or encounter id
    participant_id: str
    program_id: str
    level: str
    at: datetime  # simulated time
    effect: str  # opened, upgraded, joined
    case_id: str | None = None
