"""A program's weeks: enrollment and intake, weekly one-to-ones, closed evening groups, attendance
and contact notes, questionnaires, concerns, supervision (life outside the program: life.py).

Every action happens at its simulated time, in time order (the simulation's queue). The weeks are
in the past: sessions are booked and then documented as they went, which scheduling accepts
(attendance once a session has started, questionnaires and contacts not in the future).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from . import answers
from .model import Participant, Peer, Program
from .tokens import User
from .truth import PRESENT

if TYPE_CHECKING:
    from .simulation import Simulation

SLOT_HOURS = (9, 10, 11, 13, 14, 15, 16)
GROUP_START = time(17, 30)
GROUP_CAPACITY = 12  # the program default per facilitator
DOMAINS = ("housing", "employment", "wellness", "relationships", "education")
REFERRALS = ("inpatient unit", "outpatient clinic", "emergency department", "self", "community agency")


class Care:
    def __init__(self, sim: Simulation) -> None:
        self.sim, self.rng, self.scenario, self.gateway = sim, sim.rng, sim.scenario, sim.gateway
        self.last_taken: dict[tuple[str, str], datetime] = {}  # (participant, instrument) -> last completion

    def local(self, program: Program, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=program.zone)

    # the plan: who arrives when; every program's weeks
    def plan(self) -> None:
        rng, scenario, weeks = self.rng, self.scenario, self.sim.config.weeks
        index = 0
        for program in self.sim.programs:
            size = self.sim.sizes[program.id]
            for _ in range(size):
                first_week = weeks == 1 or rng.random() < scenario.enrolled_in_first_week
                week = 0 if first_week else rng.randint(1, max(1, weeks // 2))
                day = self.sim.config.start + timedelta(weeks=week, days=rng.randint(0, 4))
                participant = Participant(
                    index=index, program=program, language="es" if rng.random() < scenario.spanish_speaking else "en",
                    interpreter=False, tags=rng.sample(scenario.preference_tags, rng.choice([0, 1, 1, 2])),
                    enroll_on=day, engagement=rng.betavariate(8 * scenario.mean_engagement,
                                                              8 * (1 - scenario.mean_engagement)),
                    group_opt_in=rng.random() < scenario.group_opt_in,
                    phq9_baseline=rng.gauss(scenario.phq9_baseline_mean, scenario.phq9_baseline_sd),
                    phq9_monthly_change=rng.gauss(scenario.phq9_monthly_change, 1.5),
                    lifetime_behavior=rng.random() < scenario.lifetime_suicidal_behavior,
                    recent_behavior=rng.random() < scenario.behavior_within_3_months)
                participant.interpreter = participant.language == "es" and rng.random() < scenario.interpreter_needed
                program.participants.append(participant)
                self.sim.at(self.local(program, day, time(rng.randint(9, 14), rng.choice([0, 30]))), self.enroll,
                            participant)
                index += 1
            for week in range(weeks):
                monday = self.sim.config.start + timedelta(weeks=week)
                self.sim.at(self.local(program, monday, time(7, 0)), self.week, program, week)

    # enrollment and intake
    def enroll(self, at: datetime, p: Participant) -> None:
        program, rng, admin = p.program, self.rng, p.program.coordinator
        first, last = answers.name(rng)
        birth = p.enroll_on - timedelta(days=rng.randint(18 * 365, 70 * 365))
        p.id = self.gateway.post(admin, "/participants", {
            "given_name": first, "family_name": last, "birth_date": birth.isoformat(),
            "member_id": f"M{rng.randint(10**8, 10**9 - 1)}",
            "phone": f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            "preferred_language": p.language, "interpreter_needed": p.interpreter})["id"]
        self.gateway.post(admin, f"/participants/{p.id}/consents", {
            "program_id": program.id, "kind": "program", "granted": True, "effective_at": at.isoformat()})
        self.gateway.post(admin, f"/participants/{p.id}/consents", {
            "program_id": program.id, "kind": "outcome_feed", "effective_at": at.isoformat(),
            "granted": rng.random() < self.scenario.outcome_feed_consent})
        p.site_id = rng.choice(program.sites)
        p.clinician_id = rng.choice(program.clinicians) if rng.random() < self.scenario.own_clinician else None
        payer = None if rng.random() < self.scenario.uninsured else rng.choice(program.spec.payer_ids)
        p.enrollment_id = self.gateway.post(admin, "/enrollments", {
            "participant_id": p.id, "program_id": program.id, "site_id": p.site_id,
            "enrolled_on": p.enroll_on.isoformat(),
            "referral_source": "inpatient unit" if program.spec.after_discharge else rng.choice(REFERRALS),
            "payer_id": payer, "authorized_units": 24 if payer == "medicaid-nc" else None,
            "clinician_id": p.clinician_id,
            "index_discharge_on": (p.enroll_on - timedelta(days=rng.randint(1, 10))).isoformat()
            if program.spec.after_discharge else None})["id"]
        self.sim.truth.enrolled(program.id, p.enroll_on)
        self.sim.count("enrolled")
        self._match(p)
        writer = p.peer.user if p.peer else admin
        self.intake(at, p, writer)
        if p.peer:
            goal = self.gateway.post(writer, f"/participants/{p.id}/goals", {
                "program_id": program.id, "description": "A goal in the participant's own words",
                "domain": rng.choice(DOMAINS)})
            p.goals.append(goal["id"])
            self.sim.count("goals")
        self.sim.life.plan(p)

    def _match(self, p: Participant) -> None:
        candidates = self.gateway.get(p.program.coordinator, f"/enrollments/{p.enrollment_id}/peer-matches",
                                      tags=p.tags or None)
        eligible = [c for c in candidates if c["eligible"]]
        if not eligible:
            self.sim.count("waitlisted")
            return
        peer = next(peer for peer in p.program.peers if peer.id == eligible[0]["peer_id"])
        self.gateway.put(p.program.coordinator, f"/enrollments/{p.enrollment_id}/peer", {"peer_id": peer.id})
        free = [(d, h) for d in range(5) for h in SLOT_HOURS if (d, h) not in peer.slots]
        p.peer, p.slot = peer, self.rng.choice(free)
        peer.slots.add(p.slot)
        self.sim.count("matched")

    def intake(self, at: datetime, p: Participant, writer: User) -> None:
        """PHQ-9, GAD-7 and the C-SSRS screener on the enrollment day; a safety plan if the screen is positive."""
        total = self.phq9(at + timedelta(minutes=10), p, writer, weeks_in=0)
        self.questionnaire(p, writer, "gad7", answers.gad7(self.rng, total), at + timedelta(minutes=20))
        screen = answers.cssrs(self.rng, p, total, after_item9=False)
        self.questionnaire(p, writer, "cssrs_screener", screen, at + timedelta(minutes=25))
        if answers.cssrs_level(screen) and p.peer:
            self.gateway.post(writer, f"/participants/{p.id}/safety-plans", {"program_id": p.program.id,
                                                                             "warning_signs": ["Isolating"]})
            self.sim.count("safety_plans")

    def phq9(self, at: datetime, p: Participant, writer: User, weeks_in: float) -> int:
        total = answers.phq9_total(self.rng, p, weeks_in)
        items = answers.phq9(self.rng, total)
        self.questionnaire(p, writer, "phq9", items, at)
        if items["9"] > 0:  # the peer follows up with the C-SSRS screener at once
            screen = answers.cssrs(self.rng, p, total, after_item9=True)
            self.questionnaire(p, writer, "cssrs_screener", screen, at + timedelta(minutes=5))
        return total

    def questionnaire(self, p: Participant, writer: User, instrument: str, items: dict, at: datetime) -> None:
        response = self.gateway.post(writer, f"/participants/{p.id}/questionnaire-responses", {
            "program_id": p.program.id, "instrument": instrument, "answers": items, "completed_at": at.isoformat()})
        level = answers.phq9_level(items["9"]) if instrument == "phq9" else (
            answers.cssrs_level(items) if instrument == "cssrs_screener" else None)
        screen = None if instrument == "gad7" or (instrument == "phq9" and not items["9"]) else level is not None
        self.sim.truth.questionnaire(p.program.id, p.id, instrument, response["id"], at, response["total_score"],
                                     screen)
        self.last_taken[(p.id, instrument)] = at
        self.sim.count(f"questionnaires:{instrument}")
        self.sim.desk.screen(p, instrument, response["id"], level, at)

    # each week: supervision, this week's one-to-ones, and (week 1) the closed groups
    def week(self, at: datetime, program: Program, week: int) -> None:
        monday = at.astimezone(program.zone).date()
        for peer in program.peers:
            supervisor = User(peer.supervisor_id, ("supervisor",), (program.id,))
            if self.rng.random() < 0.95:
                self.gateway.post(supervisor, "/supervision-logs", {
                    "supervisor_id": peer.supervisor_id, "peer_id": peer.id, "held_on": monday.isoformat(),
                    "minutes": 60, "cases_reviewed": self.rng.randint(2, 8)})
                self.sim.count("supervision")
        for p in program.participants:
            if p.active and p.peer and p.enroll_on < monday:
                self.book_one_to_one(program, p, monday)
        if week == 1:
            for peer in program.peers:
                self.book_group(program, peer, monday)

    def book_one_to_one(self, program: Program, p: Participant, monday: date) -> None:
        weekday, hour = p.slot
        starts = self.local(program, monday + timedelta(days=weekday), time(hour))
        modality = self.rng.choices(list(self.scenario.modalities), weights=list(self.scenario.modalities.values()))[0]
        session = self.gateway.post(program.coordinator, "/sessions", {
            "program_id": program.id, "site_id": p.site_id, "kind": "one_to_one", "modality": modality,
            "place_of_service": None if modality == "in_person" else "10", "peer_ids": [p.peer.id],
            "participant_ids": [p.id], "interpreter_booked": p.interpreter and p.language not in p.peer.languages,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(minutes=self.scenario.one_to_one_minutes)).isoformat()})
        self.sim.count("sessions:one_to_one")
        self.sim.at(datetime.fromisoformat(session["ends_at"]), self.one_to_one, p, session)

    def book_group(self, program: Program, peer: Peer, monday: date) -> None:
        members = [p for p in program.participants if p.peer is peer and p.active and p.group_opt_in
                   and p.enroll_on < monday][:GROUP_CAPACITY]
        weeks_left = self.sim.config.weeks - 1
        if len(members) < 3 or weeks_left < 1:
            return
        first = datetime.combine(monday + timedelta(days=peer.group_weekday), GROUP_START)
        series = self.gateway.post(program.coordinator, "/session-series", {
            "program_id": program.id, "site_id": program.sites[0], "kind": "group", "modality": "in_person",
            "peer_ids": [peer.id], "participant_ids": [p.id for p in members],
            "rrule": f"FREQ=WEEKLY;COUNT={weeks_left}", "first_local_start": first.isoformat(),
            "duration_minutes": self.scenario.group_minutes})
        self.sim.count("series")
        for session in series["sessions"]:
            self.sim.count("sessions:group")
            self.sim.at(datetime.fromisoformat(session["ends_at"]), self.group_session, peer, members, session)

    # sessions as they went
    def one_to_one(self, at: datetime, p: Participant, session: dict) -> None:
        starts = datetime.fromisoformat(session["starts_at"])
        reason = self._cancel_reason(p, starts)
        if reason is not None:
            self.gateway.post(p.program.coordinator, f"/sessions/{session['id']}/cancel", reason)
            self.sim.count("sessions_cancelled")
            return
        status, minutes = self._attendance(p.engagement, self.scenario.one_to_one_minutes)
        self._record(p.peer, session, [(p, status, minutes)])
        if status not in PRESENT:
            return
        weeks_in = (starts.date() - p.enroll_on).days / 7
        if self._due(p, "phq9", self.scenario.phq9_every_weeks, starts):
            total = self.phq9(starts + timedelta(minutes=5), p, p.peer.user, weeks_in)
            if self._due(p, "gad7", self.scenario.gad7_every_weeks, starts):
                self.questionnaire(p, p.peer.user, "gad7", answers.gad7(self.rng, total),
                                   starts + timedelta(minutes=15))
        self.document(p, starts, minutes, session["modality"], session["place_of_service"], session["id"])
        if self.rng.random() < self.scenario.concern_per_session:
            self.concern(p, starts + timedelta(minutes=minutes))

    def _due(self, p: Participant, instrument: str, every_weeks: int, at: datetime) -> bool:
        """Every ``every_weeks`` weeks, give or take the three days a weekly slot can drift."""
        last = self.last_taken.get((p.id, instrument))
        return last is None or at - last >= timedelta(weeks=every_weeks, days=-3)

    def group_session(self, at: datetime, peer: Peer, members: list[Participant], session: dict) -> None:
        if self.rng.random() < self.scenario.program_cancellation:
            self.gateway.post(peer.program.coordinator, f"/sessions/{session['id']}/cancel",
                              {"reason": "facilitator unavailable", "cancelled_by": "program"})
            self.sim.count("sessions_cancelled")
            return
        rows = []
        for p in members:
            if not p.active or p.in_hospital:
                rows.append((p, "cancelled_by_participant", 0))
            else:
                rows.append((p, *self._attendance(p.engagement * self.scenario.group_engagement,
                                                  self.scenario.group_minutes)))
        self._record(peer, session, rows)

    def _cancel_reason(self, p: Participant, starts: datetime) -> dict | None:
        if not p.active:
            return {"reason": "enrollment ended", "cancelled_by": "participant"}
        if p.in_hospital:
            return {"reason": "participant in hospital", "cancelled_by": "program"}
        if self.rng.random() < self.scenario.program_cancellation:
            return {"reason": "peer unavailable", "cancelled_by": "program"}
        return None

    def _attendance(self, engagement: float, length: int) -> tuple[str, int]:
        rng = self.rng
        if rng.random() < engagement:
            status = rng.choices(["attended", "late", "left_early"], weights=[0.87, 0.08, 0.05])[0]
            minutes = {"attended": rng.randint(length - 5, length), "late": rng.randint(length // 2, length - 10),
                       "left_early": rng.randint(length // 4, length // 2)}[status]
            return status, minutes
        return rng.choices(["no_show", "cancelled_by_participant"], weights=[0.6, 0.4])[0], 0

    def _record(self, peer: Peer, session: dict, rows: list[tuple[Participant, str, int]]) -> None:
        self.gateway.post(peer.user, f"/sessions/{session['id']}/attendance", {
            "facilitator_peer_id": peer.id,
            "records": [{"participant_id": p.id, "status": status, "minutes_present": minutes}
                        for p, status, minutes in rows]})
        starts = datetime.fromisoformat(session["starts_at"])
        for p, status, _ in rows:
            self.sim.truth.attendance_recorded(p.program.id, session["id"], starts, p.id, status)
            self.sim.count(f"attendance:{status}")
            if status == "no_show":
                self.sim.desk.no_show(p, session["id"], starts)

    def document(self, p: Participant, starts: datetime, minutes: int, modality: str, place: str,
                 session_id: str | None) -> None:
        """The peer's contact note (what billing needs), signed the same day most of the time."""
        contact = self.gateway.post(p.peer.user, f"/participants/{p.id}/contacts", {
            "program_id": p.program.id, "peer_id": p.peer.id, "session_id": session_id, "modality": modality,
            "place_of_service": place, "started_at": starts.isoformat(),
            "ended_at": (starts + timedelta(minutes=max(minutes, 1))).isoformat(), "face_to_face_minutes": minutes,
            "goal_ids": p.goals[:1], "note": "Peer support: recovery goals, coping skills, community resources."})
        self.sim.count("contacts")
        if self.rng.random() < self.scenario.note_signed:
            self.gateway.post(p.peer.user, f"/contacts/{contact['id']}/sign")
            self.sim.count("contacts_signed")

    def concern(self, p: Participant, at: datetime) -> None:
        rng = self.rng
        immediate = rng.random() < self.scenario.immediate_danger
        category = "immediate_danger" if immediate else rng.choices(
            ["suicidal_ideation", "self_harm", "substance_use_crisis", "harm_to_others", "other"],
            weights=[0.4, 0.15, 0.25, 0.05, 0.15])[0]
        concern = self.gateway.post(p.peer.user, f"/participants/{p.id}/safety-concerns", {
            "program_id": p.program.id, "category": category, "immediate_danger": immediate,
            "peer_with_person": True, "note": "Concern raised during the session.", "raised_at": at.isoformat()})
        self.sim.count("concerns")
        self.sim.desk.concern(p, concern["id"], immediate, at)
