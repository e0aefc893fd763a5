"""Funder webhooks against real Kafka and Redis: the ``python -m peerbridge_gateway.webhooks``
process delivers a new outcome feed report to a funder's endpoint, signed, retried after failures,
once; reports of other programs or published before the subscription are not sent; an endpoint
that keeps failing is given up after the bounded attempts."""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi import FastAPI, Request, Response
from redis import Redis

from peerbridge_gateway.webhooks.store import WebhookStore
from peerbridge_shared.events import new_envelope
from peerbridge_shared.events.outcomes import OutcomeFeedPublished
from peerbridge_shared.messaging import publish
from peerbridge_shared.testing.processes import running


class Receiver:
    """A funder's endpoint: fails the first ``failures`` deliveries with 500, records every one."""

    def __init__(self, failures: int = 0) -> None:
        self.failures, self.received = failures, []
        self.app = FastAPI()
        self.app.post("/hook")(self.hook)

    async def hook(self, request: Request) -> Response:
        self.received.append((dict(request.headers), (await request.body()).decode()))
        return Response(status_code=500 if len(self.received) <= self.failures else 204)


def report(tenant: str, program_id: str, published_at: datetime):
    data = OutcomeFeedPublished(feed_id=f"{program_id}:2026-10", program_id=program_id, period="2026-10",
                                period_start=date(2026, 10, 1), period_end=date(2026, 10, 31),
                                measures={"active_participants": 40, "readmission_rate": None},
                                suppressed=["readmission_rate"], published_at=published_at)
    return new_envelope(data, tenant=tenant, source="/peerbridge/metrics", subject=data.feed_id)


def wait(condition, timeout_s: float = 60, step=None) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        if step:
            step()
        time.sleep(0.3)


@pytest.fixture(scope="module")
def webhooks_process(gateway_settings_module, kafka_settings, tmp_path_factory):
    settings = gateway_settings_module.model_copy(update={
        "webhook_allow_http_localhost": True, "webhooks_group_id": f"gateway-webhooks-test-{uuid.uuid4().hex[:8]}"})
    env = {"GATEWAY_ENVIRONMENT": "test", "GATEWAY_REDIS_PREFIX": settings.redis_prefix,
           "GATEWAY_WEBHOOKS_GROUP_ID": settings.webhooks_group_id, "GATEWAY_WEBHOOKS_OFFSET_RESET": "latest",
           "GATEWAY_WEBHOOK_BACKOFF_S": "0.2", "GATEWAY_WEBHOOK_MAX_ATTEMPTS": "3",
           "GATEWAY_WEBHOOK_ALLOW_HTTP_LOCALHOST": "true",
           "GATEWAY_KAFKA__BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers}
    log = tmp_path_factory.mktemp("webhooks") / "webhooks.log"
    with running([sys.executable, "-m", "peerbridge_gateway.webhooks"], log=log, env=env,
                 ready=lambda text: "webhooks running" in text):
        yield settings, log


@pytest.fixture
def client(webhooks_process):
    from fastapi.testclient import TestClient

    from peerbridge_gateway.app import create_app

    with TestClient(create_app(webhooks_process[0])) as test_client:
        yield test_client


def test_a_new_report_is_delivered_signed_retried_and_once(webhooks_process, client, token, tenant, run_server,
                                                           producer):
    settings, log = webhooks_process
    funder = token(tenant, "funder", user="payer-1")
    flaky, other = Receiver(failures=2), Receiver()
    created = client.post("/v1/webhooks", json={"url": run_server(flaky.app) + "/hook", "program_ids": ["prog-a"]},
                          headers=funder)
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    client.post("/v1/webhooks", json={"url": run_server(other.app) + "/hook", "program_ids": ["prog-b"]},
                headers=funder)
    assert [s["program_ids"] for s in client.get("/v1/webhooks", headers=funder).json()] == [["prog-a"], ["prog-b"]]
    assert "secret" not in json.dumps(client.get("/v1/webhooks", headers=funder).json())

    old = report(tenant, "prog-a", datetime.now(UTC) - timedelta(days=1))  # before the subscription: not sent
    new = report(tenant, "prog-a", datetime.now(UTC))
    publish(producer, old).get(10)
    # the process may still be joining its group (over 60 s once, in CI with the image builds on the
    # same cores): the same event is re-sent (one job per event id)
    wait(lambda: len(flaky.received) >= 3, timeout_s=180, step=lambda: publish(producer, new).get(10))
    time.sleep(1.5)
    assert len(flaky.received) == 3, log.read_text()[-2000:]
    headers, body = flaky.received[-1]
    expected = hmac.new(secret.encode(), f"{headers['x-peerbridge-timestamp']}.{body}".encode(), hashlib.sha256)
    assert headers["x-peerbridge-signature"] == "sha256=" + expected.hexdigest()
    assert headers["idempotency-key"] == new.id and {h["idempotency-key"] for h, _ in flaky.received} == {new.id}
    delivered = json.loads(body)
    assert delivered["report"]["measures"] == {"active_participants": 40, "readmission_rate": None}
    assert delivered["organization_id"] == tenant and other.received == []


def test_an_endpoint_that_keeps_failing_is_given_up_after_the_bounded_attempts(webhooks_process, client, token,
                                                                                tenant, run_server, producer):
    settings, _ = webhooks_process
    broken = Receiver(failures=100)
    client.post("/v1/webhooks", json={"url": run_server(broken.app) + "/hook"}, headers=token(tenant, "funder"))
    envelope = report(tenant, "prog-z", datetime.now(UTC))
    wait(lambda: len(broken.received) >= 1, step=lambda: publish(producer, envelope).get(10))
    redis = Redis.from_url(settings.redis_url)
    store = WebhookStore(redis, settings.redis_prefix)
    wait(lambda: any(json.loads(j)["event_id"] == envelope.id for j in redis.lrange(store.dead_key, 0, -1)))
    assert len(broken.received) == 3
    redis.close()


@pytest.mark.parametrize("url, rule", [("http://funder.example.org/hook", "https"),
                                       ("https://user:pw@funder.example.org/hook", "no_credentials"),
                                       ("https://127.0.0.1/hook", "public_address"),
                                       ("https://10.0.0.7:8443/hook", "public_address"),
                                       ("https://169.254.169.254/latest/meta-data", "public_address"),
                                       ("https://[::1]/hook", "public_address"),
                                       ("https://localhost/hook", "public_address"),
                                       ("https://no-such-host.invalid/hook", "resolvable")])
def test_only_public_https_endpoints_without_credentials_are_accepted(client, token, tenant, url, rule):
    refused = client.post("/v1/webhooks", json={"url": url}, headers=token(tenant, "funder"))
    assert refused.status_code == 422 and refused.json()["errors"][0]["rule"] == rule


def test_webhooks_belong_to_funders_and_program_admins_of_the_organization(client, token, tenant):
    made = client.post("/v1/webhooks", json={"url": "https://93.184.215.14/hook"},  # a public address literal
                       headers=token(tenant, "program_admin")).json()
    assert client.get("/v1/webhooks", headers=token("org-other", "funder")).json() == []
    assert client.delete(f"/v1/webhooks/{made['id']}", headers=token("org-other", "funder")).status_code == 404
    for role in ("peer", "clinician", "supervisor", "platform_admin"):
        assert client.get("/v1/webhooks", headers=token(tenant, role)).status_code == 403
    assert client.delete(f"/v1/webhooks/{made['id']}", headers=token(tenant, "funder")).status_code == 204
