"""Compare what the simulator did with what the platform says, through the gateway.

- ``/v1/measures`` of each simulated program against the truth: engagement (active participants,
  sessions attended, no-shows per month), questionnaires (completions, participants, follow-ups,
  PHQ-9 responders and remissions per instrument), safety (screens, positive screens, cases by
  level, acknowledged per month) and cohorts (enrollments per month). Metrics is fed by streams, so
  the comparison is repeated until everything matches or the time is up.
- ``/v1/cases``: exactly the cases the simulator expected for its participants (one per opening
  signal, none extra), each at the expected level and status.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .client import ApiError

if TYPE_CHECKING:
    from .simulation import Simulation

FAMILIES: dict[str, tuple[str, ...]] = {
    "engagement": ("active_participants", "sessions_attended", "no_shows"),
    "questionnaires": ("completions", "participants", "with_follow_up", "responders", "remissions"),
    "safety": ("screens", "positive_screens", "cases", "cases_by_level", "acknowledged"),
    "cohorts": ("enrollments",),
}


@dataclass(frozen=True)
class Row:
    family: str
    program: str
    key: str  # a month, or an instrument
    measure: str
    expected: Any
    actual: Any

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


@dataclass
class CheckReport:
    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    waited_s: float = 0.0

    @property
    def mismatches(self) -> list[Row]:
        return [row for row in self.rows if not row.ok]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.mismatches and not self.problems


Foreign = Callable[[], list[tuple[str, datetime, str]]]


def check(sim: Simulation, timeout_s: float = 120.0, interval_s: float = 2.0, foreign: Foreign | None = None
          ) -> CheckReport:
    """``foreign``: the cases (program, opened at, level) metrics may count that did not come from this
    platform's escalation service (tests on a shared Kafka; see Truth.safety)."""
    started = time.monotonic()
    while True:
        try:
            report = CheckReport(compare_measures(sim, foreign() if foreign else []),
                                 [*sim.problems, *compare_cases(sim)])
        except ApiError as exc:  # e.g. metrics still reading its tables (503 past the client's retries)
            report = CheckReport([], [*sim.problems, f"the platform could not be read: {exc}"])
        report.waited_s = time.monotonic() - started
        if report.ok or report.waited_s + interval_s > timeout_s:
            return report
        sim.gateway.sleep(interval_s)


def compare_measures(sim: Simulation, foreign: list[tuple[str, datetime, str]] = ()) -> list[Row]:
    truth = {"engagement": sim.truth.engagement(), "questionnaires": sim.truth.questionnaires(),
             "safety": sim.truth.safety(foreign), "cohorts": sim.truth.cohorts()}
    rows = []
    for program in sim.programs:
        measures = sim.gateway.get(sim.admin, "/measures", program_id=program.id)
        for family, names in FAMILIES.items():
            actual = {row["key"][2]: row for row in measures.get(family, []) if row["key"][1] == program.id}
            expected = {key[1]: figures for key, figures in truth[family].items() if key[0] == program.id}
            for key in sorted(set(actual) | set(expected)):
                for name in names:
                    empty = {} if name == "cases_by_level" else 0
                    rows.append(Row(family, program.name, str(key), name, expected.get(key, {}).get(name, empty),
                                    actual.get(key, {}).get(name, empty)))
    return rows


def compare_cases(sim: Simulation) -> list[str]:
    people = {p.id for program in sim.programs for p in program.participants if p.id}
    seen, offset = {}, 0
    while True:
        page = sim.gateway.get(sim.admin, "/cases", limit=500, offset=offset)
        seen |= {case["id"]: case for case in page if case["participant_id"] in people}
        if len(page) < 500:
            break
        offset += 500
    problems = []
    for case in sim.desk.cases:
        found = seen.pop(case.id, None)
        if found is None:
            problems.append(f"case {case.number} is missing from /v1/cases")
        elif (found["risk_level"], found["status"]) != (case.level, case.status):
            problems.append(f"case {case.number}: {found['risk_level']}/{found['status']}, "
                            f"expected {case.level}/{case.status}")
    problems += [f"unexpected case {case['case_number']} ({case['risk_level']}) for participant "
                 f"{case['participant_id']}" for case in seen.values()]
    return problems
