from datetime import UTC, datetime

from .conftest import types_of

DONE = datetime(2026, 3, 2, 14, 0, tzinfo=UTC).isoformat()


def respond(api, participant, program, instrument, answers, expect=201, **extra):
    return api.post(f"/participants/{participant['id']}/questionnaire-responses", {
        "program_id": program["id"], "instrument": instrument, "answers": answers, "completed_at": DONE, **extra},
        expect=expect)


def test_a_phq9_with_item9_at_two_is_scored_stored_and_raises_a_safety_signal(world, api, published):
    alice = world.participant()
    result = respond(api, alice, world.program, "phq9", {str(i): v for i, v in
                                                         enumerate([1, 2, 1, 0, 3, 1, 2, 0, 2], start=1)})
    assert (result["total_score"], result["band"], result["safety_signal"]) == (12, "moderate", True)
    events = [e for e in published(api.identity.organization_id) if e.subject == alice["id"]]
    assert types_of(events)[-2:] == ["completed.v1", "completed.v1"]
    assessment, screen = events[-2].data, events[-1].data
    assert (assessment.instrument, assessment.total_score, assessment.loinc) == ("phq9", 12, "44261-6")
    assert (screen.instrument.value, screen.phq9_item9, screen.positive) == ("phq9_item9", 2, True)
    assert screen.rule_version == "phq9@1:item9>0" and screen.assessment_id == result["id"]
    assert screen.clinician_id == world.clinician["id"], "escalation can page the own clinician at once"
    assert api.get(f"/participants/{alice['id']}/questionnaire-responses")[0]["id"] == result["id"]


def test_every_cssrs_screen_is_published_and_narratives_never_leave(world, api, published):
    alice = world.participant()
    respond(api, alice, world.program, "cssrs_screener", {"1": True, "2": False, "6": False})
    respond(api, alice, world.program, "experience_survey", {"usefulness": 5, "empowerment": 5, "belonging": 4,
                                                             "belonging_story": "Maria at the front desk knows me"})
    events = [e for e in published(api.identity.organization_id) if e.subject == alice["id"]]
    screen = next(e.data for e in events if e.type.endswith("risk-screen.completed.v1"))
    assert screen.positive and screen.cssrs.wish_to_be_dead and screen.cssrs.thoughts_with_method is None
    assert all("Maria" not in e.data.model_dump_json() for e in events)
    stored = api.get(f"/participants/{alice['id']}/questionnaire-responses", params={"instrument": "experience_survey"})
    assert stored[0]["answers"]["belonging_story"] == "Maria at the front desk knows me"


def test_bad_responses_name_the_item(world, api):
    alice, outsider = world.participant(), world.participant(enroll=False)
    problem = respond(api, alice, world.program, "phq9", {str(i): 0 for i in range(1, 9)} | {"9": 7}, expect=422)
    assert (problem["errors"][0]["field"], problem["errors"][0]["rule"]) == ("body.answers.9", "range")
    problem = respond(api, alice, world.program, "nope", {}, expect=422)
    assert problem["errors"][0]["field"] == "body.instrument"
    problem = respond(api, outsider, world.program, "gad7", {str(i): 0 for i in range(1, 8)}, expect=422)
    assert problem["errors"][0]["rule"] == "enrolled"
    problem = respond(api, alice, world.program, "gad7", {str(i): 0 for i in range(1, 8)}, expect=422,
                      completed_at="2026-03-03T10:00:00Z")
    assert problem["errors"][0]["field"] == "body.completed_at"
    assert api.get(f"/participants/{alice['id']}/questionnaire-responses") == []


def test_an_organization_adds_an_instrument_as_data(world, api, published):
    definition = {"code": "hope_scale", "version": "1", "name": "Hope check-in", "items": [
        {"id": "agency", "text": "I can find ways to reach my goals", "min": 1, "max": 8},
        {"id": "pathways", "text": "I have a plan", "min": 1, "max": 8, "reverse": True}],
        "scoring": {"method": "sum"}, "bands": [{"min": 0, "label": "low"}, {"min": 10, "label": "high"}]}
    api.post("/instruments", definition)
    api.post("/instruments", definition, expect=409)
    api.post("/instruments", {**definition, "code": "phq9"}, expect=409)
    bad = api.post("/instruments", {**definition, "items": []}, expect=422)
    assert bad["errors"][0]["field"] == "body.items"
    assert "hope_scale" in [i["code"] for i in api.get("/instruments")]
    assert api.as_org("org-elsewhere").get("/instruments/hope_scale", expect=404)

    alice = world.participant()
    result = respond(api, alice, world.program, "hope_scale", {"agency": 7, "pathways": 2})
    assert (result["total_score"], result["band"]) == (14, "high"), "reverse-scored item: 8 + 1 - 2 = 7"
    api.post("/instruments", {**definition, "version": "2", "scoring": {"method": "mean"}})
    assert respond(api, alice, world.program, "hope_scale", {"agency": 7, "pathways": 2})["total_score"] == 7
    old = respond(api, alice, world.program, "hope_scale", {"agency": 7, "pathways": 2}, version="1")
    assert old["instrument_version"] == "1" and old["total_score"] == 14
    assessed = [e for e in published(api.identity.organization_id)
                if e.type.endswith("assessment.completed.v1")]
    assert [e.data.instrument_version for e in assessed] == ["1", "2", "1"]
