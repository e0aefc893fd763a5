"""What a run plays (``Config``) and the realism assumptions behind it (``Scenario``).

Every figure below is an assumption of the simulator, chosen to be plausible for a community
peer-support program serving adults with serious mental illness; docs/simulator.md lists them with
their reasons. Staffing ratios follow the DOMAIN defaults (North Carolina / DC rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta


@dataclass(frozen=True)
class ProgramSpec:
    name: str
    time_zone: str
    share: float  # of the participants
    payer_ids: tuple[str, ...]
    jurisdiction: str
    after_discharge: bool = False  # enrollees come from a psychiatric discharge (transitions of care)
    weekly_admission: float = 0.004  # psychiatric inpatient admission per participant-week (~20 %/year)


@dataclass(frozen=True)
class Scenario:
    programs: tuple[ProgramSpec, ...] = (
        ProgramSpec("Community Peer Support", "America/New_York", 0.6, ("medicaid-nc",), "NC"),
        ProgramSpec("Transitions After Discharge", "America/Chicago", 0.4, ("medicaid-nc", "medicaid-or"), "OR",
                    after_discharge=True, weekly_admission=0.01),
    )
    sites_per_program: int = 2
    # staffing
    caseload: int = 12  # target participants per peer (the cap stays the program default, 15)
    peers_per_supervisor: int = 8  # NC 1:8
    participants_per_clinician: int = 40
    bilingual_peers: float = 0.3  # English and Spanish
    # participants
    spanish_speaking: float = 0.15
    interpreter_needed: float = 0.2  # of Spanish speakers
    outcome_feed_consent: float = 0.95
    own_clinician: float = 0.9
    uninsured: float = 0.1
    preference_tags: tuple[str, ...] = ("veteran", "lgbtq", "parent", "substance_use_recovery", "young_adult",
                                        "faith")
    # enrollment and retention
    enrolled_in_first_week: float = 0.7  # the rest arrive over the first half of the run
    weekly_dropout: float = 0.015  # ~18 % gone by week 13
    # sessions (one-to-one weekly in a fixed daytime slot; a closed weekly evening group per peer)
    one_to_one_minutes: int = 50
    group_minutes: int = 90
    group_opt_in: float = 0.6
    mean_engagement: float = 0.82  # a participant's chance to attend a one-to-one (Beta distributed)
    group_engagement: float = 0.85  # relative to one-to-ones
    program_cancellation: float = 0.02  # staff illness, closures: the session is cancelled
    modalities: dict[str, float] = field(default_factory=lambda: {"in_person": 0.65, "video": 0.2, "phone": 0.15})
    note_signed: float = 0.9
    # questionnaires: PHQ-9 and C-SSRS screener at intake; PHQ-9 every 4 weeks, GAD-7 every 8
    phq9_every_weeks: int = 4
    gad7_every_weeks: int = 8
    phq9_baseline_mean: float = 13.0
    phq9_baseline_sd: float = 5.5
    phq9_monthly_change: float = -1.5  # mean per 4 weeks (sd 1.5), noise +-2 per administration
    lifetime_suicidal_behavior: float = 0.12
    behavior_within_3_months: float = 0.15  # of those with lifetime behavior
    # safety concerns a peer raises at a session, and the clinician's work on a case
    concern_per_session: float = 0.005
    immediate_danger: float = 0.1  # of concerns
    resolve_after_hours: dict[str, tuple[float, float]] = field(default_factory=lambda: {
        "imminent": (4, 24), "high": (12, 72), "moderate": (24, 120), "low": (24, 168)})
    # hospital (psychiatric admission rate per program above)
    weekly_ed_visit: float = 0.006
    psychiatric_ed_visit: float = 0.3
    length_of_stay_days: tuple[float, float, float] = (3, 7, 21)  # min, mode, max
    outreach_within_48h: float = 0.75
    weekly_goal_achieved: float = 0.03


@dataclass(frozen=True)
class Config:
    gateway: str = "http://127.0.0.1:8000"
    organization: str = "org-demo"
    participants: int = 200
    weeks: int = 8
    seed: int = 7
    until: date | None = None  # the simulated weeks end the day before; default: this week's Monday (UTC)
    case_timeout_s: float = 120.0  # how long to wait for the escalation service to open or update a case
    retry_for_s: float = 120.0  # how long a request is retried on connection errors and 5xx
    scenario: Scenario = Scenario()

    def __post_init__(self) -> None:
        if self.participants < 1 or self.weeks < 1:
            raise ValueError("participants and weeks must be at least 1")

    @property
    def end(self) -> date:
        if self.until is not None:
            return self.until
        today = datetime.now(UTC).date()
        return today - timedelta(days=today.weekday())

    @property
    def start(self) -> date:
        return self.end - timedelta(weeks=self.weeks)
