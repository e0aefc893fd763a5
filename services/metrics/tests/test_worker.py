"""The live Faust tables equal the batch reference on a generated program (2,000 participants, a
year of sessions, shuffled), before and after the worker is SIGKILLed mid-stream and restarted
(tables recovered from their changelog); the feed publisher and the read API serve the same."""

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from kafka.admin import ConfigResource, ConfigResourceType

from peerbridge_metrics.answers import FeedListed, FeedReport
from peerbridge_metrics.app import create_app
from peerbridge_metrics.billing.rules import load_policies
from peerbridge_metrics.feed import FeedPublisher, read_published, reportable
from peerbridge_metrics.history import PublishedHistory
from peerbridge_metrics.measures import as_json, compute
from peerbridge_metrics.publication import is_publishable, next_versions
from peerbridge_metrics.reference import fold, recompute
from peerbridge_metrics.report import measure_report
from peerbridge_metrics.settings import MetricsSettings
from peerbridge_metrics.tables import TABLES
from peerbridge_metrics.view import FactsView
from peerbridge_shared.events import Envelope, decode
from peerbridge_shared.events.care import (
    AssessmentCompleted,
    AttendanceRecorded,
    AttendanceStatus,
    PeerContactDocumented,
)
from peerbridge_shared.events.outcomes import OutcomeFeedPublished
from peerbridge_shared.events.scheduling import Modality, ParticipantEnrolled, SessionKind
from peerbridge_shared.identity import Identity, Role, issue_internal_token
from peerbridge_shared.messaging import create_producer, publish
from peerbridge_shared.messaging.faust_fetch import FETCH_MAX_WAIT_MS
from peerbridge_shared.testing.kafka_reader import KafkaReader, commit_group_at_end
from peerbridge_shared.topics import OUTCOME_FEED

START = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
AS_OF = date(2027, 1, 15)
PARTICIPANTS = 1000  # a year of weekly groups, ~23,000 events
PHQ9_BANDS = ["minimal", "mild", "moderate", "moderately severe", "severe"]


def generated_program(tenant: str, participants: int, seed: int) -> list[Envelope]:
    """Enrollments, contacts (some signed only later), weekly groups over a year (some no-shows
    corrected), PHQ-9s every few months."""
    rng = random.Random(seed)
    log = []

    def add(data, at):
        log.append(Envelope(data=data, tenant=tenant, source="/generator", subject=data.participant_id,
                            id=str(uuid.uuid4()), time=at))

    for p in range(participants):
        who = f"{tenant}-p{p}"
        add(ParticipantEnrolled(participant_id=who, enrollment_id=f"e{p}", program_id=f"prog-{p % 3}", site_id="s",
                                enrolled_on=date(2026, 1, 1), payer_id=rng.choice(["medicaid-nc", "medicaid-or"]),
                                authorized_units=rng.choice([None, 24, 40])), START)
        for c in range(rng.randint(2, 8)):
            at = START + timedelta(days=rng.randint(0, 360), hours=rng.randint(0, 8))
            signed = rng.random() < 0.85
            facts = dict(participant_id=who, contact_id=f"{who}-c{c}", program_id=f"prog-{p % 3}", peer_id="peer",
                         session_kind=rng.choice([SessionKind.ONE_TO_ONE, SessionKind.GROUP]),
                         modality=Modality.IN_PERSON, place_of_service=rng.choice(["53", "02"]),
                         payer_id="medicaid-nc", occurred_at=at, face_to_face_minutes=rng.randint(5, 90),
                         peer_credential_valid=rng.random() < 0.95, peer_supervision_current=rng.random() < 0.9,
                         enrollment_active=True)
            add(PeerContactDocumented(**facts), at)
            if signed:
                add(PeerContactDocumented(**facts, note_signed_at=at + timedelta(hours=3)), at + timedelta(hours=3))
        for s in rng.sample(range(52), rng.randint(4, 16)):  # the weeks of the year this participant came
            at = START + timedelta(days=7 * s + rng.randint(0, 3))
            status = rng.choice(list(AttendanceStatus))
            facts = dict(participant_id=who, session_id=f"{tenant}-g{s}-{p % 4}", program_id=f"prog-{p % 3}",
                         site_id="s", peer_id="peer", session_kind=SessionKind.GROUP, session_starts_at=at)
            minutes = 0 if status in (AttendanceStatus.NO_SHOW, AttendanceStatus.CANCELLED_BY_PARTICIPANT,
                                      AttendanceStatus.CANCELLED_BY_PROGRAM) else 60
            add(AttendanceRecorded(**facts, status=status, minutes_present=minutes), at)
            if status == AttendanceStatus.NO_SHOW and rng.random() < 0.3:  # an automatic no-show, corrected
                add(AttendanceRecorded(**facts, status=AttendanceStatus.LATE, minutes_present=45),
                    at + timedelta(hours=2))
        for a in range(rng.randint(0, 4)):  # every three months
            at = START + timedelta(days=90 * a + rng.randint(0, 20))
            total = rng.randint(0, 27)
            add(AssessmentCompleted(participant_id=who, assessment_id=f"{who}-a{a}", program_id=f"prog-{p % 3}",
                                    instrument="phq9", instrument_version="1", item_scores={}, total_score=total,
                                    band=PHQ9_BANDS[min(total // 5, 4)],
                                    completed_at=at, administered_by="peer"), at)
    rng.shuffle(log)  # arrival order is not event order
    return log


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_worker(app_id: str, kafka_settings, port: int, datadir, log_file) -> subprocess.Popen:
    env = {**os.environ, "METRICS_KAFKA__BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,  # the test's Kafka
           "METRICS_FAUST_APP_ID": app_id, "METRICS_FAUST_WEB_PORT": str(port),
           "METRICS_FAUST_DATA_DIR": str(datadir), "OTEL_TRACES_EXPORTER": "none"}
    return subprocess.Popen([sys.executable, "-m", "peerbridge_metrics.worker", "worker", "--loglevel", "info"],
                            env=env, stdout=log_file.open("a"), stderr=subprocess.STDOUT)


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def wait_until_equal(view, tenant, expected, log_file, timeout_s=300):
    deadline, seen = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        if view.ready.is_set():
            seen = as_json(compute(view.facts(tenant), load_policies(), AS_OF))
            if seen == expected:
                return
        time.sleep(0.5)
    pytest.fail(f"live measures never matched the reference:\n{json.dumps(seen)[:1500]}\n"
                + log_file.read_text()[-2000:])


def reference(log):
    return as_json(recompute(log, load_policies(), AS_OF))


@pytest.mark.timeout(600)  # a cold worker first folds whatever the shared topics already hold
def test_live_tables_equal_the_batch_reference_across_a_sigkill(producer, kafka_settings, tmp_path):
    tenant = f"org-{uuid.uuid4().hex[:8]}"
    log = generated_program(tenant, participants=PARTICIPANTS, seed=7)
    half = len(log) // 2
    app_id, port, log_file = f"metrics-test-{uuid.uuid4().hex[:8]}", free_port(), tmp_path / "worker.log"

    commit_group_at_end(kafka_settings, app_id, [t.name for spec in TABLES for t in spec.topics])  # only ours
    for envelope in log[:half]:
        publish(producer, envelope)
    producer.flush()
    worker = start_worker(app_id, kafka_settings, port, tmp_path / "faust", log_file)
    view = FactsView(kafka_settings, app_id).start()
    try:
        wait_until_equal(view, tenant, reference(log[:half]), log_file)
        assert ready(port)
        for envelope in log[half:half + half // 2]:
            publish(producer, envelope)
        producer.flush()
        time.sleep(0.5)
        worker.send_signal(signal.SIGKILL)  # mid-stream, with no goodbye
        worker.wait()
        for envelope in log[half + half // 2:]:
            publish(producer, envelope)
        producer.flush()
        worker = start_worker(app_id, kafka_settings, port, tmp_path / "faust", log_file)
        wait_until_equal(view, tenant, reference(log), log_file)
        assert len(view.facts(tenant).participants) == PARTICIPANTS
        publisher = assert_feed_published(kafka_settings, app_id, view, tenant, log)
        assert_a_late_event_publishes_corrections(producer, publisher, view, tenant, log)
        assert_api_serves(kafka_settings, app_id, tenant, publisher, view)
    finally:
        view.stop()
        worker.terminate()
        worker.wait(60)
    print(f"{len(log)} events; live equals the reference before and after a SIGKILL")


def closed_reports(log, now):
    """The reports of every closed period, suppressed jointly per program, from the raw log."""
    facts, found = fold(log), {}
    closed = sorted(r for r in reportable(facts) if is_publishable(r[2], now, 7))
    for program in sorted({p for _o, p, _period in closed}):
        current = [measure_report(facts, program, period, load_policies(), now.date())
                   for _o, p, period in closed if p == program]
        found.update({r.feed_id: r for r in next_versions([], current, 3, now)})
    return found


def assert_feed_published(kafka_settings, app_id, view, tenant, log):
    """The publisher sends one record per program and closed period, equal to the reports built from
    the raw log; a restarted publisher sends nothing again; a late event publishes corrections."""
    reader = KafkaReader(kafka_settings, [OUTCOME_FEED.name])
    reader.mark()
    now = datetime.combine(AS_OF, datetime.min.time(), UTC)
    history = PublishedHistory(kafka_settings, app_id).load()
    publisher = FeedPublisher(view, create_producer(kafka_settings), load_policies(), history, clock=lambda: now)
    published = set(publisher.publish_changed())  # ours, and any other run's on the shared topics
    ours = [r for r in reader.read_quiet(3.0) if decode(r.key, r.value, r.headers).id in published
            and decode(r.key, r.value, r.headers).tenant == tenant]
    expected = closed_reports(log, now)
    assert len(ours) == len(expected)
    assert {p for p in (decode(r.key, r.value, r.headers).data.period for r in ours)} <= \
        {r.period for r in expected.values()}, "no open period reaches the feed"
    for record in ours:
        event = OutcomeFeedPublished.model_validate_json(record.value)
        truth = expected[event.feed_id]
        assert (event.measures, event.suppression, event.version) == (truth.measures, truth.suppression, 1)
        assert event.audit["suppressed"] == truth.audit()["suppressed"] and event.audit["equations"]
        assert not any(isinstance(v, int) and 0 < v < 11 for v in event.measures.values())
    again = set(publisher.publish_changed())
    restarted = FeedPublisher(view, create_producer(kafka_settings), load_policies(),
                              PublishedHistory(kafka_settings, app_id).load(), clock=lambda: now)
    read_published(MetricsSettings(faust_app_id=app_id, kafka=kafka_settings), restarted)
    again |= set(restarted.publish_changed())
    assert not [r for r in reader.read_quiet(3.0) if decode(r.key, r.value, r.headers).id in again
                and decode(r.key, r.value, r.headers).tenant == tenant], "nothing unchanged is sent again"
    reader.close()
    return publisher


def assert_a_late_event_publishes_corrections(producer, publisher, view, tenant, log):
    """A late attendance in a closed month: that month and its quarter come out as version 2, each
    naming the version it corrects, suppressed jointly with version 1."""
    who = next(e.data.participant_id for e in log if isinstance(e.data, ParticipantEnrolled)
               and e.data.program_id == "prog-0")
    late = Envelope(data=AttendanceRecorded(participant_id=who, session_id=f"{tenant}-late", program_id="prog-0",
                                            site_id="s", peer_id="peer", session_kind=SessionKind.GROUP,
                                            status=AttendanceStatus.ATTENDED, minutes_present=60,
                                            session_starts_at=datetime(2026, 2, 10, 15, tzinfo=UTC)),
                    tenant=tenant, source="/generator", subject=who, time=datetime(2026, 5, 2, tzinfo=UTC))
    publish(producer, late)
    producer.flush()
    deadline = time.monotonic() + 120
    while not any(late.data.session_id in s.attendance for s in view.facts(tenant).participants):
        assert time.monotonic() < deadline, "the late event never reached the view"
        time.sleep(0.5)
    history = publisher.history
    before = history.latest(tenant, "prog-0")
    publisher.publish_changed()
    after = history.latest(tenant, "prog-0")
    changed = {period for period, report in after.items() if report.version > before[period].version}
    assert {"2026-02", "2026-Q1"} <= changed
    for period in changed:
        assert after[period].corrects == f"prog-0:{period}:v{before[period].version}"
    assert after["2026-02"].counts["sessions_attended"] == before["2026-02"].counts["sessions_attended"] + 1
    return log + [late]


def assert_api_serves(kafka_settings, app_id, tenant, publisher, view):
    """The read API over the view the test already caught up (its own view's readiness is the contract
    test's and the reference comparison's business) and the published history."""
    settings = MetricsSettings(faust_app_id=app_id, kafka=kafka_settings)
    token = issue_internal_token(Identity(tenant, "funder-1", frozenset({Role.FUNDER})),
                                 settings.internal_token_secret.get_secret_value(), ttl_s=600)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings, view=view, history=PublishedHistory(kafka_settings, app_id))) as client:
        deadline = time.monotonic() + 60
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the API never read the published reports"
            time.sleep(0.5)
        program, period = "prog-0", "2026-02"
        measures = client.get("/measures", params={"program_id": program, "period": period}, headers=headers)
        assert measures.status_code == 200
        assert all(row["key"][1] == program for row in measures.json()["engagement"])
        every_measure = client.get("/measures", headers=headers)
        assert every_measure.status_code == 200, every_measure.text  # the typed answer holds every family's rows
        assert every_measure.json()["engagement"] and every_measure.json()["questionnaires"]
        one_family = client.get("/measures", params={"program_id": program, "family": "engagement"}, headers=headers)
        assert one_family.json()["engagement"] == client.get(
            "/measures", params={"program_id": program}, headers=headers).json()["engagement"]
        assert set(one_family.json()) == {"organization_id", "program_id", "period", "engagement"}
        unknown = client.get("/measures", params={"family": "gossip"}, headers=headers)
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "query.family.0"
        latest = publisher.history.latest(tenant, program)[period]
        report = client.get(f"/feeds/{program}/{period}", headers=headers).json()
        assert (report["measures"], report["version"], report["corrects"]) == (
            latest.measures, latest.version, latest.corrects)
        FeedReport.model_validate(report)  # the document's answer, strictly (no undeclared field)
        first = client.get(f"/feeds/{program}/{period}", params={"version": 1}, headers=headers).json()
        assert first["version"] == 1 and first["correction"] is False
        assert client.get(f"/feeds/{program}/{period}", params={"version": 99}, headers=headers).json()[
            "errors"][0]["field"] == "query.version"
        listed = client.get("/feeds", params={"program_id": program}, headers=headers).json()
        assert [FeedListed.model_validate(f).feed_id for f in listed]
        assert {f["period"] for f in listed} == {r.period for r in publisher.history.of(tenant, program)}
        csv = client.get(f"/feeds/{program}/{period}", headers={**headers, "Accept": "text/csv"})
        assert csv.headers["content-type"].startswith("text/csv") and csv.text.startswith("program_id,period")
        fhir = client.get(f"/feeds/{program}/{period}", headers={**headers, "Accept": "application/fhir+json"})
        assert fhir.json()["resourceType"] == "MeasureReport"
        assert client.get(f"/feeds/{program}/2026-13", headers=headers).json()["errors"][0]["field"] == "path.period"
        open_period = client.get(f"/feeds/{program}/2027-Q1", headers=headers)
        assert open_period.status_code == 404 and open_period.json()["errors"][0]["field"] == "path.period"
        assert client.get("/feeds/prog-x/2026-02", headers=headers).status_code == 404
        assert client.get("/measures").status_code == 401


def test_the_worker_creates_its_changelogs_before_joining_so_a_fresh_cluster_loses_no_event(kafka_settings,
                                                                                         kafka_admin, tmp_path):
    from peerbridge_metrics.worker import create_app as create_worker
    from peerbridge_metrics.worker import create_changelogs

    settings = MetricsSettings(faust_app_id=f"test-changelogs-{uuid.uuid4().hex[:8]}", kafka=kafka_settings,
                               faust_data_dir=str(tmp_path))
    app = create_worker(settings)
    names = {f"{settings.faust_app_id}-{spec.name}-changelog": spec.partitions for spec in TABLES}
    assert sorted(create_changelogs(app, settings)) == sorted(names)
    described = {t["name"]: len(t["partitions"]) for t in kafka_admin.describe_topics(list(names))}
    assert described == names  # co-partitioned with the tables' topics
    configs = kafka_admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name) for name in names])
    assert set(configs["topic"]) == set(names)
    for name, config in configs["topic"].items():
        assert (config["cleanup.policy"]["value"], config["segment.ms"]["value"]) == ("compact", "3600000"), name
    assert create_changelogs(app, settings) == []  # a restart creates nothing


def test_the_worker_consumer_waits_at_most_the_short_fetch_wait(kafka_settings, tmp_path):
    """Faust's own 1.5 s fetch wait stalled a busy fold for ~0.5 s every 1.5-2 s (faust_fetch)."""
    from peerbridge_metrics.worker import create_app as create_worker

    async def fetch_wait_of_a_new_worker_consumer() -> int:
        app = create_worker(MetricsSettings(faust_app_id=f"test-fetch-{uuid.uuid4().hex[:8]}",
                                            kafka=kafka_settings, faust_data_dir=str(tmp_path)))
        consumer = app.consumer._thread._create_worker_consumer(app.transport)
        try:
            return consumer._fetch_max_wait_ms
        finally:
            await consumer.stop()

    assert asyncio.run(fetch_wait_of_a_new_worker_consumer()) == FETCH_MAX_WAIT_MS
