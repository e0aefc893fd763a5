"""The topic registry: every Kafka topic PeerBridge uses, in one place.

Name, partitions, key, retention or compaction, the event types it carries and its
dead-letter topic. ``peerbridge-topics create`` makes them on a broker (idempotent);
``peerbridge-topics list`` prints them.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import dataclass

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from .events import Event, access, care, escalation, outcomes, safety, scheduling

log = logging.getLogger(__name__)

DAY_MS = 24 * 60 * 60 * 1000
DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class Topic:
    name: str
    key_field: str
    value_types: tuple[type[Event], ...]
    partitions: int
    retention_days: int | None = None  # None: keep forever (ignored when compacted)
    compacted: bool = False
    description: str = ""

    @property
    def dead_letter(self) -> str:
        return self.name + DLQ_SUFFIX

    def key_of(self, data: Event) -> str:
        return str(getattr(data, self.key_field))

    def config(self) -> dict[str, str]:
        if self.compacted:
            return {"cleanup.policy": "compact", "min.compaction.lag.ms": "60000"}
        retention = -1 if self.retention_days is None else self.retention_days * DAY_MS
        return {"cleanup.policy": "delete", "retention.ms": str(retention)}


# Everything about one participant is keyed by participant id, on topics with the same
# partition count, so Faust tables keyed by participant are co-partitioned.
PARTICIPANT_PARTITIONS = 6

ENROLLMENTS = Topic(
    "peerbridge.scheduling.enrollments.v1", "participant_id",
    (scheduling.ParticipantEnrolled, scheduling.EnrollmentEnded, scheduling.ConsentChanged, scheduling.PeerAssigned),
    PARTICIPANT_PARTITIONS, description="Enrollment, consent and peer assignment facts per participant.",
)
SESSIONS = Topic(
    "peerbridge.scheduling.sessions.v1", "session_id",
    (scheduling.SessionScheduled, scheduling.SessionRescheduled,
     scheduling.SessionCancelled, scheduling.SessionCompleted, scheduling.SessionReminderDue),
    6, retention_days=400, description="Session lifecycle, ordered per session.",
)
CARE = Topic(
    "peerbridge.care.participant-activity.v1", "participant_id",
    (care.AttendanceRecorded, care.PeerContactDocumented, care.AssessmentCompleted, care.GoalStatusChanged),
    PARTICIPANT_PARTITIONS, description="Attendance, contact notes, questionnaires and recovery goals per participant.",
)
SAFETY = Topic(
    "peerbridge.safety.signals.v1", "participant_id",
    (safety.RiskScreenCompleted, safety.SafetyConcernRaised, safety.SafetyPlanUpdated),
    PARTICIPANT_PARTITIONS, description="Safety signals escalation routes to clinicians.",
)
HOSPITAL = Topic(
    "peerbridge.clinical.encounters.v1", "participant_id",
    (care.HospitalAdmitted, care.HospitalDischarged, care.HospitalEncounterCancelled, care.PeerOutreachDue),
    PARTICIPANT_PARTITIONS,
    description="Hospital admissions, discharges and their cancellations (ADT/FHIR ingest) and the peer outreach "
                "they start.",
)
SUPERVISION = Topic(
    "peerbridge.workforce.supervision.v1", "peer_id",
    (care.SupervisionLogged, care.PeerProfileChanged), 3,
    description="Workforce facts per peer: supervision log entries, credential and caseload cap.",
)
CASES = Topic(
    "peerbridge.escalation.cases.v1", "case_id",
    (escalation.EscalationOpened, escalation.EscalationNotified, escalation.EscalationAcknowledged,
     escalation.EscalationEscalated, escalation.EscalationResolved, escalation.EscalationBreached),
    6, description="Escalation case lifecycle, ordered per case.",
)
OUTCOME_FEED = Topic(
    "peerbridge.metrics.outcome-feed.v1", "feed_id",
    (outcomes.OutcomeFeedPublished,), 3, compacted=True,
    description="Latest de-identified outcome report per program and period.",
)

PHI_ACCESS = Topic(
    "peerbridge.audit.phi-access.v1", "actor_id",
    (access.PhiAccessed,), 3, description="Reads of participant-level data: who, what, when and why (kept forever).",
)

TOPICS: tuple[Topic, ...] = (
    ENROLLMENTS, SESSIONS, CARE, SAFETY, HOSPITAL, SUPERVISION, CASES, OUTCOME_FEED, PHI_ACCESS,
)
DEAD_LETTER_RETENTION_DAYS = 30

_TOPIC_BY_TYPE = {model: topic for topic in TOPICS for model in topic.value_types}


def topic_for(event: Event | type[Event]) -> Topic:
    model = event if isinstance(event, type) else type(event)
    try:
        return _TOPIC_BY_TYPE[model]
    except KeyError:
        raise KeyError(f"{model.__name__} is on no registered topic") from None


def new_topics(replication_factor: int) -> list[NewTopic]:
    """Every registered topic and its dead-letter topic, ready for the admin client."""
    # With 3+ replicas an acks=all write needs 2 in sync: one broker can be lost, no write is.
    durability = {"min.insync.replicas": "2"} if replication_factor >= 3 else {}
    dlq_config = {"cleanup.policy": "delete", "retention.ms": str(DEAD_LETTER_RETENTION_DAYS * DAY_MS), **durability}
    result = []
    for topic in TOPICS:
        config = {**topic.config(), **durability}
        result.append(NewTopic(topic.name, topic.partitions, replication_factor, topic_configs=config))
        result.append(NewTopic(topic.dead_letter, 1, replication_factor, topic_configs=dlq_config))
    return result


def create_topics(admin: KafkaAdminClient, topics: list[NewTopic]) -> list[str]:
    """Create the topics that do not exist yet; returns the names created."""
    existing = set(admin.list_topics())
    missing = [t for t in topics if t.name not in existing]
    created = []
    for topic in missing:
        try:
            admin.create_topics([topic])
            created.append(topic.name)
        except TopicAlreadyExistsError:
            pass  # another process created it in between
    return created


def _connect_admin(config: dict[str, object], timeout_s: float) -> KafkaAdminClient:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return KafkaAdminClient(client_id="peerbridge-topics", **config)
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def main(argv: list[str] | None = None) -> int:
    from .settings import KafkaSettings

    parser = argparse.ArgumentParser(prog="peerbridge-topics", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", help="create every registered topic (idempotent)")
    create.add_argument("--bootstrap-servers", default=None)
    create.add_argument("--replication-factor", type=int, default=None,
                        help="default: 3 when the cluster has 3+ brokers, else 1")
    sub.add_parser("list", help="print the registry")
    args = parser.parse_args(argv)

    if args.command == "list":
        for topic in TOPICS:
            kind = "compacted" if topic.compacted else f"retention {topic.retention_days or 'forever'} d"
            print(f"{topic.name}\tkey={topic.key_field}\tpartitions={topic.partitions}\t{kind}")
        return 0

    kafka = KafkaSettings(_env_prefix="PEERBRIDGE_KAFKA_")
    config = kafka.client_config()
    if args.bootstrap_servers:
        config["bootstrap_servers"] = args.bootstrap_servers.split(",")
    admin = _connect_admin(config, timeout_s=60)
    try:
        brokers = len(admin.describe_cluster()["brokers"])
        rf = args.replication_factor or (3 if brokers >= 3 else 1)
        created = create_topics(admin, new_topics(rf))
    finally:
        admin.close()
    print(f"topics: {len(created)} created, {2 * len(TOPICS) - len(created)} already there "
          f"(replication factor {rf}, {brokers} broker(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
