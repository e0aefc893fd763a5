"""Appointment adherence: reminders at each program's offsets before a session, check-ins, and
participants without a check-in marked no-show after the grace period.

``tick`` does one pass; the worker process (``python -m peerbridge_scheduling.worker``) runs it
every few seconds. Each reminder goes out once per session and offset, however many workers run:
the row in ``sent_reminders`` is claimed with an insert that only one transaction can win.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from peerbridge_shared.db import Database
from peerbridge_shared.events.care import AttendanceRecorded, AttendanceStatus
from peerbridge_shared.events.scheduling import ReminderRecipient, SessionReminderDue
from peerbridge_shared.identity import Identity
from peerbridge_shared.web import Problem

from ..attendance.models import Attendance
from ..deps import Clock, publish
from ..participants.models import Participant
from ..programs.models import Program, Site
from ..sessions.models import PeerSession
from ..sessions.service import SCHEDULED
from .models import CheckIn, SentReminder

SYSTEM_USER = "system:scheduling-worker"
LOOKAHEAD = timedelta(days=7)
NO_SHOW_WINDOW = timedelta(days=7)
CHECK_IN_EARLY = timedelta(minutes=60)


def system_caller(organization_id: str) -> Identity:
    return Identity(organization_id, SYSTEM_USER, frozenset())


@cache
def _texts() -> dict[str, dict]:
    return yaml.safe_load((Path(__file__).parent / "texts.yaml").read_text())


def reminder_text(language: str, kind: str, starts_at: datetime, zone: ZoneInfo, site: str) -> tuple[str, str]:
    """(language used, text) for one participant; unknown languages fall back to English."""
    texts = _texts()
    language = language if language in texts else "en"
    spec = texts[language]
    when = starts_at.astimezone(zone).strftime(spec["when"])
    return language, spec["template"].format(kind=spec["kinds"][kind], when=when, site=site)


def _claim(session: Session, session_id: str, offset: int, outcome: str, now: datetime) -> bool:
    claimed = session.execute(insert(SentReminder).values(session_id=session_id, offset_minutes=offset,
                                                          outcome=outcome, at=now)
                              .on_conflict_do_nothing().returning(SentReminder.session_id)).first()
    return claimed is not None


def send_due_reminders(*, session: Session, clock: Clock) -> int:
    now = clock()
    rows = session.execute(select(PeerSession, Program, Site).join(Program, PeerSession.program_id == Program.id)
                           .join(Site, PeerSession.site_id == Site.id)
                           .where(PeerSession.status == SCHEDULED, PeerSession.starts_at > now,
                                  PeerSession.starts_at <= now + LOOKAHEAD))
    sent = 0
    for record, program, site in rows:
        due = sorted(o for o in program.reminder_offsets_minutes if record.starts_at - timedelta(minutes=o) <= now)
        if not due:
            continue
        for stale in due[1:]:  # a worker that was down sends only the nearest reminder
            _claim(session, record.id, stale, "skipped", now)
        if _claim(session, record.id, due[0], "sent", now):
            _publish_reminder(session, record, program, site, due[0], clock)
            sent += 1
    return sent


def _publish_reminder(session: Session, record: PeerSession, program: Program, site: Site, offset: int,
                      clock: Clock) -> None:
    zone = ZoneInfo(program.time_zone)
    languages = dict(session.execute(select(Participant.id, Participant.preferred_language)
                                     .where(Participant.id.in_(record.participant_ids))).all())
    recipients = []
    for participant_id in record.participant_ids:
        language, text = reminder_text(languages[participant_id], record.kind, record.starts_at, zone, site.name)
        recipients.append(ReminderRecipient(participant_id=participant_id, language=language, text=text))
    publish(session, system_caller(record.organization_id), SessionReminderDue(
        session_id=record.id, program_id=record.program_id, offset_minutes=offset, starts_at=record.starts_at,
        recipients=recipients), clock)


def mark_no_shows(*, session: Session, clock: Clock) -> int:
    now = clock()
    candidates = session.scalars(
        select(PeerSession).join(Program, PeerSession.program_id == Program.id)
        .where(PeerSession.status == SCHEDULED, Program.auto_no_show, PeerSession.starts_at >= now - NO_SHOW_WINDOW,
               PeerSession.starts_at <= now)
        .with_for_update(of=PeerSession, skip_locked=True))
    marked = 0
    for record in candidates:
        program = session.get(Program, record.program_id)
        if record.starts_at + timedelta(minutes=program.no_show_grace_minutes) > now:
            continue
        present = set(session.scalars(select(CheckIn.participant_id).where(CheckIn.session_id == record.id)))
        recorded = set(session.scalars(select(Attendance.participant_id).where(Attendance.session_id == record.id)))
        for participant_id in record.participant_ids:
            if participant_id in present | recorded:
                continue
            session.add(Attendance(session_id=record.id, participant_id=participant_id,
                                   organization_id=record.organization_id, status=AttendanceStatus.NO_SHOW.value,
                                   minutes_present=0, recorded_by=SYSTEM_USER))
            publish(session, system_caller(record.organization_id), AttendanceRecorded(
                participant_id=participant_id, session_id=record.id, program_id=record.program_id,
                site_id=record.site_id, peer_id=record.peer_ids[0], session_kind=record.kind,
                status=AttendanceStatus.NO_SHOW, minutes_present=0, session_starts_at=record.starts_at), clock)
            marked += 1
    session.flush()
    return marked


def check_in(*, session: Session, caller: Identity, record: PeerSession, participant_id: str,
             clock: Clock) -> CheckIn:
    now = clock()
    if record.status != SCHEDULED:
        raise Problem(409, f"session {record.id} is {record.status}", rule="scheduled_only")
    if participant_id not in record.participant_ids:
        raise Problem(422, f"participant {participant_id} is not on this session", field="body.participant_id",
                      rule="session_participant")
    if not record.starts_at - CHECK_IN_EARLY <= now <= record.ends_at:
        raise Problem(422, "check-in opens an hour before the session and closes when it ends",
                      field="body.participant_id", rule="check_in_window")
    existing = session.get(CheckIn, (record.id, participant_id))
    if existing is not None:
        return existing
    row = CheckIn(session_id=record.id, participant_id=participant_id, checked_in_at=now,
                  checked_in_by=caller.user_id)
    session.add(row)
    session.flush()
    return row


def tick(database: Database, clock: Clock) -> tuple[int, int]:
    """One pass: (reminders sent, participants marked no-show)."""
    with database.transaction() as session:
        reminders = send_due_reminders(session=session, clock=clock)
    with database.transaction() as session:
        no_shows = mark_no_shows(session=session, clock=clock)
    return reminders, no_shows
