"""The funder outcome report of one program and period: de-identified and small-cell suppressed.

- Who is counted: participants of the program, except 42 CFR Part 2 enrollments without a
  Part 2 disclosure consent and participants who withdrew their outcome-feed consent (both
  counted as excluded, and those counts are suppressed like any other cell).
- Safe Harbor: only counts and figures derived from them, labelled by program, site code and
  period; no participant, peer or clinician identifier, no date but the period's bounds.
  (The events carry no birth dates, so no ages are reported; an age band would group 90+.)
- CMS cell-size suppression over every count with the equations a reader could use: totals are
  sums of their parts inside a report, and across a program's reports (versions, quarter and
  months, cumulative counts) when published (disclosure.py); a rate or mean is published only when
  every count it is derived from is published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .billing.rules import PayerPolicies
from .disclosure import CellKinds, Outcome, Sheet, suppress_jointly
from .measures import Facts, compute
from .measures.periods import bounds, granularity
from .state import ParticipantState
from .suppression import Group

DERIVED_FROM_SUPPRESSED = "derived: a count it depends on is suppressed"
DEFAULT_PROTECTION_WIDTH = 3
CUMULATIVE = ("excluded_", "phq9_", "admissions_", "inpatient_days_", "ed_visits_", "readmission_due_30d",
              "readmitted_30d", "not_readmitted_30d")  # as of the period end, not events of the period
KINDS = CellKinds(cumulative=lambda name: name.startswith(CUMULATIVE),
                  additive=lambda name: not name.startswith((*CUMULATIVE, "participants_active")),
                  distinct=lambda name: name.startswith("participants_active"))


@dataclass
class Report:
    program_id: str
    period: str
    period_start: date
    period_end: date
    measures: dict[str, float | int | None] = field(default_factory=dict)
    suppression: dict[str, str] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)  # the equations a reader can use (totals = sums)
    counts: dict[str, int] = field(default_factory=dict)  # true counts: never leave metrics' own topics
    derived: dict[str, tuple[float | None, tuple[str, ...]]] = field(default_factory=dict)
    version: int = 1
    corrects: str | None = None  # the version id this one replaces
    equations: list[str] = field(default_factory=list)  # what the suppression considered (for the audit)
    protection_width: int = DEFAULT_PROTECTION_WIDTH
    basis: dict[str, int] = field(default_factory=dict)  # period -> version current when this was published
    published_at: datetime | None = None

    @property
    def feed_id(self) -> str:
        return f"{self.program_id}:{self.period}"

    @property
    def version_id(self) -> str:
        return f"{self.feed_id}:v{self.version}"

    def sheet(self, fixed: bool, basis: dict[str, int] | None = None) -> Sheet:
        return Sheet(self.period, self.version, dict(self.counts), list(self.groups),
                     dict(self.suppression) if fixed else {}, dict(self.basis if basis is None else basis), fixed)

    def audit(self) -> dict:
        """What a privacy officer needs to check the suppression (no value of a hidden count)."""
        return {"protection_width": self.protection_width,
                "suppressed": [{"cell": name, "rule": rule} for name, rule in sorted(self.suppression.items())],
                "equations": self.equations}


def eligible(state: ParticipantState, program_id: str) -> str | None:
    """None if the participant may be counted in the program's feed, else why not."""
    if not state.consented(program_id, "outcome_feed") and f"{program_id}:outcome_feed" in state.consents:
        return "feed_consent_withdrawn"
    part2 = any(e.part2 and e.program_id == program_id for e in state.enrollments.values())
    if part2 and not state.consented(program_id, "part2_disclosure"):
        return "part2_without_consent"
    return None


class _Cells:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.groups: list[Group] = []
        self.derived: dict[str, tuple[float | None, tuple[str, ...]]] = {}

    def count(self, name: str, value: int) -> None:
        self.counts[name] = int(value)

    def parts(self, total: str, value: int, parts: dict[str, int]) -> None:
        self.count(total, value)
        for name, part in parts.items():
            self.count(name, part)
        if parts:
            self.groups.append(Group(total, tuple(parts)))

    def rate(self, name: str, value: float | None, *depends_on: str) -> None:
        self.derived[name] = (value, depends_on)


def build_report(facts: Facts, program_id: str, period: str, payers: PayerPolicies, today: date,
                 protection_width: int = DEFAULT_PROTECTION_WIDTH) -> Report:
    """One report suppressed on its own (a program's published reports go through publication.py)."""
    report = measure_report(facts, program_id, period, payers, today)
    report.protection_width = protection_width
    outcome = suppress_jointly([report.sheet(fixed=False)], KINDS, protection_width)
    return finish(report, outcome)


def finish(report: Report, outcome: Outcome) -> Report:
    """Publishable figures from the decided suppression: hidden counts and what derives from them."""
    key = (report.period, report.version)
    report.suppression = dict(outcome.suppression[key])
    report.equations = list(outcome.equations[key])
    report.measures = {name: None if name in report.suppression else value for name, value in report.counts.items()}
    for name, (value, depends_on) in report.derived.items():
        hidden = value is not None and any(report.measures.get(cell) is None for cell in depends_on)
        report.measures[name] = None if hidden else value
        if hidden:
            report.suppression[name] = DERIVED_FROM_SUPPRESSED
    return report


def measure_report(facts: Facts, program_id: str, period: str, payers: PayerPolicies, today: date) -> Report:
    """The true counts of a report, its equations and derived figures (nothing suppressed yet)."""
    start, end = bounds(period)
    report = Report(program_id, period, start, end)
    cells = _Cells()
    counted, excluded = [], {"part2_without_consent": 0, "feed_consent_withdrawn": 0}
    for state in facts.participants:
        if not any(e.program_id == program_id for e in state.enrollments.values()):
            continue
        reason = eligible(state, program_id)
        if reason:
            excluded[reason] += 1
        else:
            counted.append(state)
    kept_ids = {s.participant_id for s in counted}
    kept = Facts(counted, [c for c in facts.cases if c.participant_id in kept_ids], facts.peers)
    measures = compute(kept, payers, min(end, today), granularity(period))
    org = next(iter({s.organization_id for s in counted}), "")
    for reason, value in excluded.items():
        cells.count(f"excluded_{reason}", value)
    _engagement(cells, measures, (org, program_id, period))
    _outcomes(cells, measures, org, program_id, period)
    _safety_and_billing(cells, measures, (org, program_id, period))
    report.groups, report.counts, report.derived = cells.groups, cells.counts, cells.derived
    return report


def _engagement(cells: _Cells, measures: dict, key: tuple) -> None:
    seen = measures["engagement"].get(key)
    attended, no_shows = (seen.sessions_attended, seen.no_shows) if seen else (0, 0)
    by_site = seen.active_by_site if seen else {}
    cells.parts("participants_active", seen.active_participants if seen else 0,
                {f"participants_active_site_{site}": n for site, n in sorted(by_site.items())})
    cells.parts("sessions_expected", attended + no_shows, {"sessions_attended": attended, "no_shows": no_shows})
    cells.rate("attendance_rate", seen.as_dict()["attendance_rate"] if seen else None,
               "sessions_attended", "sessions_expected")
    cohort = measures["cohorts"].get(key)
    cells.count("enrollments_new", cohort.enrollments if cohort else 0)
    cells.count("enrollments_started", cohort.started if cohort else 0)
    cells.rate("days_to_first_session_median", cohort.as_dict()["days_to_first_session_median"] if cohort else None,
               "enrollments_started")


def _outcomes(cells: _Cells, measures: dict, org: str, program: str, period: str) -> None:
    phq = measures["questionnaires"].get((org, program, "phq9"))
    follow = phq.with_follow_up if phq else 0
    responders, remissions = (phq.responders, phq.remissions) if phq else (0, 0)
    cells.parts("phq9_with_follow_up", follow, {"phq9_responders": responders,
                                                "phq9_non_responders": follow - responders})
    cells.groups.append(Group("phq9_with_follow_up", ("phq9_remitted", "phq9_not_remitted")))
    cells.count("phq9_remitted", remissions)
    cells.count("phq9_not_remitted", follow - remissions)
    cells.rate("phq9_mean_change", phq.as_dict()["mean_change"] if phq else None, "phq9_with_follow_up")
    moves = measures["transitions"].get((org, program, period))
    cells.count("discharges", moves.discharges if moves else 0)
    cells.count("discharges_excluded", moves.excluded if moves else 0)
    for window in ("48h", "7d", "30d"):
        due = getattr(moves, f"due_{window}") if moves else 0
        met = (moves.within_48h if window == "48h" else getattr(moves, f"followed_{window}")) if moves \
            else 0
        cells.parts(f"follow_up_due_{window}", due, {f"follow_up_within_{window}": met,
                                                      f"follow_up_missed_{window}": due - met})
        cells.rate(f"follow_up_rate_{window}", round(met / due, 4) if due else None,
                   f"follow_up_within_{window}", f"follow_up_due_{window}")
    use = measures["hospitalization"].get((org, program))
    for name in ("admissions_before", "admissions_after", "inpatient_days_before", "inpatient_days_after",
                 "ed_visits_before", "ed_visits_after"):
        cells.count(name, getattr(use, name) if use else 0)
    due, readmitted = (use.discharges_due_30d, use.readmitted_30d) if use else (0, 0)
    cells.parts("readmission_due_30d", due, {"readmitted_30d": readmitted, "not_readmitted_30d": due - readmitted})


def _safety_and_billing(cells: _Cells, measures: dict, key: tuple) -> None:
    safe = measures["safety"].get(key)
    screens, positive = (safe.screens, safe.positive_screens) if safe else (0, 0)
    cells.parts("screens", screens, {"screens_positive": positive, "screens_negative": screens - positive})
    levels = safe.cases_by_level if safe else {}
    cells.parts("cases", sum(levels.values()), {f"cases_{level}": n for level, n in sorted(levels.items())})
    within = safe.within_deadline if safe else 0
    cells.groups.append(Group("cases", ("cases_within_deadline", "cases_not_within_deadline")))
    cells.count("cases_within_deadline", within)
    cells.count("cases_not_within_deadline", sum(levels.values()) - within)
    cells.count("cases_breached", safe.breached_cases if safe else 0)
    figures = safe.as_dict() if safe else {}
    cells.rate("acknowledge_p50_s", figures.get("acknowledge_p50_s"), "cases", "cases_within_deadline")
    cells.rate("acknowledge_p90_s", figures.get("acknowledge_p90_s"), "cases", "cases_within_deadline")
    billed = [r for (o, p, _payer, period), r in measures["reimbursement"].items() if (o, p, period) == key]
    cells.count("billable_units", sum(r.units for r in billed))
    cells.rate("estimated_amount", round(sum(r.amount for r in billed), 2), "billable_units")
    reasons: dict[str, int] = {}
    for line in billed:
        for reason, minutes in line.non_billable_minutes.items():
            reasons[reason] = reasons.get(reason, 0) + minutes
    cells.parts("non_billable_minutes", sum(reasons.values()),
                {f"non_billable_minutes_{reason}": n for reason, n in sorted(reasons.items())})
