"""The gateway client retries a POST with the same Idempotency-Key (so a retry never makes a second
record), waits out rate limits, and stops on a problem the caller caused."""

from __future__ import annotations

import httpx
import pytest

from peerbridge_simulator.client import ApiError, Gateway
from peerbridge_simulator.tokens import DevTokens, User

ADMIN = User("admin-1", ("program_admin",))


@pytest.fixture
def tokens(tmp_path) -> DevTokens:
    return DevTokens("org-test", tmp_path / "key.pem")


def gateway(tokens: DevTokens, answers: list) -> tuple[Gateway, list[httpx.Request]]:
    """A client whose gateway answers ``answers`` in turn (an exception is raised instead)."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return Gateway("http://gateway.test", tokens, run_id="r1", retry_for_s=5,
                   transport=httpx.MockTransport(handle)), seen


def test_a_post_is_retried_with_the_same_idempotency_key_until_it_is_acknowledged(tokens):
    in_progress = {"detail": "still in progress", "errors": [{"field": None, "rule": "in_progress", "message": "."}]}
    client, seen = gateway(tokens, [httpx.Response(503, json={"detail": "scheduling unavailable"}),
                                    httpx.ConnectError("refused"),
                                    httpx.Response(409, json=in_progress, headers={"Retry-After": "0"}),
                                    httpx.Response(429, headers={"Retry-After": "0"}),
                                    httpx.Response(201, json={"id": "p-1"})])
    assert client.post(ADMIN, "/participants", {"given_name": "A"}) == {"id": "p-1"}
    keys = {request.headers["Idempotency-Key"] for request in seen}
    assert len(seen) == 5 and len(keys) == 1
    assert [(w.method, w.path, w.record_id, w.idempotency_key) for w in client.ledger] == [
        ("POST", "/participants", "p-1", keys.pop())]
    assert (client.stats.retries, client.stats.throttled) == (3, 1)


def test_each_write_has_its_own_key_and_reads_have_none(tokens):
    client, seen = gateway(tokens, [httpx.Response(201, json={"id": "a"}), httpx.Response(201, json={"id": "b"}),
                                    httpx.Response(200, json=[])])
    client.post(ADMIN, "/programs", {})
    client.post(ADMIN, "/programs", {})
    client.get(ADMIN, "/programs")
    assert seen[0].headers["Idempotency-Key"] != seen[1].headers["Idempotency-Key"]
    assert "Idempotency-Key" not in seen[2].headers
    assert seen[2].headers["Authorization"].startswith("Bearer ")


def test_a_problem_the_caller_caused_stops_at_once(tokens):
    problem = {"detail": "no", "errors": [{"field": "body.rrule", "rule": "rrule", "message": "bad"}]}
    client, seen = gateway(tokens, [httpx.Response(422, json=problem)])
    with pytest.raises(ApiError) as raised:
        client.post(ADMIN, "/session-series", {})
    assert (raised.value.status, raised.value.rule, len(seen), client.ledger) == (422, "rrule", 1, [])


def test_retries_end_after_the_retry_window(tokens):
    client, _ = gateway(tokens, [httpx.ConnectError("refused")] * 50)
    client.retry_for_s = 0.5
    with pytest.raises(ApiError, match="gave up"):
        client.post(ADMIN, "/programs", {})
