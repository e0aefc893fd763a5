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
            add_event(session, concern(), tenant="org-a", source=SOURCE)["topic"] = topic.name
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


def test_a_request_is_one_server_span_continuing_the_callers_trace(span_exporter):
    from fastapi import Depends
    from fastapi.testclient import TestClient
    from opentelemetry.trace import SpanKind, StatusCode

    from peerbridge_shared.web import create_service_app

    service = create_service_app("test")

    def dependency() -> int:
        return 1

    @service.get("/things/{thing}")
    def read(thing: str, _: int = Depends(dependency)) -> dict[str, str]:
        if thing == "broken":
            raise RuntimeError("boom")
        return {"thing": thing}

    caller_trace, caller_span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    client = TestClient(service, raise_server_exceptions=False)
    for thing in ("a", "broken"):
        response = client.get(f"/things/{thing}", headers={"traceparent": f"00-{caller_trace}-{caller_span}-01"})
        assert response.status_code == (200 if thing == "a" else 500)
    spans = [s for s in span_exporter.get_finished_spans() if format(s.context.trace_id, "032x") == caller_trace]
    # one span per request (none of FastAPI's own beside it), a child of the caller's
    assert [(s.name, s.kind) for s in spans] == [("GET /things/a", SpanKind.SERVER),
                                                 ("GET /things/broken", SpanKind.SERVER)]
    assert all(format(s.parent.span_id, "016x") == caller_span for s in spans)
    assert spans[0].attributes["http.response.status_code"] == 200 and spans[0].status.status_code != StatusCode.ERROR
    assert spans[1].status.status_code == StatusCode.ERROR
