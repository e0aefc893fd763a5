"""`python -m peerbridge_escalation.notify`: the delivery worker (ESCALATION_* settings)."""

from __future__ import annotations

import logging
import signal
import threading

from peerbridge_shared import heartbeat
from peerbridge_shared.db import Database
from peerbridge_shared.events import utc_now
from peerbridge_shared.logs import configure_logging

from ..settings import EscalationSettings, get_settings
from .channels import Channel, EmailChannel, HttpSmsGateway, PhoneChannel, WebhookChannel
from .delivery import deliver_pending

log = logging.getLogger(__name__)


def channels_from(settings: EscalationSettings) -> dict[str, Channel]:
    gateway = None
    if settings.sms_gateway_url:
        token = settings.sms_gateway_token.get_secret_value() if settings.sms_gateway_token else ""
        gateway = HttpSmsGateway(settings.sms_gateway_url, token)
    found: list[Channel] = [
        WebhookChannel(settings.webhook_signing_secret.get_secret_value()),
        EmailChannel(settings.smtp_host, settings.smtp_port, settings.smtp_sender, settings.smtp_starttls),
        PhoneChannel(gateway, voice=False), PhoneChannel(gateway, voice=True),
    ]
    return {channel.name: channel for channel in found}


def main() -> None:
    settings = get_settings()
    configure_logging("escalation-delivery", settings.log_level)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    database, channels = Database(settings.database_url), channels_from(settings)
    log.info("delivery worker started")
    while not stop.is_set():
        try:
            deliver_pending(database, channels, settings.console_url, utc_now())
        except Exception:  # noqa: BLE001 - the worker outlives outages
            log.exception("delivery pass failed")
        heartbeat.wait(stop, settings.delivery_interval_s)
    database.dispose()


main()
