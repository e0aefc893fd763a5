"""One trace spans the request that wrote the event, the relay's send and the consumer."""

import json
import logging
import time
import uuid

from opentelemetry import trace

from peerbridge_shared.logs import JsonFormatter
from peerbridge_shared.messaging import ConsumerConfig, EventConsumer
from peerbridge_shared.outbox import OutboxRelay, add_event
from peerbridge_shared.topics import SAFETY

from .test_outbox import SOURCE, concern


def test_traceparent_crosses_kafka_from_request_to_consumer(
    span_exporter, database, producer, kafka_settings, make_topic
):
    topic = make_topic(SAFETY)
    with trace.get_tracer("test").start_as_current_span("POST /v1/safety-concerns") as request_span:
        with database.transaction() as session:
            add_event(session, concern(), tenant="org-a", source=SOURCE).topic = topic.name
    request_trace = request_span.get_span_context().trace_id

    OutboxRelay(database, producer).publish_batch()
    seen = []
    consumer = EventConsumer(
        ConsumerConfig(group_id=f"test-{uuid.uuid4()}", topics=[topic]),
        lambda event: seen.append(trace.get_current_span().get_span_context().trace_id),
        kafka=kafka_settings, producer=producer,
    )
    deadline = time.monotonic() + 30
    while not seen and time.monotonic() < deadline:
        consumer.poll_once()
    consumer.close()

    assert seen == [request_trace]
    spans = {s.name: s for s in span_exporter.get_finished_spans() if s.context.trace_id == request_trace}
    assert {"POST /v1/safety-concerns", f"send {topic.name}", f"process {topic.name}"} <= set(spans)
    assert spans[f"process {topic.name}"].parent.span_id == spans[f"send {topic.name}"].context.span_id


def test_json_logs_carry_the_current_trace_and_span_ids(span_exporter):
    formatter = JsonFormatter("tests")
    with trace.get_tracer("test").start_as_current_span("work") as span:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "case %s opened", ("ESC-1",), None)
        record.case_number = "ESC-1"
        line = json.loads(formatter.format(record))
    context = span.get_span_context()
    assert line["trace_id"] == format(context.trace_id, "032x")
    assert line["span_id"] == format(context.span_id, "016x")
    assert (line["message"], line["case_number"], line["service"]) == ("case ESC-1 opened", "ESC-1", "tests")
