"""One valid instance of every event type, for round-trip and contract tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from peerbridge_shared.events import Event, access, care, escalation, outcomes, safety, scheduling

T0 = datetime(2026, 3, 8, 9, 30, tzinfo=UTC)
P, PROGRAM, SITE, PEER, CASE = "p-0001", "prog-1", "site-1", "peer-1", "case-1"
_case = dict(case_id=CASE, case_number="ESC-2026-000001", participant_id=P, program_id=PROGRAM,
             risk_level=escalation.RiskLevel.HIGH)


def all_samples() -> list[Event]:
    return [
        scheduling.ParticipantEnrolled(
            participant_id=P, enrollment_id="enr-1", program_id=PROGRAM, site_id=SITE,
            enrolled_on=date(2026, 3, 1), payer_id="medicaid-nc", authorized_units=24,
            clinician_id="clin-1", preferred_language="es", index_discharge_on=date(2026, 2, 27)),
        scheduling.EnrollmentEnded(participant_id=P, enrollment_id="enr-1", program_id=PROGRAM,
                                   ended_on=date(2026, 9, 1), reason="completed"),
        scheduling.ConsentChanged(participant_id=P, program_id=PROGRAM,
                                  consent=scheduling.ConsentKind.OUTCOME_FEED, granted=True, effective_at=T0),
        scheduling.PeerAssigned(participant_id=P, enrollment_id="enr-1", program_id=PROGRAM, peer_id=PEER,
                                assigned_at=T0),
        scheduling.SessionScheduled(
            session_id="s-1", program_id=PROGRAM, site_id=SITE, kind=scheduling.SessionKind.GROUP,
            modality=scheduling.Modality.IN_PERSON, place_of_service="53", starts_at=T0,
            ends_at=T0 + timedelta(hours=1), peer_ids=[PEER], participant_ids=[P, "p-0002"], capacity=12,
            series_id="series-1"),
        scheduling.SessionRescheduled(
            session_id="s-1", program_id=PROGRAM, starts_at=T0 + timedelta(days=1),
            ends_at=T0 + timedelta(days=1, hours=1), previous_starts_at=T0,
            previous_ends_at=T0 + timedelta(hours=1), reason="facilitator ill"),
        scheduling.SessionCancelled(session_id="s-1", program_id=PROGRAM,
                                    cancelled_by=scheduling.CancelledBy.PROGRAM, reason="weather",
                                    cancelled_at=T0),
        scheduling.SessionCompleted(
            session_id="s-1", program_id=PROGRAM, site_id=SITE, kind=scheduling.SessionKind.ONE_TO_ONE,
            modality=scheduling.Modality.VIDEO, place_of_service="02", facilitator_peer_id=PEER,
            started_at=T0, ended_at=T0 + timedelta(minutes=50), attendee_count=1),
        scheduling.SessionReminderDue(
            session_id="s-1", program_id=PROGRAM, offset_minutes=60, starts_at=T0, recipients=[
                scheduling.ReminderRecipient(participant_id=P, language="es", text="Recordatorio: ...")]),
        care.AttendanceRecorded(
            participant_id=P, session_id="s-1", program_id=PROGRAM, site_id=SITE, peer_id=PEER,
            session_kind=scheduling.SessionKind.GROUP, status=care.AttendanceStatus.LEFT_EARLY,
            minutes_present=35, session_starts_at=T0),
        care.PeerContactDocumented(
            participant_id=P, contact_id="c-1", program_id=PROGRAM, peer_id=PEER, session_id="s-1",
            session_kind=scheduling.SessionKind.ONE_TO_ONE, modality=scheduling.Modality.PHONE,
            place_of_service="02", payer_id="medicaid-nc", occurred_at=T0, face_to_face_minutes=38,
            goals_addressed=["housing"], note_signed_at=T0 + timedelta(hours=2), peer_credential_valid=True,
            peer_supervision_current=True, enrollment_active=True),
        care.AssessmentCompleted(
            participant_id=P, assessment_id="a-1", program_id=PROGRAM, instrument="phq9", instrument_version="1",
            loinc="44261-6", item_scores={str(i + 1): v for i, v in enumerate([1, 2, 1, 0, 3, 1, 2, 0, 2])},
            total_score=12, band="moderate", completed_at=T0, administered_by=PEER),
        care.GoalStatusChanged(participant_id=P, goal_id="g-1", program_id=PROGRAM, domain="housing",
                               status=care.GoalStatus.ACHIEVED, previous_status=care.GoalStatus.ACTIVE, changed_at=T0),
        care.SupervisionLogged(supervision_id="sup-1", peer_id=PEER, supervisor_id="svr-1", program_id=PROGRAM,
                               held_on=date(2026, 3, 6), minutes=60, cases_reviewed=4),
        care.PeerProfileChanged(peer_id=PEER, program_id=PROGRAM, credential_type="CPSS",
                                credential_expires_on=date(2027, 3, 1), caseload_cap=15, changed_at=T0),
        care.HospitalAdmitted(participant_id=P, encounter_id="e-1", encounter_class=care.EncounterClass.INPATIENT,
                              psychiatric=True, admitted_at=T0 - timedelta(days=9)),
        care.HospitalDischarged(participant_id=P, encounter_id="e-1",
                                encounter_class=care.EncounterClass.INPATIENT, psychiatric=True,
                                admitted_at=T0 - timedelta(days=9), discharged_at=T0 - timedelta(days=2)),
        care.HospitalEncounterCancelled(participant_id=P, encounter_id="e-1", cancelled=care.CancelledStep.DISCHARGE,
                                        encounter_class=care.EncounterClass.INPATIENT, psychiatric=True,
                                        admitted_at=T0 - timedelta(days=9), cancelled_at=T0 - timedelta(days=1)),
        care.PeerOutreachDue(participant_id=P, encounter_id="e-1", program_id=PROGRAM,
                             discharged_at=T0 - timedelta(days=2), due_by=T0),
        safety.RiskScreenCompleted(
            participant_id=P, screen_id="rs-1", program_id=PROGRAM, instrument=safety.ScreenInstrument.CSSRS_SCREENER,
            cssrs=safety.CssrsAnswers(wish_to_be_dead=True, suicidal_thoughts=True, thoughts_with_method=True,
                                      intent_without_plan=False, intent_with_plan=False, suicidal_behavior=False),
            completed_at=T0, screened_by=PEER, positive=True, rule_version="cssrs_screener@1:any-yes"),
        safety.SafetyConcernRaised(participant_id=P, concern_id="sc-1", program_id=PROGRAM,
                                   category=safety.ConcernCategory.IMMEDIATE_DANGER, immediate_danger=True,
                                   raised_by=PEER, raised_at=T0),
        safety.SafetyPlanUpdated(participant_id=P, safety_plan_id="sp-1", program_id=PROGRAM, version=2,
                                 steps_completed=[1, 2, 3, 4, 5, 6], updated_by="clin-1", updated_at=T0),
        escalation.EscalationOpened(**_case, rule_version="2026.1", signal_event_ids=["ev-1"], opened_at=T0,
                                    acknowledge_by=T0 + timedelta(minutes=15)),
        escalation.EscalationNotified(**_case, level=1, recipient_id="clin-2", channel="in_app", notified_at=T0),
        escalation.EscalationAcknowledged(**_case, acknowledged_by="clin-2", acknowledged_at=T0 + timedelta(minutes=4),
                                          seconds_to_acknowledge=240.0, within_deadline=True),
        escalation.EscalationEscalated(**_case, from_level=1, to_level=2,
                                       reason=escalation.EscalationReason.DEADLINE_PASSED, escalated_at=T0),
        escalation.EscalationResolved(**_case, resolved_by="clin-2", disposition_code="safety-plan-reviewed",
                                      resolved_at=T0 + timedelta(hours=3)),
        escalation.EscalationBreached(**_case, level=1, deadline=T0, breached_at=T0 + timedelta(seconds=1)),
        outcomes.OutcomeFeedPublished(
            feed_id=f"{PROGRAM}:2026-03", program_id=PROGRAM, period="2026-03", period_start=date(2026, 3, 1),
            period_end=date(2026, 3, 31), measures={"active_participants": 42, "fuh_7_day_rate": 0.61,
                                                     "readmissions_30_day": None},
            suppressed=["readmissions_30_day"], published_at=T0),
        access.PhiAccessed(
            access_id="acc-1", actor_id="clin-1", actor_roles=["clinician"], method="GET",
            route="/v1/participants/{participant_id}", path=f"/v1/participants/{P}", resource_id=P,
            participant_ids=[P], purpose=access.PurposeOfUse.TREATMENT, request_id="req-1", status=200,
            accessed_at=T0),
    ]
