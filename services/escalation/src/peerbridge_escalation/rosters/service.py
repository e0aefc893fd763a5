from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peerbridge_shared.deps import Clock, Page
from peerbridge_shared.identity import Identity
from peerbridge_shared.web import Problem

from ..audit.service import append
from ..configuration import forget, remembered
from .models import ClinicianContact, ProgramContacts, Roster
from .schedule import RosterDefinition
from .schemas import ContactCreate, ProgramContactsSet, RosterPublish

_DAY = timedelta(days=1)  # the period is in local days; compare UTC dates with a day of slack


def reachable(session: Session, organization_id: str, clinician_ids: set[str]) -> set[str]:
    """The clinicians among ``clinician_ids`` with at least one verified contact method."""
    return set(session.scalars(select(ClinicianContact.clinician_id).where(
        ClinicianContact.organization_id == organization_id, ClinicianContact.clinician_id.in_(clinician_ids),
        ClinicianContact.verified)))


def _require_reachable(session: Session, organization_id: str, clinician_ids: set[str], field: str) -> None:
    missing = sorted(clinician_ids - reachable(session, organization_id, clinician_ids))
    if missing:
        raise Problem(422, f"no verified contact method for {', '.join(missing)}", field=field,
                      rule="verified_contact", clinicians=missing)


def replace_contacts(*, session: Session, caller: Identity, clinician_id: str, contacts: list[ContactCreate],
                     start_verification: Callable[[ClinicianContact], None]) -> list[ClinicianContact]:
    """The clinician's methods become ``contacts``: a method already on file (same channel and address)
    keeps its verification; a new one starts its own (``start_verification``)."""
    forget(session)
    keys = [(c.channel.value, c.address) for c in contacts]
    if len(set(keys)) != len(keys):
        raise Problem(422, "the same channel and address appear twice", field="body", rule="unique")
    existing = {(c.channel, c.address): c for c in session.scalars(select(ClinicianContact).where(
        ClinicianContact.organization_id == caller.organization_id, ClinicianContact.clinician_id == clinician_id))}
    rows, added = [], []
    for contact, key in zip(contacts, keys, strict=True):
        row = existing.pop(key, None)
        if row is None:
            row = ClinicianContact(organization_id=caller.organization_id, clinician_id=clinician_id,
                                   channel=key[0], address=key[1], verified=False, verification="pending")
            session.add(row)
            added.append(row)
        row.priority = contact.priority
        rows.append(row)
    for gone in existing.values():
        session.delete(gone)
    session.flush()
    for row in added:
        start_verification(row)
    return rows


def set_program_contacts(*, session: Session, caller: Identity, program_id: str, data: ProgramContactsSet,
                         clock: Clock) -> ProgramContacts:
    forget(session)
    _require_reachable(session, caller.organization_id, {data.supervisor_id, data.medical_director_id}, "body")
    row = session.get(ProgramContacts, (caller.organization_id, program_id)) or ProgramContacts(
        organization_id=caller.organization_id, program_id=program_id)
    row.supervisor_id, row.medical_director_id = data.supervisor_id, data.medical_director_id
    session.add(row)
    append(session, organization_id=caller.organization_id, case_id=None, action="program_contacts.set",
           actor=caller.user_id, detail={"program_id": program_id, **data.model_dump()}, at=clock())
    return row


def publish_roster(*, session: Session, caller: Identity, data: RosterPublish, clock: Clock) -> Roster:
    """Refused, naming the gap or the clinician, when anyone could be unreachable or nobody on call."""
    forget(session)
    definition = RosterDefinition.model_validate(data.model_dump(exclude={"program_id"}))
    _require_reachable(session, caller.organization_id, definition.clinicians(), "body.layers")
    gaps = definition.gaps()
    if gaps:
        named = [{"from": a.isoformat(), "until": b.isoformat()} for a, b in gaps]
        first = named[0]
        raise Problem(422, f"nobody is on call from {first['from']} until {first['until']}"
                           + (f" (and {len(gaps) - 1} more gaps)" if len(gaps) > 1 else ""),
                      field="body.layers", rule="full_coverage", gaps=named)
    session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"roster:{data.program_id}", 0))))
    version = (session.scalar(select(func.max(Roster.version)).where(
        Roster.organization_id == caller.organization_id, Roster.program_id == data.program_id)) or 0) + 1
    roster = Roster(organization_id=caller.organization_id, program_id=data.program_id, version=version,
                    time_zone=definition.time_zone, effective_from=definition.effective_from,
                    effective_until=definition.effective_until, definition=definition.model_dump(mode="json"),
                    published_by=caller.user_id, published_at=clock())
    session.add(roster)
    session.flush()
    append(session, organization_id=caller.organization_id, case_id=None, action="roster.published",
           actor=caller.user_id, detail={"program_id": data.program_id, "version": version}, at=clock())
    return roster


def published_rosters(session: Session, organization_id: str, program_id: str, page: Page) -> list[Roster]:
    """The program's published versions, newest first (the first is what an editor starts from)."""
    return list(session.scalars(page.of(select(Roster).where(
        Roster.organization_id == organization_id, Roster.program_id == program_id)
        .order_by(Roster.version.desc()))))


def _rosters_around(session: Session, organization_id: str, program_id: str,
                    day: date) -> list[tuple[Roster, RosterDefinition]]:
    """The program's published rosters whose period may include ``day`` (UTC), latest first."""
    def load() -> list[tuple[Roster, RosterDefinition]]:
        rosters = session.scalars(select(Roster).where(
            Roster.organization_id == organization_id, Roster.program_id == program_id,
            Roster.effective_from <= day + _DAY, Roster.effective_until >= day - _DAY)
            .order_by(Roster.version.desc()))
        return [(roster, RosterDefinition.model_validate(roster.definition)) for roster in rosters]

    return remembered(session, ("rosters", organization_id, program_id, day), load)


def on_call(session: Session, organization_id: str, program_id: str, at: datetime) -> tuple[str | None, int | None]:
    """Who is on call at ``at`` by the latest published roster whose period includes it, and its version."""
    for roster, definition in _rosters_around(session, organization_id, program_id, at.date()):
        clinician = definition.on_call(at)
        if clinician is not None:
            return clinician, roster.version
    return None, None



