"""The metrics stream worker (faust-streaming): `python -m peerbridge_metrics.worker [faust args]`.

A table keyed by participant (co-partitioned with the participant-keyed topics) keeps each
participant's facts, folded with the same code as the batch reference. The worker serves the
measures it holds at ``/measures?organization_id=`` (its web port) once its tables are recovered;
before that it answers 503.
"""

from __future__ import annotations

import logging
import sys

import faust

from peerbridge_shared.events import InvalidEvent, decode
from peerbridge_shared.messaging import create_producer
from peerbridge_shared.messaging.dead_letters import DeadLetters, header_list
from peerbridge_shared.topics import CARE, ENROLLMENTS

from .billing.rules import load_policies
from .measures import as_rows, engagement, questionnaires, reimbursement
from .settings import MetricsSettings, get_settings
from .state import ParticipantState

log = logging.getLogger(__name__)
TOPICS = (CARE, ENROLLMENTS)


def create_app(settings: MetricsSettings | None = None) -> faust.App:
    settings = settings or get_settings()
    app = faust.App(
        settings.faust_app_id, broker=[f"kafka://{server}" for server in settings.kafka.bootstrap_servers.split(",")],
        store=settings.faust_store, broker_session_timeout=settings.faust_session_timeout_s,
        broker_heartbeat_interval=settings.faust_session_timeout_s / 3, topic_partitions=CARE.partitions,
        topic_replication_factor=settings.faust_replication_factor, web_port=settings.faust_web_port,
        web_bind=settings.host, web_host=settings.host, consumer_auto_offset_reset="earliest",
        broker_credentials=settings.kafka.faust_credentials(),
    )
    participants = app.Table("participants", default=None, partitions=CARE.partitions)
    dead_letters = DeadLetters(create_producer(settings.kafka), settings.faust_app_id,
                               {topic.name: topic.dead_letter for topic in TOPICS})
    payers = load_policies(settings.payer_policies)
    channel = app.topic(*(topic.name for topic in TOPICS), key_type=bytes, value_type=bytes,
                        key_serializer="raw", value_serializer="raw")

    @app.agent(channel, name="fold")
    async def fold(stream: faust.StreamT) -> None:
        async for event in stream.events():
            message = event.message
            headers = header_list(message.headers)
            try:
                envelope = decode(message.key, message.value, headers)
                participant = getattr(envelope.data, "participant_id", None)
                if participant is None:
                    continue
                stored = participants.get(participant)
                state = ParticipantState.model_validate(stored) if stored else ParticipantState(
                    organization_id=envelope.tenant, participant_id=participant)
                if state.apply(envelope):
                    participants[participant] = state.model_dump(mode="json")  # assign back: Faust saves it
            except InvalidEvent as exc:
                dead_letters.park(topic=message.topic, partition=message.partition, offset=message.offset,
                                  key=message.key, value=message.value, headers=headers, reason=exc.reason,
                                  error=exc, attempts=0)
            except Exception as exc:  # noqa: BLE001 - an exception escaping the agent would stop it
                log.exception("metrics fold failed")
                dead_letters.park(topic=message.topic, partition=message.partition, offset=message.offset,
                                  key=message.key, value=message.value, headers=headers,
                                  reason=f"handler failed: {exc}", error=exc, attempts=1)

    @app.page("/measures")
    async def measures(web, request):  # noqa: ANN001 - faust's view signature
        if not app.tables.recovery.completed.is_set():
            return web.json({"status": 503, "title": "Service Unavailable", "detail": "tables are recovering"},
                            status=503)
        organization = request.query.get("organization_id")
        if not organization:
            return web.json({"status": 422, "title": "Invalid request", "detail": "organization_id is required",
                             "errors": [{"field": "query.organization_id", "rule": "missing"}]}, status=422)
        states = [ParticipantState.model_validate(value) for value in participants.values()
                  if value and value["organization_id"] == organization]
        return web.json({"participants": len(states), "engagement": as_rows(engagement(states)),
                         "reimbursement": as_rows(reimbursement(states, payers)),
                         "questionnaires": as_rows(questionnaires(states))})

    return app


def main() -> None:
    settings = get_settings()
    app = create_app(settings)
    if len(sys.argv) == 1:
        sys.argv += ["worker", "--loglevel", "info"]
    app.main()


if __name__ == "__main__":
    main()
