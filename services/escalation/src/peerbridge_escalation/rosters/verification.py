"""Contact methods verified by the platform, never by a caller.

Adding a method starts its verification: an e-mail address or a phone number (SMS, voice) gets a
six-digit one-time code that the clinician enters (``POST .../verify``; it expires after
``verification_code_minutes``, and ``verification_max_tries`` wrong codes need a new one); a webhook
gets a signed challenge (``{"type": "contact.verification", "challenge": ...}``, signed like a page)
and is verified when it answers 2xx with ``{"challenge": <the same>}``. Only verified methods are
paged; a roster or policy that would page someone without one is refused."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session, object_session

from ..audit.service import append
from ..configuration import forget
from ..notify.channels import Channel, DeliveryError, WebhookChannel
from ..retry import describe
from ..settings import EscalationSettings
from .models import ClinicianContact

SYSTEM = "system:escalation-verification"


class Check(StrEnum):
    VERIFIED = "verified"
    WRONG = "wrong_code"
    EXPIRED = "code_expired"
    TOO_MANY = "code_tries"
    NONE_SENT = "code_outstanding"


def _digest(settings: EscalationSettings, contact: ClinicianContact, code: str) -> str:
    key = settings.webhook_signing_secret.get_secret_value().encode()
    return hmac.new(key, f"{contact.id}:{code}".encode(), hashlib.sha256).hexdigest()


def mark_verified(contact: ClinicianContact, now: datetime) -> None:
    forget(object_session(contact))
    contact.verified, contact.verified_at, contact.verification = True, now, "verified"
    contact.verification_code_hash = contact.verification_expires_at = contact.verification_error = None


def start(session: Session, contact: ClinicianContact, channels: dict[str, Channel], settings: EscalationSettings,
          now: datetime) -> None:
    """Send the code or the challenge now; any failure is recorded on the contact (never raised)."""
    forget(session)
    contact.verified, contact.verified_at, contact.verification_tries = False, None, 0
    contact.verification_code_hash = contact.verification_expires_at = contact.verification_error = None
    channel = channels.get(contact.channel)
    try:
        if channel is None:
            raise DeliveryError(f"channel {contact.channel} is not available", permanent=True)
        if isinstance(channel, WebhookChannel):
            if channel.challenge(contact.address, contact.id, secrets.token_urlsafe(24)):
                mark_verified(contact, now)
            else:
                contact.verification = "challenge_failed"
                contact.verification_error = "the webhook did not echo the challenge"
        else:
            code = f"{secrets.randbelow(10 ** 6):06d}"
            channel.send_text(contact.address, "PeerBridge verification code",
                              f"Your PeerBridge verification code is {code}. It expires in "
                              f"{settings.verification_code_minutes} minutes.")
            contact.verification, contact.verification_code_hash = "code_sent", _digest(settings, contact, code)
            contact.verification_expires_at = now + timedelta(minutes=settings.verification_code_minutes)
    except DeliveryError as exc:
        contact.verification, contact.verification_error = "send_failed", str(exc)[:500]
    except Exception as exc:  # noqa: BLE001 - a broken address never fails the request that added it
        contact.verification, contact.verification_error = "send_failed", describe(exc)
    append(session, organization_id=contact.organization_id, case_id=None, action="contact.verification",
           actor=SYSTEM, detail={"contact_id": contact.id, "clinician_id": contact.clinician_id,
                                 "channel": contact.channel, "status": contact.verification}, at=now)


def confirm(session: Session, contact: ClinicianContact, code: str, settings: EscalationSettings,
            now: datetime) -> Check:
    """Compare the code the clinician entered (the caller commits even when it is wrong: tries count)."""
    if contact.verified:
        return Check.VERIFIED
    if contact.verification != "code_sent" or contact.verification_code_hash is None:
        return Check.NONE_SENT
    if contact.verification_expires_at is None or now >= contact.verification_expires_at:
        contact.verification = "expired"
        return Check.EXPIRED
    if contact.verification_tries >= settings.verification_max_tries:
        return Check.TOO_MANY
    if not hmac.compare_digest(_digest(settings, contact, code), contact.verification_code_hash):
        contact.verification_tries += 1
        return Check.WRONG
    mark_verified(contact, now)
    append(session, organization_id=contact.organization_id, case_id=None, action="contact.verified",
           actor=contact.clinician_id, detail={"contact_id": contact.id, "channel": contact.channel}, at=now)
    return Check.VERIFIED
