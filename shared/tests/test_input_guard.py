"""Every service refuses text no database can store before any route sees it: 422 problems naming
where (path, query.<name>, body.<path>) and the rule."""

import pytest
from fastapi import WebSocket
from fastapi.testclient import TestClient
from pydantic import BaseModel
from starlette.websockets import WebSocketDisconnect

from peerbridge_shared.web import FHIR_JSON, PROBLEM_JSON, create_service_app


class Note(BaseModel):
    text: str
    tags: list[str] = []


@pytest.fixture(scope="module")
def client():
    app = create_service_app("guarded")

    @app.post("/notes/{note_id}")
    def add(note_id: str, body: Note, q: str = "") -> dict:
        return {"id": note_id, "text": body.text}

    @app.post("/Encounter/fhir")
    def ingest(body: dict) -> dict:
        return body

    @app.websocket("/ws")
    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    with TestClient(app) as test_client:
        yield test_client


@pytest.mark.parametrize("raw, field", [
    (b'{"text": "\\ud800"}', "body.text"), (b'{"text": "a\\u0000b"}', "body.text"),
    (b'{"text": "ok", "tags": ["x", "\\udfff"]}', "body.tags.1"), (b'{"text": "\\u001b[31m"}', "body.text"),
    (b'{"\\u0000": 1, "text": "ok"}', "body.'\\x00'"),
])
def test_a_json_body_with_text_no_database_can_store_is_a_422_naming_the_field(client, raw, field):
    refused = client.post("/notes/n1", content=raw, headers={"Content-Type": "application/json"})
    assert refused.status_code == 422 and refused.headers["content-type"] == PROBLEM_JSON
    assert refused.json()["errors"][0]["field"] == field and refused.json()["errors"][0]["rule"] == "unicode"


def test_path_and_query_are_checked_too_and_good_text_passes(client):
    assert client.post("/notes/a%00b", json={"text": "x"}).json()["errors"][0]["field"] == "path"
    assert client.post("/notes/n1?q=%0a", json={"text": "x"}).json()["errors"][0]["field"] == "query.q"
    assert client.post("/notes/n1?q=%ff", json={"text": "x"}).json()["errors"][0]["field"] == "query.q"
    kept = client.post("/notes/n1?q=caf%C3%A9", json={"text": "line 1\nline 2\tZoë 🙂"})
    assert kept.status_code == 200 and kept.json()["text"] == "line 1\nline 2\tZoë 🙂"
    assert client.post("/notes/n1", content=b"{not json", headers={"Content-Type": "application/json"}
                       ).status_code == 422, "the route's own validation answers"


def test_a_websocket_is_accepted_then_closed_with_1007(client):
    with client.websocket_connect("/ws?x=%00") as ws, pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_text()
    assert closed.value.code == 1007
    with client.websocket_connect("/ws") as ws:
        assert ws.receive_text() == "hello"


def test_on_a_fhir_route_the_refusal_is_an_operation_outcome(client):
    refused = client.post("/Encounter/fhir", content=b'{"resourceType": "Encounter", "id": "a\\u0007"}',
                          headers={"Content-Type": "application/fhir+json"})
    assert refused.status_code == 422 and refused.headers["content-type"] == FHIR_JSON
    outcome = refused.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["id"] and outcome["issue"][0]["code"] == "invalid"
