from peerbridge_shared.identity import Role

from .conftest import World, types_of


def test_enrollment_needs_program_consent_and_publishes_enrolled(world, api, published):
    participant = world.participant(enroll=False, preferred_language="es")
    problem = world.api.post("/enrollments", {
        "participant_id": participant["id"], "program_id": world.program["id"], "site_id": world.site["id"],
        "enrolled_on": "2026-03-01"}, expect=422)
    assert (problem["errors"][0]["field"], problem["errors"][0]["rule"]) == ("body.participant_id",
                                                                              "program_consent_required")
    world.consent(participant["id"])
    enrollment = world.enroll(participant["id"], index_discharge_on="2026-02-26")

    events = published(api.identity.organization_id)
    assert types_of(events) == ["changed.v1", "enrolled.v1"]
    enrolled = events[1].data
    assert (enrolled.participant_id, enrolled.enrollment_id, enrolled.preferred_language) == (
        participant["id"], enrollment["id"], "es")
    assert enrolled.index_discharge_on.isoformat() == "2026-02-26" and enrolled.clinician_id == world.clinician["id"]
    assert events[1].subject == participant["id"], "keyed by participant"


def test_a_withdrawn_consent_blocks_enrollment(world):
    participant = world.participant(enroll=False)
    world.consent(participant["id"], granted=True)
    withdrawn = world.api.post(f"/participants/{participant['id']}/consents", {
        "program_id": world.program["id"], "kind": "program", "granted": False,
        "effective_at": "2026-03-01T12:00:00-05:00"})
    assert withdrawn["granted"] is False
    world.api.post("/enrollments", {"participant_id": participant["id"], "program_id": world.program["id"],
                                    "site_id": world.site["id"], "enrolled_on": "2026-03-01"}, expect=422)


def test_bad_enrollments_name_the_field(world, api):
    participant = world.participant()
    base = {"participant_id": participant["id"], "program_id": world.program["id"], "site_id": world.site["id"],
            "enrolled_on": "2026-03-01"}
    cases = [
        ({"payer_id": "aetna"}, 422, "body.payer_id", "program_payer"),
        ({"site_id": "no-such-site"}, 422, "body.site_id", "exists"),
        ({"clinician_id": "nobody"}, 422, "body.clinician_id", "exists"),
        ({"program_id": "nope"}, 422, "body.program_id", "exists"),
        ({"authorized_units": -1}, 422, "body.authorized_units", "greater_than_equal"),
        ({}, 409, "body.participant_id", "one_active_enrollment"),
    ]
    for change, status, field, rule in cases:
        problem = api.post("/enrollments", {**base, **change}, expect=status)
        assert (problem["errors"][0]["field"], problem["errors"][0]["rule"]) == (field, rule), change


def test_participants_are_invisible_to_other_organizations(world, api):
    participant = world.participant()
    other = api.as_org("org-elsewhere")
    other.get(f"/participants/{participant['id']}", expect=404)
    other.get(f"/enrollments/{participant['enrollment']['id']}", expect=404)
    assert api.get(f"/participants/{participant['id']}")["family_name"] == participant["family_name"]


def test_ending_an_enrollment_publishes_it_once(world, api, published):
    participant = world.participant()
    enrollment_id = participant["enrollment"]["id"]
    too_early = api.post(f"/enrollments/{enrollment_id}/end", {"ended_on": "2026-02-01", "reason": "withdrew"},
                         expect=422)
    assert too_early["errors"][0]["field"] == "body.ended_on"
    ended = api.post(f"/enrollments/{enrollment_id}/end", {"ended_on": "2026-06-30", "reason": "completed"}, expect=200)
    assert ended["ended_on"] == "2026-06-30"
    api.post(f"/enrollments/{enrollment_id}/end", {"ended_on": "2026-07-01", "reason": "completed"}, expect=409)
    assert types_of(published(api.identity.organization_id))[-1] == "ended.v1"
    world.enroll(participant["id"], enrolled_on="2026-08-01")  # a new enrollment is allowed once the first ended


def test_matching_ranks_peers_and_explains_each_place(world, api, published):
    participant = world.participant(preferred_language="es", enroll=False)
    world.consent(participant["id"])
    enrollment = world.enroll(participant["id"])
    world.peer(display_name="Bea", languages=["en", "es"], tags=["veteran"])
    spanish = world.peer(display_name="Carmen", languages=["es"])
    world.peer(display_name="Dana", languages=["en"])
    world.peer(display_name="Eli", languages=["es"], credential_expires_on="2026-01-31")
    full = world.peer(display_name="Fay", languages=["es"], caseload_cap=1)
    other = world.participant(preferred_language="es")
    api.put(f"/enrollments/{other['enrollment']['id']}/peer", {"peer_id": full["id"]})

    ranked = api.get(f"/enrollments/{enrollment['id']}/peer-matches", params={"tags": ["veteran"]})
    assert [c["display_name"] for c in ranked] == ["Bea", "Carmen", "Eli", "Fay", "Dana"]
    by_name = {c["display_name"]: c for c in ranked}
    assert by_name["Bea"]["reasons"] == ["caseload 0/15", "speaks es", "shares veteran"]
    assert not by_name["Dana"]["eligible"] and "does not speak es" in by_name["Dana"]["reasons"]
    assert by_name["Eli"]["reasons"][0] == "credential expired 2026-01-31"
    assert by_name["Fay"]["reasons"][0] == "caseload full (1/1)"

    refused = api.put(f"/enrollments/{enrollment['id']}/peer", {"peer_id": full["id"]}, expect=409)
    assert refused["errors"][0]["rule"] == "eligible_peer"
    assert api.put(f"/enrollments/{enrollment['id']}/peer", {"peer_id": spanish["id"]})["eligible"]
    assert api.get(f"/enrollments/{enrollment['id']}")["peer_id"] == spanish["id"]
    assigned = [e for e in published(api.identity.organization_id) if e.type.endswith("assigned.v1")]
    assert {(e.data.participant_id, e.data.peer_id) for e in assigned} == {
        (other["id"], full["id"]), (participant["id"], spanish["id"])}


def test_enrollments_are_listed_by_participant_peer_program_and_status(world, api):
    peer = world.peer()
    mine = world.participant()
    other = world.participant()
    api.put(f"/enrollments/{mine['enrollment']['id']}/peer", {"peer_id": peer["id"]})
    caseload = api.get("/enrollments", params={"peer_id": peer["id"], "active": "true"})
    assert [e["participant_id"] for e in caseload] == [mine["id"]]
    assert [e["id"] for e in api.get("/enrollments", params={"participant_id": other["id"]})] == [
        other["enrollment"]["id"]]
    assert len(api.get("/enrollments", params={"program_id": [world.program["id"], "prog-x"]})) == 2
    assert api.get("/enrollments", params={"program_id": "prog-x"}) == []
    api.post(f"/enrollments/{mine['enrollment']['id']}/end", {"ended_on": "2026-06-30", "reason": "completed"},
             expect=200)
    assert api.get("/enrollments", params={"peer_id": peer["id"], "active": "true"}) == []
    assert len(api.get("/enrollments", params={"peer_id": peer["id"], "active": "false"})) == 1
    assert api.as_org("org-elsewhere").get("/enrollments", params={"participant_id": mine["id"]}) == []


def test_participants_are_found_by_any_word_of_their_name_whatever_its_case(world, api):
    ana = world.participant(given_name="Ana María", family_name="Núñez-López")
    world.participant(given_name="Ann", family_name="Okafor")
    percent = world.participant(given_name="100%", family_name="O_Brien")
    program = {"program_id": world.program["id"]}
    found = lambda name: [p["id"] for p in api.get("/participants", params={**program, "name": name})]  # noqa: E731
    assert found("maría núñez") == [ana["id"]]
    assert found("NÚÑEZ") == [ana["id"]]
    assert found("%") == [percent["id"]]  # the LIKE wildcards are searched for, not obeyed
    assert found("o_b") == [percent["id"]]
    assert found("nobody") == []
    everyone = api.get("/participants", params=program)
    assert [p["family_name"] for p in everyone] == sorted((p["family_name"] for p in everyone), key=str.lower)
    assert everyone[0].keys() >= {"id", "given_name", "family_name", "preferred_language", "interpreter_needed"}


def test_the_participant_list_holds_active_enrollments_of_the_callers_programs_only(world, api):
    kept, ended = world.participant(), world.participant()
    api.post(f"/enrollments/{ended['enrollment']['id']}/end", {"ended_on": "2026-06-30", "reason": "completed"},
             expect=200)
    other = World(api, name="Elsewhere")
    theirs = other.participant()
    ids = lambda caller, **params: {p["id"] for p in caller.get("/participants", params=params)}  # noqa: E731
    assert ids(api) == {kept["id"], theirs["id"]}
    assert ids(api, program_id=world.program["id"]) == {kept["id"]}
    assert ids(api, participant_id=[kept["id"], ended["id"]]) == {kept["id"]}
    admin_of_other = api.as_user("admin-elsewhere", Role.PROGRAM_ADMIN, programs=[other.program["id"]])
    assert ids(admin_of_other) == {theirs["id"]}
    assert ids(admin_of_other, program_id=world.program["id"]) == set()
    assert ids(api.as_org("org-elsewhere")) == set()


def test_a_peer_lists_only_their_own_caseload(world, api):
    peer = world.peer()
    mine, not_mine = world.participant(), world.participant()
    api.put(f"/enrollments/{mine['enrollment']['id']}/peer", {"peer_id": peer["id"]})
    as_peer = api.as_user(peer["id"], Role.PEER)
    assert [p["id"] for p in as_peer.get("/participants")] == [mine["id"]]
    assert as_peer.get("/participants", params={"participant_id": not_mine["id"]}) == []


def test_bad_participant_searches_name_the_field(api):
    cases = [({"name": "x" * 101}, "query.name"), ({"name": "a\x00b"}, "query.name"),
             ({"program_id": "../x"}, "query.program_id.0"), ({"limit": 0}, "query.limit")]
    for params, field in cases:
        problem = api.get("/participants", params=params, expect=422)
        assert problem["errors"][0]["field"] == field, (params, problem)
