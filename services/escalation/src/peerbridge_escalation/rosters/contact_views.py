"""A clinician's contact methods and their verification by the platform (see ``verification``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from peerbridge_shared.deps import Caller, Db, Now
from peerbridge_shared.identity import Identity
from peerbridge_shared.validation import Id
from peerbridge_shared.web import Problem, not_found

from ..notify.channels import Channel
from ..settings import EscalationSettings
from . import service, verification
from .models import ClinicianContact
from .schemas import ContactCreate, ContactRead, ContactVerify

router = APIRouter(tags=["on-call"])
REFUSALS = {
    verification.Check.WRONG: (422, "the code is not the one sent"),
    verification.Check.EXPIRED: (422, "the code expired; ask for a new one"),
    verification.Check.TOO_MANY: (422, "too many wrong codes; ask for a new one"),
    verification.Check.NONE_SENT: (409, "no code is outstanding for this contact method; ask for one"),
}


def _channels(request: Request) -> dict[str, Channel]:
    return request.app.state.channels


def _settings(request: Request) -> EscalationSettings:
    return request.app.state.settings


Channels = Annotated[dict[str, Channel], Depends(_channels)]
Settings = Annotated[EscalationSettings, Depends(_settings)]


def _contact(session, caller: Identity, clinician_id: str, contact_id: str) -> ClinicianContact:
    contact = session.scalars(select(ClinicianContact).where(
        ClinicianContact.organization_id == caller.organization_id, ClinicianContact.clinician_id == clinician_id,
        ClinicianContact.id == contact_id).with_for_update()).first()
    if contact is None:
        raise not_found("path.contact_id", "contact method", contact_id)
    return contact


@router.put("/clinicians/{clinician_id}/contacts")
def replace_contacts(clinician_id: Id, body: list[ContactCreate], caller: Caller, db: Db, now: Now,
                     channels: Channels, settings: Settings) -> list[ContactRead]:
    """The clinician's contact methods, in priority order. A method not on file before starts its
    verification (a code by e-mail/SMS/voice, a signed challenge to a webhook); until verified it is
    never paged."""
    with db.transaction() as session:
        rows = service.replace_contacts(
            session=session, caller=caller, clinician_id=clinician_id, contacts=body,
            start_verification=lambda row: verification.start(session, row, channels, settings, now()))
        return [ContactRead.model_validate(c) for c in rows]


@router.post("/clinicians/{clinician_id}/contacts/{contact_id}/verification")
def restart_verification(clinician_id: Id, contact_id: Id, caller: Caller, db: Db, now: Now, channels: Channels,
                         settings: Settings) -> ContactRead:
    """Send a new code (or challenge the webhook again); the previous code no longer counts."""
    with db.transaction() as session:
        contact = _contact(session, caller, clinician_id, contact_id)
        verification.start(session, contact, channels, settings, now())
        return ContactRead.model_validate(contact)


@router.post("/clinicians/{clinician_id}/contacts/{contact_id}/verify")
def verify(clinician_id: Id, contact_id: Id, body: ContactVerify, caller: Caller, db: Db, now: Now,
           settings: Settings) -> ContactRead:
    """The clinician enters the code they received (only they can: it was sent to them)."""
    if caller.user_id != clinician_id:
        raise Problem(403, "only the clinician can enter their own verification code", field="path.clinician_id",
                      rule="own_contact")
    with db.transaction() as session:
        contact = _contact(session, caller, clinician_id, contact_id)
        check = verification.confirm(session, contact, body.code, settings, now())
        read = ContactRead.model_validate(contact)
    if check in REFUSALS:  # after the commit: a wrong try counts
        status, detail = REFUSALS[check]
        raise Problem(status, detail, field="body.code", rule=check.value)
    return read
