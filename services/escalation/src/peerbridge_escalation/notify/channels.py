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


class WebhookChannel:
    """POST a JSON body signed with HMAC-SHA256 over "<timestamp>.<body>" (header X-PeerBridge-Signature)."""

    name = "webhook"

    def __init__(self, secret: str, timeout_s: float = 5.0) -> None:
        self.secret, self.timeout_s = secret.encode(), timeout_s

    def sign(self, timestamp: str, body: bytes) -> str:
        return "sha256=" + hmac.new(self.secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()

    def send(self, page: Page, address: str) -> None:
        body = json.dumps({"notification_id": page.notification_id, "case_id": page.case_id,
                           "case_number": page.case_number, "risk_level": page.risk_level, "level": page.level,
                           "link": page.link, "text": page.text()}).encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-PeerBridge-Timestamp": timestamp,
                   "X-PeerBridge-Signature": self.sign(timestamp, body),
                   "Idempotency-Key": page.notification_id}
        try:
            response = httpx.post(address, content=body, headers=headers, timeout=self.timeout_s)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook unreachable: {type(exc).__name__}") from None
        if response.status_code >= 300:
            raise DeliveryError(f"webhook answered {response.status_code}",
                                permanent=_refusal_is_permanent(response.status_code))


class EmailChannel:
    name = "email"

    def __init__(self, host: str, port: int, sender: str, starttls: bool = False, timeout_s: float = 10.0) -> None:
        self.host, self.port, self.sender, self.starttls, self.timeout_s = host, port, sender, starttls, timeout_s

    def send(self, page: Page, address: str) -> None:
        message = EmailMessage()
        message["From"], message["To"] = self.sender, address
        message["Subject"] = f"PeerBridge {page.risk_level} risk case {page.case_number}"
        message["Message-ID"] = f"<{page.notification_id}@peerbridge>"
        message.set_content(page.text())
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                if self.starttls:
                    smtp.starttls()
                smtp.send_message(message)
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
        if self.gateway is None:
            raise DeliveryError(f"no {self.name} gateway configured", permanent=True)
        self.gateway.send(address, page.text(), voice=self.voice)
