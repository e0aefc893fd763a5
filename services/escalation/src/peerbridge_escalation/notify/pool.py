"""The delivery worker's loop: several tries in flight at once, never two for the same clinician and
at most ``per_organization`` for one organization, so a contact that times out ties up one slot of
its own organization while every other organization's pages go out at their usual pace."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime

from peerbridge_shared import heartbeat
from peerbridge_shared.db import Database
from peerbridge_shared.events import utc_now

from ..retry import RetryPolicy
from .channels import Channel
from .delivery import Outcome, after, attempt
from .fairness import Head, Rotation, due_heads

log = logging.getLogger(__name__)


class DeliveryPool:
    def __init__(self, database: Database, channels: dict[str, Channel], console_url: str, policy: RetryPolicy,
                 *, workers: int = 8, per_organization: int = 2) -> None:
        self.database, self.channels, self.console_url, self.policy = database, channels, console_url, policy
        self.workers, self.per_organization = workers, per_organization
        self.rotation = Rotation()
        self.in_flight: dict[Future[Outcome], Head] = {}
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="delivery")

    def _try(self, head: Head) -> Outcome:
        now = utc_now()
        outcome = attempt(self.database, head.notification_id, self.channels, self.console_url, now, self.policy)
        after(self.database, outcome, now)
        return outcome

    def _dispatch(self, now: datetime) -> int:
        with self.database.transaction() as session:
            heads = self.rotation.order(due_heads(session, now))
        busy = {(h.organization_id, h.clinician_id) for h in self.in_flight.values()}
        per_org: dict[str, int] = {}
        for head in self.in_flight.values():
            per_org[head.organization_id] = per_org.get(head.organization_id, 0) + 1
        started = 0
        for head in heads:
            if len(self.in_flight) >= self.workers:
                break
            if (head.organization_id, head.clinician_id) in busy or \
                    per_org.get(head.organization_id, 0) >= self.per_organization:
                continue
            self.in_flight[self.executor.submit(self._try, head)] = head
            busy.add((head.organization_id, head.clinician_id))
            per_org[head.organization_id] = per_org.get(head.organization_id, 0) + 1
            self.rotation.served(head)
            started += 1
        return started

    def _reap(self, timeout_s: float) -> None:
        if not self.in_flight:
            return
        done, _ = wait(list(self.in_flight), timeout=timeout_s, return_when=FIRST_COMPLETED)
        for future in done:
            self.in_flight.pop(future)
            try:
                future.result()
            except Exception:  # noqa: BLE001 - a database outage: the row is tried again next round
                log.exception("delivery try failed")

    def run(self, stop: threading.Event, interval_s: float) -> None:
        while not stop.is_set():
            heartbeat.beat()
            try:
                started = self._dispatch(utc_now())
            except Exception:  # noqa: BLE001 - the worker outlives outages
                log.exception("delivery pass failed")
                started = 0
            if self.in_flight:
                self._reap(interval_s if not started else 0.05)
            elif not started:
                heartbeat.wait(stop, interval_s)
        self.executor.shutdown(wait=True)
