"""The channels a process sends through, from its settings (the delivery worker's pages and the API's
verification messages use the same ones)."""

from __future__ import annotations

from ..settings import EscalationSettings
from .channels import Channel, EmailChannel, HttpSmsGateway, PhoneChannel, WebhookChannel


def channels_from(settings: EscalationSettings) -> dict[str, Channel]:
    gateway = None
    if settings.sms_gateway_url:
        token = settings.sms_gateway_token.get_secret_value() if settings.sms_gateway_token else ""
        gateway = HttpSmsGateway(settings.sms_gateway_url, token)
    found: list[Channel] = [
        WebhookChannel(settings.webhook_signing_secret.get_secret_value(),
                       allow_http_localhost=settings.webhook_allow_http_localhost),
        EmailChannel(settings.smtp_host, settings.smtp_port, settings.smtp_sender, settings.smtp_starttls),
        PhoneChannel(gateway, voice=False), PhoneChannel(gateway, voice=True),
    ]
    return {channel.name: channel for channel in found}
