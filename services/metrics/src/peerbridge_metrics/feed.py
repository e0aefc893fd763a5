"""The funder feed publisher: `python -m peerbridge_metrics.feed` (one replica).

Every few seconds, if the worker's tables changed, it rebuilds the report of every program and
period (months and quarters that have data) and publishes those whose content changed to the
compacted outcome-feed topic, keyed ``<program>:<period>``. At start it reads what the topic already
holds, so a restart republishes nothing that is unchanged; a second replica would only publish
identical records.
"""

from __future__ import annotations

import hashlib
import json
import logging
import signal
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from peerbridge_shared import heartbeat
from peerbridge_shared.events import Envelope, decode
from peerbridge_shared.events.outcomes import OutcomeFeedPublished
from peerbridge_shared.logs import configure_logging
from peerbridge_shared.messaging import create_producer, publish
from peerbridge_shared.topics import OUTCOME_FEED

from .billing.rules import PayerPolicies, load_policies
from .measures import Facts
from .measures.periods import day, month_of, quarter_of
from .report import Report, build_report
from .settings import MetricsSettings, get_settings
from .view import FactsView

log = logging.getLogger(__name__)
SOURCE = "/peerbridge/metrics/feed"


def reportable(facts: Facts) -> set[tuple[str, str, str]]:
    """(organization, program, period) for every month and quarter in which a program has data."""
    found: set[tuple[str, str, str]] = set()

    def add(org: str, program: str, moment: datetime | date) -> None:
        found.update({(org, program, month_of(day(moment))), (org, program, quarter_of(day(moment)))})

    for state in facts.participants:
        org = state.organization_id
        for enrollment in state.enrollments.values():
            add(org, enrollment.program_id, enrollment.enrolled_on)
        for dated in (*state.attendance.values(), *state.contacts.values(), *state.assessments.values(),
                      *state.screens.values()):
            add(org, dated.program_id, getattr(dated, "starts_at", None) or getattr(dated, "occurred_at", None)
                or dated.completed_at)
    for case in facts.cases:
        if case.opened_at:
            add(case.organization_id, case.program_id, case.opened_at)
    return found


def digest(report: Report) -> str:
    content = json.dumps([report.measures, report.suppression], sort_keys=True, default=str)
    return hashlib.sha256(content.encode()).hexdigest()


class FeedPublisher:
    def __init__(self, view: FactsView, producer: KafkaProducer, payers: PayerPolicies,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.view, self.producer, self.payers, self.clock = view, producer, payers, clock
        self.published: dict[tuple[str, str], str] = {}  # (organization, feed id) -> digest
        self._seen_version = -1

    def remember(self, envelope: Envelope) -> None:
        data = envelope.data
        report = Report(data.program_id, data.period, data.period_start, data.period_end, data.measures,
                        data.suppression)
        self.published[(envelope.tenant, data.feed_id)] = digest(report)

    def publish_changed(self) -> list[str]:
        """Publish every report whose content changed; returns the ids of the events published."""
        if self.view.version == self._seen_version:
            return []
        self._seen_version = self.view.version
        facts, now, sent, ids = self.view.facts(), self.clock(), [], []
        for org, program, period in sorted(reportable(facts)):
            report = build_report(facts.of(org), program, period, self.payers, now.date())
            fingerprint = digest(report)
            if self.published.get((org, report.feed_id)) == fingerprint:
                continue
            event = OutcomeFeedPublished(
                feed_id=report.feed_id, program_id=program, period=period, period_start=report.period_start,
                period_end=report.period_end, measures=report.measures, suppressed=sorted(report.suppression),
                suppression=report.suppression, published_at=now)
            envelope = Envelope(data=event, tenant=org, source=SOURCE, subject=report.feed_id, id=str(uuid.uuid4()),
                                time=now)
            sent.append(publish(self.producer, envelope))
            ids.append(envelope.id)
            self.published[(org, report.feed_id)] = fingerprint
        for future in sent:
            future.get(timeout=30)
        return ids


def read_published(settings: MetricsSettings, publisher: FeedPublisher) -> None:
    """Remember what the compacted topic already holds (so unchanged reports are not sent again)."""
    consumer = KafkaConsumer(enable_auto_commit=False, **settings.kafka.client_config())
    try:
        partitions = [TopicPartition(OUTCOME_FEED.name, p)
                      for p in sorted(consumer.partitions_for_topic(OUTCOME_FEED.name) or [])]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            heartbeat.beat()
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    publisher.remember(decode(record.key, record.value, record.headers))
    finally:
        consumer.close()


def main() -> None:
    settings = get_settings()
    configure_logging("metrics-feed", settings.log_level)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    view = FactsView(settings.kafka, settings.faust_app_id).start()
    publisher = FeedPublisher(view, create_producer(settings.kafka), load_policies(settings.payer_policies))
    read_published(settings, publisher)
    while not stop.is_set():
        if not view.running:  # its reader thread ended (see its log): nothing would be published again
            log.error("the facts view stopped; exiting to be restarted")
            raise SystemExit(1)
        if view.ready.is_set():
            published = publisher.publish_changed()
            if published:
                log.info("outcome reports published", extra={"reports": len(published)})
        heartbeat.wait(stop, settings.feed_interval_s)
    view.stop()


if __name__ == "__main__":
    main()
