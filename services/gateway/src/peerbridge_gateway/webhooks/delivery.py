"""Delivering outcome feed reports: one job per (report event, subscription), POSTed with an
HMAC-SHA256 signature, retried with exponential backoff up to ``webhook_max_attempts``.

Receivers verify ``X-PeerBridge-Signature: sha256=HMAC(secret, "<X-PeerBridge-Timestamp>.<body>")``
(the escalation service's webhook convention) and drop repeats by ``Idempotency-Key`` (the feed
event id): delivery is at least once."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time

import httpx
from prometheus_client import Counter

from peerbridge_shared import heartbeat
from peerbridge_shared.endpoints import EndpointRefused, post_pinned, resolve_public
from peerbridge_shared.events import Envelope, InvalidEvent
from peerbridge_shared.events.outcomes import OutcomeFeedPublished

from ..settings import GatewaySettings
from .store import Job, WebhookStore

log = logging.getLogger(__name__)
DELIVERIES = Counter("peerbridge_gateway_webhook_deliveries", "Webhook delivery attempts", ["outcome"])
MAX_BACKOFF_S = 3600.0
LOOP = "webhook-delivery"  # the delivery thread's heartbeat (the feed consumer beats as the main loop)


def signature(secret: str, timestamp: str, body: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()


class Webhooks:
    def __init__(self, settings: GatewaySettings, store: WebhookStore, client: httpx.Client | None = None) -> None:
        self.settings, self.store = settings, store
        self.client = client or httpx.Client(timeout=settings.webhook_timeout_s, follow_redirects=False)

    def handle(self, envelope: Envelope) -> None:
        """The feed consumer's handler: queue a delivery to each subscription that wants this report."""
        report = envelope.data
        if not isinstance(report, OutcomeFeedPublished):
            raise InvalidEvent(f"ce_type: {envelope.type} is not an outcome feed report")
        body = json.dumps({"id": envelope.id, "type": envelope.type, "organization_id": envelope.tenant,
                           "report": report.model_dump(mode="json")}, sort_keys=True)
        for subscription in self.store.subscriptions(envelope.tenant):
            if subscription.wants(report.program_id, report.published_at):
                job_id = hashlib.sha256(f"{envelope.id}:{subscription.id}".encode()).hexdigest()[:32]
                self.store.enqueue(Job(job_id, envelope.tenant, subscription.id, envelope.id, body), time.time())

    def deliver_due(self) -> int:
        """Attempt every job due now; returns how many were attempted."""
        now = time.time()
        jobs = self.store.claim_due(now, lease_s=self.settings.webhook_timeout_s * 3)
        for job in jobs:
            heartbeat.beat(LOOP)  # each attempt may take the full timeout
            self._attempt(job)
        return len(jobs)

    def _attempt(self, job: Job) -> None:
        subscription = self.store.get(job.organization_id, job.subscription_id)
        if subscription is None:  # unsubscribed meanwhile
            self.store.done(job)
            return
        job.attempts += 1
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-PeerBridge-Event": "outcome-feed.published",
                   "X-PeerBridge-Delivery": job.id, "Idempotency-Key": job.event_id,
                   "X-PeerBridge-Timestamp": timestamp,
                   "X-PeerBridge-Signature": signature(subscription.secret, timestamp, job.body)}
        try:  # checked again now, and the request goes to the very address checked (DNS rebinding)
            endpoint = resolve_public(subscription.url, allow_http_localhost=self.settings.webhook_allow_http_localhost)
            response = post_pinned(self.client, endpoint, content=job.body, headers=headers)
            error = None if response.is_success else f"HTTP {response.status_code}"
        except EndpointRefused as refused:
            error = f"endpoint refused: {refused.detail}"
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        if error is None:
            DELIVERIES.labels("delivered").inc()
            self.store.done(job)
            return
        job.last_error = error
        if job.attempts >= self.settings.webhook_max_attempts:
            DELIVERIES.labels("gave_up").inc()
            log.warning("webhook delivery gave up", extra={"delivery": job.id, "attempts": job.attempts,
                                                           "error": error})
            self.store.bury(job)
            return
        DELIVERIES.labels("retry").inc()
        backoff = min(MAX_BACKOFF_S, self.settings.webhook_backoff_s * 2 ** (job.attempts - 1))
        self.store.retry(job, time.time() + backoff)
