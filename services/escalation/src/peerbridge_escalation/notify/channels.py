"""Notification channels: one small class per way of reaching a clinician.

Every message carries no PHI: the case number, the risk level and a link to the authenticated
console. A channel raises :class:`DeliveryError` when it could not deliver; the delivery worker
then tries the clinician's next contact method. In-app notifications are not a channel here: they
are the ``EscalationNotified`` events the gateway pushes to the clinician's WebSocket.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import httpx
from email_validator import EmailNotValidError, validate_email

from peerbridge_shared.endpoints import EndpointRefused, post_pinned, resolve_public
from peerbridge_shared.validation import e164


class DeliveryError(Exception):
    """The channel could not deliver; ``permanent`` when trying again cannot help (an address the
    channel cannot use, a refusal such as a 4xx): the next contact method is tried at once."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def _refusal_is_permanent(status: int) -> bool:
    return 400 <= status < 500 and status not in (408, 425, 429)


@dataclass(frozen=True)
class Page:
    notification_id: str
    case_id: str
    case_number: str
    risk_level: str
    level: int
    link: str

    def text(self) -> str:
        return (f"PeerBridge: {self.risk_level} risk case {self.case_number} needs a clinician to acknowledge. "
                f"Open {self.link}")


class Channel(Protocol):
    name: str

    def send(self, page: Page, address: str) -> None: ...

    def send_text(self, address: str, subject: str, text: str) -> None:
        """A message that is not a page (a verification code)."""


class WebhookChannel:
    """POST a JSON body signed with HMAC-SHA256 over "<timestamp>.<body>" (header X-PeerBridge-Signature),
    to the address the URL resolved to when it was checked again just now (public addresses only,
    ``allow_http_localhost`` for dev and tests), so DNS rebinding cannot redirect it."""

    name = "webhook"

    def __init__(self, secret: str, timeout_s: float = 5.0, *, allow_http_localhost: bool = False) -> None:
        self.secret, self.timeout_s, self.allow_http_localhost = secret.encode(), timeout_s, allow_http_localhost

    def sign(self, timestamp: str, body: bytes) -> str:
        return "sha256=" + hmac.new(self.secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()

    def post(self, address: str, payload: dict, idempotency_key: str) -> httpx.Response:
        try:
            endpoint = resolve_public(address, allow_http_localhost=self.allow_http_localhost)
        except EndpointRefused as refused:
            raise DeliveryError(f"webhook address refused: {refused.detail}", permanent=True) from None
        body = json.dumps(payload).encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-PeerBridge-Timestamp": timestamp,
                   "X-PeerBridge-Signature": self.sign(timestamp, body), "Idempotency-Key": idempotency_key}
        try:
            with httpx.Client(timeout=self.timeout_s, follow_redirects=False) as client:
                response = post_pinned(client, endpoint, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook unreachable: {type(exc).__name__}") from None
        if response.status_code >= 300:
            raise DeliveryError(f"webhook answered {response.status_code}",
                                permanent=_refusal_is_permanent(response.status_code))
        return response

    def send(self, page: Page, address: str) -> None:
        self.post(address, {"notification_id": page.notification_id, "case_id": page.case_id,
                            "case_number": page.case_number, "risk_level": page.risk_level, "level": page.level,
                            "link": page.link, "text": page.text()}, page.notification_id)

    def send_text(self, address: str, subject: str, text: str) -> None:
        raise DeliveryError("webhooks are verified by a challenge, not a code", permanent=True)

    def challenge(self, address: str, contact_id: str, challenge: str) -> bool:
        """POST a signed verification challenge; True when the receiver echoed it back."""
        response = self.post(address, {"type": "contact.verification", "contact_id": contact_id,
                                       "challenge": challenge}, f"verify-{contact_id}-{challenge[:8]}")
        try:
            echoed = response.json().get("challenge")
        except (ValueError, AttributeError):
            return False
        return isinstance(echoed, str) and hmac.compare_digest(echoed, challenge)


def usable_email(address: str) -> str:
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise DeliveryError(f"e-mail address unusable: {exc}", permanent=True) from None


def usable_phone(address: str) -> str:
    try:
        return e164(address)
    except ValueError as exc:
        raise DeliveryError(f"phone number unusable: {exc}", permanent=True) from None


class EmailChannel:
    name = "email"

    def __init__(self, host: str, port: int, sender: str, starttls: bool = False, timeout_s: float = 10.0) -> None:
        self.host, self.port, self.sender, self.starttls, self.timeout_s = host, port, sender, starttls, timeout_s

    def send(self, page: Page, address: str) -> None:
        self._send(address, f"PeerBridge {page.risk_level} risk case {page.case_number}", page.text(),
                   f"<{page.notification_id}@peerbridge>")

    def send_text(self, address: str, subject: str, text: str) -> None:
        self._send(address, subject, text, None)

    def _send(self, address: str, subject: str, text: str, message_id: str | None) -> None:
        message = EmailMessage()
        message["From"], message["To"] = self.sender, usable_email(address)
        message["Subject"] = subject
        if message_id:
            message["Message-ID"] = message_id
        message.set_content(text)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                if self.starttls:
                    smtp.starttls()
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused:
            raise DeliveryError("e-mail recipient refused", permanent=True) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"e-mail not accepted: {type(exc).__name__}") from None


class SmsGateway(Protocol):
    """What an SMS or voice provider adapter implements (one per vendor)."""

    def send(self, to: str, text: str, *, voice: bool) -> None: ...


class HttpSmsGateway:
    """A vendor-neutral adapter: POST {"to", "text", "voice"} to the provider's HTTP endpoint."""

    def __init__(self, url: str, token: str, timeout_s: float = 5.0) -> None:
        self.url, self.token, self.timeout_s = url, token, timeout_s

    def send(self, to: str, text: str, *, voice: bool) -> None:
        try:
            response = httpx.post(self.url, json={"to": to, "text": text, "voice": voice}, timeout=self.timeout_s,
                                  headers={"Authorization": f"Bearer {self.token}"})
        except httpx.HTTPError as exc:
            raise DeliveryError(f"SMS gateway unreachable: {type(exc).__name__}") from None
        if response.status_code >= 300:
            raise DeliveryError(f"SMS gateway answered {response.status_code}")


class PhoneChannel:
    def __init__(self, gateway: SmsGateway | None, *, voice: bool) -> None:
        self.gateway, self.voice = gateway, voice
        self.name = "voice" if voice else "sms"

    def send(self, page: Page, address: str) -> None:
        self.send_text(address, "", page.text())

    def send_text(self, address: str, subject: str, text: str) -> None:
        number = usable_phone(address)
        if self.gateway is None:
            raise DeliveryError(f"no {self.name} gateway configured", permanent=True)
        self.gateway.send(number, text, voice=self.voice)
