"""The funder feed publisher: `python -m peerbridge_metrics.feed` (one replica).

Every few seconds, if the worker's tables changed or a period became publishable (closed plus the
grace, publication.py), it rebuilds the reports of every closed period of every program (months
and quarters that have data, and every month of such a quarter) and publishes those that are new
or changed as their next version, suppressed jointly with everything already published for the
program (disclosure.py). Each version is first written to metrics' own history topic (history.py),
then published to the compacted outcome-feed topic, keyed ``<program>:<period>``. At start it reads
both, so a restart republishes nothing that is unchanged and sends a version the history has but
the feed missed (a crash between the two writes).
"""

from __future__ import annotations

import logging
import signal
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from peerbridge_shared import heartbeat
from peerbridge_shared.events import Envelope, decode
from peerbridge_shared.events.outcomes import OutcomeFeedPublished
from peerbridge_shared.logs import configure_logging
from peerbridge_shared.messaging import create_producer
from peerbridge_shared.messaging.producer import publish
from peerbridge_shared.topics import OUTCOME_FEED

from .billing.rules import PayerPolicies, load_policies
from .disclosure import months_of
from .history import PublishedHistory
from .measures import Facts
from .measures.periods import day, month_of, quarter_of
from .publication import is_publishable, next_versions
from .report import DEFAULT_PROTECTION_WIDTH, Report, measure_report
from .settings import MetricsSettings, get_settings
from .view import FactsView

log = logging.getLogger(__name__)
SOURCE = "/peerbridge/metrics/feed"


def reportable(facts: Facts) -> set[tuple[str, str, str]]:
    """(organization, program, period) for every month and quarter in which a program has data, and
    every month of such a quarter (a reader adds the months up to the quarter)."""
    found: set[tuple[str, str, str]] = set()

    def add(org: str, program: str, moment: datetime | date) -> None:
        quarter = quarter_of(day(moment))
        found.update({(org, program, month_of(day(moment))), (org, program, quarter)})
        found.update((org, program, month) for month in months_of(quarter))

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


def funder_event(report: Report) -> OutcomeFeedPublished:
    return OutcomeFeedPublished(
        feed_id=report.feed_id, program_id=report.program_id, period=report.period,
        period_start=report.period_start, period_end=report.period_end, measures=report.measures,
        suppressed=sorted(report.suppression), suppression=report.suppression, published_at=report.published_at,
        version=report.version, corrects=report.corrects, audit=report.audit())


class FeedPublisher:
    def __init__(self, view: FactsView, producer: KafkaProducer, payers: PayerPolicies, history: PublishedHistory,
                 grace_days: int = 7, protection_width: int = DEFAULT_PROTECTION_WIDTH,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 correction_interval: timedelta = timedelta(0)) -> None:
        self.view, self.producer, self.payers, self.history, self.clock = view, producer, payers, history, clock
        self.grace_days, self.protection_width, self.correction_interval = grace_days, protection_width, \
            correction_interval
        self.next_due: datetime | None = None  # when a correction held back by the interval is due
        self.on_feed: dict[tuple[str, str], int] = {}  # (organization, feed id) -> latest version on the feed
        self._seen: tuple | None = None

    def remember(self, envelope: Envelope, value: bytes) -> None:
        data = OutcomeFeedPublished.model_validate_json(value)
        key = (envelope.tenant, data.feed_id)
        self.on_feed[key] = max(self.on_feed.get(key, 0), data.version)

    def publish_changed(self) -> list[str]:
        """Publish every closed period's report that is new or changed; returns the event ids sent."""
        now, facts = self.clock(), self.view.facts()
        closed = sorted(r for r in reportable(facts) if is_publishable(r[2], now, self.grace_days))
        marker = (self.view.version, tuple(closed))
        if marker == self._seen and (self.next_due is None or now < self.next_due):
            return []
        waiting: list[datetime] = []
        by_program: dict[tuple[str, str], list[str]] = {}
        for org, program, period in closed:
            by_program.setdefault((org, program), []).append(period)
        fresh: list[tuple[str, Report]] = []
        for (org, program), periods in by_program.items():
            mine = facts.of(org)
            current = [measure_report(mine, program, period, self.payers, now.date()) for period in periods]
            fresh += [(org, r) for r in next_versions(self.history.of(org, program), current, self.protection_width,
                                                      now, self.correction_interval, waiting)]
        self.next_due = min(waiting, default=None)
        for future in [self.history.write(self.producer, org, report) for org, report in fresh]:
            future.get(timeout=30)  # what was published is on record before a funder can see it
        ids = self._send(fresh)
        ids += self._send(self._missing_from_feed())
        self._seen = marker
        return ids

    def _missing_from_feed(self) -> list[tuple[str, Report]]:
        """Latest versions on record that the feed does not have (a crash between the two writes)."""
        return [(org, report) for org, program in self.history.programs()
                for report in self.history.latest(org, program).values()
                if self.on_feed.get((org, report.feed_id), 0) < report.version]

    def _send(self, reports: list[tuple[str, Report]]) -> list[str]:
        sent, ids = [], []
        for org, report in reports:
            envelope = Envelope(data=funder_event(report), tenant=org, source=SOURCE, subject=report.feed_id,
                                id=str(uuid.uuid4()), time=report.published_at or self.clock())
            sent.append(publish(self.producer, envelope))
            ids.append(envelope.id)
            self.on_feed[(org, report.feed_id)] = report.version
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
                    publisher.remember(decode(record.key, record.value, record.headers), record.value)
    finally:
        consumer.close()


def main() -> None:
    settings = get_settings()
    configure_logging("metrics-feed", settings.log_level)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    view = FactsView(settings.kafka, settings.faust_app_id).start()
    history = PublishedHistory(settings.kafka, settings.faust_app_id, settings.faust_replication_factor).load()
    publisher = FeedPublisher(view, create_producer(settings.kafka), load_policies(settings.payer_policies), history,
                              settings.funder_grace_days, settings.protection_width, settings.funder_clock,
                              timedelta(seconds=settings.funder_correction_interval_s))
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
