import uuid

from .conftest import types_of
from .encounter_corpus import invalid, valid


def encounter(participant_id, *, status="in-progress", end=None, klass="IMP", psychiatric=True, disposition=None,
              encounter_id="adt-1001"):
    resource = {"resourceType": "Encounter", "id": encounter_id, "status": status,
                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": klass},
                "subject": {"reference": f"Patient/{participant_id}"},
                "period": {"start": "2026-02-20T22:15:00-05:00", **({"end": end} if end else {})}}
    if psychiatric:
        resource["serviceType"] = {"coding": [{"system": "http://snomed.info/sct", "code": "394587001"}]}
    if disposition:
        resource["hospitalization"] = {"dischargeDisposition": {"coding": [
            {"system": "http://terminology.hl7.org/CodeSystem/discharge-disposition", "code": disposition}]}}
    return resource


def ingest(api, resource, expect=200):
    return api.request("POST", "/hospital-encounters/fhir", expect, json=resource)


def test_admission_then_discharge_publish_once_each_and_start_the_outreach_clock(world, api, published):
    alice = world.participant()
    admitted = ingest(api, encounter(alice["id"]))
    assert admitted["published"] == ["org.peerbridge.clinical.encounter.admitted.v1"]
    assert ingest(api, encounter(alice["id"]))["published"] == [], "a re-sent admission publishes nothing"
    discharged = ingest(api, encounter(alice["id"], status="finished", end="2026-03-01T11:00:00-05:00",
                                       disposition="home"))
    assert discharged["published"] == ["org.peerbridge.clinical.encounter.discharged.v1",
                                       "org.peerbridge.clinical.outreach.due.v1"]
    assert ingest(api, encounter(alice["id"], status="finished", end="2026-03-01T11:00:00-05:00"))["published"] == []

    events = [e for e in published(api.identity.organization_id) if e.subject == alice["id"]]
    assert types_of(events)[-3:] == ["admitted.v1", "discharged.v1", "due.v1"]
    outreach = events[-1].data
    assert outreach.due_by.isoformat() == "2026-03-03T16:00:00+00:00" and outreach.program_id == world.program["id"]


def test_an_emergency_visit_that_is_not_psychiatric_starts_no_outreach(world, api):
    alice = world.participant()
    result = ingest(api, encounter(alice["id"], klass="EMER", psychiatric=False, status="finished",
                                   end="2026-02-21T03:00:00-05:00", encounter_id="ed-7"))
    assert result["published"] == ["org.peerbridge.clinical.encounter.admitted.v1",
                                   "org.peerbridge.clinical.encounter.discharged.v1"]
    assert result["disposition"] == "home"


def test_bad_encounters_name_the_fhir_element(world, api):
    alice, outsider = world.participant(), world.participant(enroll=False)
    cases = [
        ({**encounter(alice["id"]), "resourceType": "Patient"}, "body.resourceType"),
        ({**encounter(alice["id"]), "class": {"code": "AMB"}}, "body.class.code"),
        ({**encounter(alice["id"]), "subject": {"reference": "Group/1"}}, "body.subject.reference"),
        (encounter("ghost"), "body.subject.reference"),
        (encounter(outsider["id"]), "body.subject.reference"),
        ({**encounter(alice["id"]), "period": {"start": "2026-02-20T22:15:00"}}, "body.period.start"),
        ({**encounter(alice["id"]), "status": "sleepy"}, "body.status"),
        (encounter(alice["id"], status="finished", end="2026-02-01T00:00:00Z"), "body.period"),
    ]
    for resource, field in cases:
        outcome = ingest(api, resource, expect=422)
        assert outcome["resourceType"] == "OperationOutcome", outcome
        assert outcome["issue"][0]["expression"] == [field.removeprefix("body.")], (resource, outcome)


def test_the_ingest_refuses_exactly_what_the_hl7_validator_refuses(world, api, published, fhir_validator):
    alice = world.participant()
    n = uuid.uuid4().int % 10**6
    for name, resource in valid(alice["id"], n):
        assert fhir_validator.validate(resource).errors == 0, name
        result = api.client.post("/hospital-encounters/fhir", json=resource,
                                 headers={**api.headers, "Content-Type": "application/fhir+json"})
        assert result.status_code == 200, (name, result.text)
    for name, resource, element in invalid(alice["id"], n):
        verdict = fhir_validator.validate(resource)
        assert verdict.errors > 0, f"the corpus calls {name!r} invalid but the validator accepts it"
        response = api.client.post("/hospital-encounters/fhir", json=resource, headers=api.headers)
        assert response.status_code == 422, (name, response.text)
        assert response.headers["content-type"] == "application/fhir+json"
        outcome = response.json()
        assert outcome["issue"][0]["expression"] == [element.replace(".0.", "[0].")], (name, outcome)
        assert fhir_validator.validate(outcome).errors == 0, outcome
    ids = {e.data.encounter_id for e in published(api.identity.organization_id)
           if e.subject == alice["id"] and hasattr(e.data, "encounter_id")}
    assert ids == {resource["id"] for _name, resource in valid(alice["id"], n)}, "only valid ones published"


def test_fhir_errors_are_operation_outcomes_even_before_the_resource_is_read(api, fhir_validator):
    for body, status in ((b"[1, 2]", 422), (b"{not json", 422)):
        response = api.client.post("/hospital-encounters/fhir", content=body,
                                   headers={**api.headers, "Content-Type": "application/fhir+json"})
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/fhir+json"
        assert fhir_validator.validate(response.json()).errors == 0, response.text
    unauthenticated = api.client.get("/participants/nobody/fhir")
    assert unauthenticated.status_code == 401 and unauthenticated.json()["issue"][0]["code"] == "login"
    missing = api.client.get(f"/participants/{uuid.uuid4()}/fhir", headers=api.headers)
    assert missing.status_code == 404 and missing.json()["issue"][0]["code"] == "not-found"
    assert fhir_validator.validate(missing.json()).errors == 0
