from datetime import UTC, datetime

from .conftest import types_of

RAISED = datetime(2026, 3, 2, 14, 30, tzinfo=UTC).isoformat()


def test_a_concern_keeps_its_note_here_and_publishes_category_and_presence(world, api, published):
    alice = world.participant()
    concern = api.post(f"/participants/{alice['id']}/safety-concerns", {
        "program_id": world.program["id"], "category": "immediate_danger", "peer_with_person": True,
        "note": "Said goodbye to everyone at group, gave away her guitar", "raised_at": RAISED})
    assert concern["immediate_danger"] is True, "the immediate-danger category implies it"
    [event] = [e for e in published(api.identity.organization_id)
               if e.type.endswith("concern.raised.v1")]
    assert (event.data.concern_id, event.data.category.value, event.data.peer_with_person) == (
        concern["id"], "immediate_danger", True)
    assert event.data.clinician_id == world.clinician["id"], "the enrollment's own clinician rides along"
    assert "guitar" not in event.data.model_dump_json()
    assert api.get(f"/participants/{alice['id']}/safety-concerns")[0]["note"].endswith("guitar")


def test_concerns_need_an_enrolled_participant_and_a_known_category(world, api):
    outsider = world.participant(enroll=False)
    body = {"program_id": world.program["id"], "category": "self_harm", "peer_with_person": False, "note": "x",
            "raised_at": RAISED}
    assert api.post(f"/participants/{outsider['id']}/safety-concerns", body, expect=422)["errors"][0]["rule"] == \
        "enrolled"
    alice = world.participant()
    bad = api.post(f"/participants/{alice['id']}/safety-concerns", {**body, "category": "vibes"}, expect=422)
    assert bad["errors"][0]["field"] == "body.category"
    naive = api.post(f"/participants/{alice['id']}/safety-concerns", {**body, "raised_at": "2026-03-02T14:30:00"},
                     expect=422)
    assert naive["errors"][0]["field"] == "body.raised_at"


def test_safety_plans_are_versioned_and_the_latest_is_what_a_case_shows(world, api, published):
    alice = world.participant()
    plan = {"program_id": world.program["id"], "warning_signs": ["not sleeping", "skipping meals"],
            "internal_coping_strategies": ["walk the dog"],
            "people_to_ask_for_help": [{"name": "Sister", "phone": "+1 919 555 0100"}]}
    first = api.post(f"/participants/{alice['id']}/safety-plans", plan)
    assert (first["version"], first["completed_steps"]) == (1, [1, 2, 4])
    assert "988" in first["crisis_line"]
    second = api.post(f"/participants/{alice['id']}/safety-plans", {
        **plan, "professionals_and_agencies": [{"name": "Dr Lee", "phone": "+1 919 555 0111"}],
        "making_environment_safe": ["medications kept by sister"], "social_distractions": ["library"]})
    assert (second["version"], second["completed_steps"]) == (2, [1, 2, 3, 4, 5, 6])
    assert api.get(f"/participants/{alice['id']}/safety-plan")["version"] == 2
    assert api.get(f"/participants/{alice['id']}/safety-plan", params={"version": 1})["steps"]["social_distractions"] \
        == []
    events = [e for e in published(api.identity.organization_id) if e.subject == alice["id"]]
    assert types_of(events)[-2:] == ["updated.v1", "updated.v1"]
    assert "Sister" not in events[-1].data.model_dump_json()
    api.as_org("org-elsewhere").get(f"/participants/{alice['id']}/safety-plan", expect=404)
    nobody = world.participant()
    api.get(f"/participants/{nobody['id']}/safety-plan", expect=404)
