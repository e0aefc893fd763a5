"""Life outside the program: drop-outs, psychiatric stays and ED visits (reported by the hospital
as FHIR R4 Encounters), peer outreach after a psychiatric discharge, goals reached. Drawn week by
week for each participant when they enroll; played at their simulated times."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from .model import Participant

if TYPE_CHECKING:
    from .simulation import Simulation


class Life:
    def __init__(self, sim: Simulation) -> None:
        self.sim, self.rng, self.scenario, self.gateway = sim, sim.rng, sim.scenario, sim.gateway

    def plan(self, p: Participant) -> None:
        """Drop-out, hospital stays, ED visits and goal progress, drawn week by week after enrollment."""
        rng, scenario, end = self.rng, self.scenario, self.sim.config.end
        week_start, free_from = p.enroll_on + timedelta(days=1), p.enroll_on
        while week_start < end:
            begins = datetime.combine(week_start, time(0), tzinfo=p.program.zone)
            moment = begins + timedelta(hours=rng.uniform(0, 24 * 7))
            if rng.random() < scenario.weekly_dropout:
                self.sim.at(moment, self.drop_out, p)
            if week_start >= free_from and rng.random() < p.program.spec.weekly_admission:
                stay = timedelta(days=rng.triangular(*scenario.length_of_stay_days))
                self.sim.at(moment, self.admit, p, f"enc-{uuid.UUID(int=rng.getrandbits(128))}", moment + stay)
                free_from = (moment + stay).date() + timedelta(days=7)
            elif rng.random() < scenario.weekly_ed_visit:  # reported once the visit is over
                self.sim.at(moment + timedelta(hours=rng.uniform(3, 10)), self.ed_visit, p,
                            f"enc-{uuid.UUID(int=rng.getrandbits(128))}", rng.random() < scenario.psychiatric_ed_visit,
                            moment)
            if p.goals and rng.random() < scenario.weekly_goal_achieved:
                self.sim.at(moment, self.goal_achieved, p)
            week_start += timedelta(days=7)

    def ed_visit(self, at: datetime, p: Participant, encounter_id: str, psychiatric: bool, arrived: datetime) -> None:
        """One message once the visit is over: admitted and discharged."""
        if p.active and not p.in_hospital:
            self._encounter(p, encounter_id, "EMER", psychiatric, arrived, at)
            self.sim.count("ed_visits")
            self._discharged(p, encounter_id, psychiatric, at)

    def admit(self, at: datetime, p: Participant, encounter_id: str, discharge_at: datetime) -> None:
        """A psychiatric inpatient stay: the admission now, the discharge when it comes."""
        if not p.active or p.in_hospital:
            return
        self._encounter(p, encounter_id, "IMP", True, at, None)
        p.in_hospital = True
        self.sim.count("admissions")
        self.sim.at(discharge_at, self.discharge, p, encounter_id, at)

    def discharge(self, at: datetime, p: Participant, encounter_id: str, admitted_at: datetime) -> None:
        self._encounter(p, encounter_id, "IMP", True, admitted_at, at)
        p.in_hospital = False
        self.sim.count("discharges")
        self._discharged(p, encounter_id, True, at)

    def _discharged(self, p: Participant, encounter_id: str, psychiatric: bool, at: datetime) -> None:
        if not psychiatric:
            return
        self.sim.desk.discharge(p, encounter_id, at)
        if p.peer and self.rng.random() < self.scenario.outreach_within_48h:
            self.sim.at(at + timedelta(hours=self.rng.uniform(4, 44)), self.outreach, p)

    def outreach(self, at: datetime, p: Participant) -> None:
        if p.active and not p.in_hospital:
            self.sim.care.document(p, at, 20, "phone", "10", None)
            self.sim.count("outreach_48h")

    def _encounter(self, p: Participant, encounter_id: str, kind: str, psychiatric: bool, admitted: datetime,
                   discharged: datetime | None) -> None:
        resource = {
            "resourceType": "Encounter", "id": encounter_id, "status": "finished" if discharged else "in-progress",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": kind},
            "subject": {"reference": f"Patient/{p.id}"}, "period": {"start": admitted.isoformat()},
        }
        if psychiatric:
            resource["serviceType"] = {"coding": [{"system": "http://snomed.info/sct", "code": "394587001"}]}
        if discharged:
            resource["period"]["end"] = discharged.isoformat()
            code = self.rng.choices(["home", "other-hcf", "aadvice"], weights=[0.85, 0.1, 0.05])[0]
            resource["hospitalization"] = {"dischargeDisposition": {"coding": [{"code": code}]}}
        self.gateway.post(p.program.coordinator, "/hospital-encounters/fhir", resource)

    def drop_out(self, at: datetime, p: Participant) -> None:
        if not p.active:
            return
        if p.in_hospital:
            self.sim.at(at + timedelta(days=7), self.drop_out, p)
            return
        reason = self.rng.choices(["withdrew", "lost to follow-up", "transferred"], weights=[0.5, 0.35, 0.15])[0]
        ended_on = max(at.astimezone(p.program.zone).date(), p.enroll_on)
        self.gateway.post(p.program.coordinator, f"/enrollments/{p.enrollment_id}/end",
                          {"ended_on": ended_on.isoformat(), "reason": reason})
        p.ended_on = ended_on
        if p.peer:
            p.peer.slots.discard(p.slot)
        self.sim.count(f"ended:{reason}")

    def goal_achieved(self, at: datetime, p: Participant) -> None:
        if p.active and p.goals:
            self.gateway.post(p.program.coordinator, f"/goals/{p.goals[0]}/status", {"status": "achieved"})
            p.goals.pop(0)
            self.sim.count("goals_achieved")
