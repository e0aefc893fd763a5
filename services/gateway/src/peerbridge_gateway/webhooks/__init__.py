"""Funder webhooks: subscriptions (kept in Redis, managed through /v1/webhooks) and the
``python -m peerbridge_gateway.webhooks`` process that delivers new outcome feed reports."""
