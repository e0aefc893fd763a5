"""The gateway's copies of the services' contracts are what the services' apps document today
(`make contracts` rewrites them), and the gateway's public document shows them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from peerbridge_deploy.contracts import contract, contract_drift
from peerbridge_gateway.app import create_app
from peerbridge_gateway.catalog import ROUTES
from peerbridge_gateway.settings import GatewaySettings
from peerbridge_scheduling.app import create_app as create_scheduling
from peerbridge_scheduling.settings import SchedulingSettings

ROOT = Path(__file__).resolve().parents[2]


def test_the_gateway_carries_the_services_current_contracts():
    assert contract_drift() == [], "the services' documents changed: run `make contracts` and commit"


def test_the_public_document_shows_each_services_own_schemas(tmp_path):
    gateway = create_app(GatewaySettings(environment="test", dev_key_file=str(tmp_path / "key.pem"))).openapi()
    scheduling = create_scheduling(SchedulingSettings(database_url="postgresql+psycopg://x:x@127.0.0.1:1/x")).openapi()
    body = gateway["paths"]["/v1/programs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ProgramCreate"}
    assert gateway["components"]["schemas"]["ProgramCreate"] == scheduling["components"]["schemas"]["ProgramCreate"]
    # scheduling's and escalation's ContactCreate differ: each keeps its own, under its service's name
    notes = gateway["paths"]["/v1/participants/{participant_id}/contacts"]["post"]["requestBody"]
    on_call = gateway["paths"]["/v1/clinicians/{clinician_id}/contacts"]["put"]["requestBody"]
    assert notes["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/SchedulingContactCreate"}
    assert on_call["content"]["application/json"]["schema"]["items"] == {
        "$ref": "#/components/schemas/EscalationContactCreate"}
    assert "ContactCreate" not in gateway["components"]["schemas"]


def test_every_route_forwards_to_an_operation_of_its_service():
    assert all(route.contract["responses"][str(route.status)] for route in ROUTES)


def test_a_route_the_service_does_not_serve_is_refused_at_generation():
    document = {"paths": {"/programs": {"get": {"responses": {"200": {}}}}}, "components": {"schemas": {}}}
    try:
        contract(document, [("POST", "/programs")])
    except LookupError as error:
        assert "POST /programs" in str(error)
    else:
        raise AssertionError("an unknown operation was accepted")


def test_the_gateway_builds_its_document_without_any_service_package(tmp_path):
    # as in the gateway's image: importing a service package fails
    script = f"""
import sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("peerbridge_scheduling", "peerbridge_escalation", "peerbridge_metrics"):
            raise ImportError("not in the gateway image: " + name)
sys.meta_path.insert(0, Refuse())
from peerbridge_gateway.app import create_app
from peerbridge_gateway.settings import GatewaySettings
document = create_app(GatewaySettings(environment="test", dev_key_file={str(tmp_path / "key.pem")!r})).openapi()
print(len(document["paths"]))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > len(ROUTES) / 2



def test_one_problem_schema_clean_operation_ids_and_fhir_media_types(tmp_path):
    gateway = create_app(GatewaySettings(environment="test", dev_key_file=str(tmp_path / "key.pem"))).openapi()
    text = json.dumps(gateway)
    assert '"title": "ProblemDetails"' not in text, "the problem schema is referenced, never inlined"
    assert gateway["components"]["schemas"]["Problem"]["properties"]["errors"]["anyOf"][0]["items"] == {
        "$ref": "#/components/schemas/FieldError"}
    operations = [o for methods in gateway["paths"].values() for o in methods.values()]
    ids = [o["operationId"] for o in operations]
    assert len(ids) == len(set(ids)) and not [i for i in ids if "__" in i or i.endswith(("_get", "_post"))], ids
    export = gateway["paths"]["/v1/participants/{participant_id}/fhir"]["get"]["responses"]["200"]["content"]
    assert list(export) == ["application/fhir+json"]
    assert export["application/fhir+json"]["schema"] == {"$ref": "#/components/schemas/FhirBundle"}


def test_every_operation_is_described_typed_and_every_body_has_an_example(tmp_path):
    """What a front-end developer reads: a written summary (not one generated from a function name), a
    description, an example for each request body, a schema for each JSON answer, the streams."""
    gateway = create_app(GatewaySettings(environment="test", dev_key_file=str(tmp_path / "key.pem"))).openapi()
    operations = {(path, method): o for path, methods in gateway["paths"].items() for method, o in methods.items()}
    generated = [key for key, o in operations.items() if o["summary"].title() == o["summary"] and " " in o["summary"]
                 and key[0] not in ("/healthz", "/readyz")]
    assert generated == [], "summaries generated from function names"
    assert [key for key, o in operations.items() if len(o.get("description", "")) < 20] == []
    bodies = [(key, media, content) for key, o in operations.items()
              for media, content in o.get("requestBody", {}).get("content", {}).items()]
    assert len(bodies) >= 36 and [(key, media) for key, media, content in bodies if "example" not in content] == []
    untyped = [(key, status) for key, o in operations.items() for status, answer in o["responses"].items()
               if "application/json" in answer.get("content", {})
               and answer["content"]["application/json"].get("schema", {}).get("additionalProperties") is True]
    assert untyped == [], "answers typed as a bare object"
    measures = operations[("/v1/measures", "get")]["responses"]["200"]["content"]["application/json"]["schema"]
    feed = operations[("/v1/feeds/{program_id}/{period}", "get")]["responses"]["200"]["content"]
    assert measures == {"$ref": "#/components/schemas/Measures"}
    assert feed["application/json"]["schema"] == {"$ref": "#/components/schemas/FeedReport"}
    families = gateway["components"]["schemas"]["Measures"]["properties"]
    assert {name: families[name]["type"] for name in ("engagement", "transitions", "safety")} == dict.fromkeys(
        ("engagement", "transitions", "safety"), "array"), "each family typed as its rows (left out when not asked)"
    assert all("$ref" in families[name]["items"] for name in ("engagement", "transitions", "safety"))
    assert "text/event-stream" in operations[("/v1/events", "get")]["responses"]["200"]["content"]
    assert "101" in operations[("/v1/events/ws", "get")]["responses"]
    ingest = operations[("/v1/hospital-encounters/fhir", "post")]["requestBody"]["content"]
    assert list(ingest) == ["application/fhir+json"] and ingest["application/fhir+json"]["example"][
        "resourceType"] == "Encounter"
