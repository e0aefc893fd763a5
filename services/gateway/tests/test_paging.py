"""One paging rule on every list: ``limit`` 1-500 (default 100) and ``offset`` 0-1,000,000, the
same in the public document and in every service behind it; a full page names the next one."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from peerbridge_gateway.app import create_app
from peerbridge_shared.deps import DEFAULT_PAGE, MAX_OFFSET, MAX_PAGE

from .world import build_world


def list_operations(document: dict) -> list[str]:
    """Every GET of the public API whose answer is a JSON array."""
    found = []
    for path, item in document["paths"].items():
        answer = item.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        schema = answer.get("application/json", {}).get("schema", {})
        if schema.get("type") == "array":
            found.append(path)
    return found


def resolve(document: dict, item: dict) -> dict:
    if "$ref" not in item:
        return item
    found = document
    for part in item["$ref"].removeprefix("#/").split("/"):
        found = found[part]
    return found


def test_every_list_of_the_public_api_takes_the_one_paging_rule(gateway):
    document = gateway.get("/openapi.json").json()
    lists = list_operations(document)
    assert len(lists) >= 15, lists
    for path in lists:
        declared = [resolve(document, p) for p in document["paths"][path]["get"].get("parameters", [])]
        parameters = {p["name"]: p["schema"] for p in declared if p["in"] == "query"}
        assert "limit" in parameters and "offset" in parameters, path
        assert (parameters["limit"].get("minimum"), parameters["limit"].get("maximum"),
                parameters["limit"].get("default")) == (1, MAX_PAGE, DEFAULT_PAGE), path
        assert (parameters["offset"].get("minimum"), parameters["offset"].get("maximum")) == (0, MAX_OFFSET), path


@pytest.fixture
def world_client(gateway_settings, token, tenant, escalation_db):
    with TestClient(create_app(gateway_settings)) as client:
        admin = token(tenant, "program_admin")
        yield client, admin, build_world(client, admin, tenant, escalation_db)


def test_every_list_pages_and_refuses_a_page_out_of_bounds_naming_the_field(world_client):
    client, admin, world = world_client
    mine = world.mine
    paths = ["/v1/programs", f"/v1/programs/{mine.id}/sites", "/v1/peers", "/v1/enrollments", "/v1/sessions",
             f"/v1/participants/{mine.participant_id}/contacts", f"/v1/participants/{mine.participant_id}/goals",
             f"/v1/participants/{mine.participant_id}/questionnaire-responses",
             f"/v1/participants/{mine.participant_id}/safety-concerns", "/v1/instruments", "/v1/cases",
             f"/v1/cases/{mine.case_id}/timeline", f"/v1/enrollments/{mine.enrollment_id}/peer-matches"]
    for path in paths:
        everything = client.get(path, params={"limit": MAX_PAGE}, headers=admin)
        assert everything.status_code == 200, (path, everything.text)
        first, second = (client.get(path, params={"limit": 1, "offset": offset}, headers=admin) for offset in (0, 1))
        assert first.json() == everything.json()[:1] and second.json() == everything.json()[1:2], path
        if len(everything.json()) > 1:
            assert 'rel="next"' in first.headers.get("link", ""), path
        for name, value in (("limit", 0), ("limit", MAX_PAGE + 1), ("offset", -1), ("offset", MAX_OFFSET + 1)):
            refused = client.get(path, params={name: value}, headers=admin)
            assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == f"query.{name}", \
                (path, name, value, refused.text)
