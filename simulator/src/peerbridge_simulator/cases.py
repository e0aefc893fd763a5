"""The clinicians' side of every safety signal, and the simulator's mirror of the escalation rules.

A signal opens the participant's case when none is open, upgrades it when its level is higher,
and joins it otherwise (docs/escalation.md). A missed session is a signal only while a high or
imminent case is open (moderate the first time, high after); a psychiatric discharge only while any
case is open (high). After each signal that opens or upgrades a case the simulator waits until the
escalation service shows it, so the next event about that participant meets the case state the
mirror expects; then a clinician acknowledges, makes contact, updates the safety plan (high and
imminent) and later resolves the case with a disposition, once every signal has reached it.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .model import Case, Participant, Signal, rank
from .tokens import User

if TYPE_CHECKING:
    from .simulation import Simulation

DISPOSITIONS = {
    "imminent": {"referred-crisis": 0.5, "safety-plan-reviewed": 0.3, "hospitalized": 0.2},
    "high": {"safety-plan-reviewed": 0.6, "outpatient-follow-up": 0.3, "referred-crisis": 0.1},
    "moderate": {"safety-plan-reviewed": 0.5, "outpatient-follow-up": 0.4, "no-acute-risk": 0.1},
    "low": {"outpatient-follow-up": 0.5, "no-acute-risk": 0.5},
}


class CaseTimeout(Exception):
    pass


class CaseDesk:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.open: dict[str, Case] = {}  # participant id -> their open case
        self.cases: list[Case] = []
        self.missing: list[Signal] = []  # opening signals whose case never showed up in time
        self.waited_s = 0.0  # for the escalation service to open or update cases

    # signals
    def screen(self, participant: Participant, kind: str, record_id: str, level: str | None, at: datetime) -> None:
        if level is not None:
            self._signal(participant, kind, record_id, level, at)

    def concern(self, participant: Participant, record_id: str, immediate: bool, at: datetime) -> None:
        self._signal(participant, "concern", record_id, "imminent" if immediate else "moderate", at)

    def no_show(self, participant: Participant, session_id: str, at: datetime) -> None:
        case = self.open.get(participant.id)
        if case is None or rank(case.level) < rank("high"):
            return
        level = "high" if case.missed_check_ins >= 1 else "moderate"
        case.missed_check_ins += 1
        self._signal(participant, "no_show", session_id, level, at)

    def discharge(self, participant: Participant, encounter_id: str, at: datetime) -> None:
        if participant.id in self.open:
            self._signal(participant, "discharge", encounter_id, "high", at)

    def _signal(self, participant: Participant, kind: str, record_id: str, level: str, at: datetime) -> None:
        case = self.open.get(participant.id)
        effect = "opened" if case is None else "upgraded" if rank(level) > rank(case.level) else "joined"
        signal = Signal(kind, record_id, participant.id, participant.program.id, level, at, effect)
        self.sim.signals.append(signal)
        self.sim.count(f"signals:{kind}")
        if case is None:
            case = self._opened(participant, level, at, signal)
            if case is None:
                return
        else:
            case.signals += 1
            if effect == "upgraded":
                case.level = level
                self._wait_for(case, lambda seen: seen["risk_level"] == level and seen["status"] == "open")
                self._acknowledge(case)
        signal.case_id = case.id
        self._remember(case)

    # the clinician's work
    def _opened(self, participant: Participant, level: str, at: datetime, signal: Signal) -> Case | None:
        try:
            seen = self._wait_for_new_case(participant)
        except CaseTimeout:
            self.missing.append(signal)
            self.sim.problem(f"no case opened for {signal.kind} {signal.record_id} of {participant.id} "
                             f"within {self.sim.config.case_timeout_s:.0f} s")
            return None
        case = Case(seen["id"], seen["case_number"], participant, level, datetime.fromisoformat(seen["opened_at"]))
        self.open[participant.id] = case
        self.cases.append(case)
        self.sim.count(f"cases:{level}")
        signal.case_id = case.id
        if seen["risk_level"] != level:
            self.sim.problem(f"case {case.number} opened at {seen['risk_level']}, expected {level}")
        self._acknowledge(case)
        clinician = self._clinician(participant)
        self.sim.gateway.post(clinician, f"/cases/{case.id}/contact-made", {"method": "phone"})
        if level in ("high", "imminent"):
            self.sim.gateway.post(clinician, f"/participants/{participant.id}/safety-plans", SAFETY_PLAN | {
                "program_id": participant.program.id})
            self.sim.count("safety_plans")
        low, high = self.sim.scenario.resolve_after_hours[level]
        self.sim.at(at + timedelta(hours=self.sim.rng.uniform(low, high)), self.resolve, case)
        return case

    def _acknowledge(self, case: Case) -> None:
        self.sim.gateway.post(self._clinician(case.participant), f"/cases/{case.id}/acknowledge")
        case.status = "acknowledged"

    def resolve(self, _at: datetime, case: Case) -> None:
        if case.status == "resolved":
            return
        self._wait_for(case, lambda seen: len(seen["signals"]) >= case.signals)
        choices = DISPOSITIONS[case.level]
        code = self.sim.rng.choices(list(choices), weights=list(choices.values()))[0]
        self.sim.gateway.post(self._clinician(case.participant), f"/cases/{case.id}/resolve", {
            "disposition_code": code, "note": "Risk assessed with the participant; plan documented in the EHR."})
        case.status = "resolved"
        del self.open[case.participant.id]
        self.sim.count("cases_resolved")
        self._remember(case)

    def _remember(self, case: Case) -> None:
        self.sim.truth.case(case.id, case.participant.program.id, case.opened_at, case.level,
                            acknowledged=case.status != "open")

    def _clinician(self, participant: Participant) -> User:
        program = participant.program
        clinician = participant.clinician_id or program.clinicians[0]
        return User(clinician, ("clinician",), (program.id,))

    # waiting for the escalation service
    def _wait_for_new_case(self, participant: Participant) -> dict:
        known = {case.id for case in self.cases}

        def find() -> dict | None:
            for seen in self.sim.gateway.get(self.sim.admin, "/cases", status="open", limit=500):
                if seen["participant_id"] == participant.id and seen["id"] not in known:
                    return seen
            return None

        return self._poll(find)

    def _wait_for(self, case: Case, condition) -> None:  # noqa: ANN001 - a predicate over the case view
        def find() -> dict | None:
            seen = self.sim.gateway.get(self.sim.admin, f"/cases/{case.id}")
            return seen if condition(seen) else None

        try:
            self._poll(find)
        except CaseTimeout:
            self.sim.problem(f"case {case.number} did not reach the expected state within "
                             f"{self.sim.config.case_timeout_s:.0f} s")

    def _poll(self, find) -> dict:  # noqa: ANN001
        started = time.monotonic()
        deadline, delay = started + self.sim.config.case_timeout_s, 0.05
        try:
            while True:
                found = find()
                if found is not None:
                    return found
                if time.monotonic() > deadline:
                    raise CaseTimeout
                self.sim.gateway.sleep(delay)
                delay = min(delay * 1.5, 1.0)
        finally:
            self.waited_s += time.monotonic() - started


SAFETY_PLAN = {
    "warning_signs": ["Not sleeping", "Pulling away from friends"],
    "internal_coping_strategies": ["Walk outside", "Breathing exercise"],
    "social_distractions": ["Drop-in center", "Call a friend"],
    "people_to_ask_for_help": [{"name": "Sister"}],
    "professionals_and_agencies": [{"name": "988 Suicide & Crisis Lifeline", "phone": "988"}],
    "making_environment_safe": ["Medications kept by a family member"],
}
