"""The roster editor's form: a published definition survives the form unchanged (local override
times across a DST change included), empty rows are not sent, a refusal lands at the input that
caused it even when rows before it were empty, and hostile row counts or hours stay harmless."""

from __future__ import annotations

from datetime import date
from gettext import NullTranslations
from zoneinfo import ZoneInfo

from peerbridge_console.api import Problem
from peerbridge_console.program_peers import hours_of
from peerbridge_console.roster_editor import MOST_ROWS, body_of, form_of, gaps_of, problems_of, rows

NEW_YORK = ZoneInfo("America/New_York")
_ = NullTranslations().gettext
PUBLISHED = {
    "time_zone": "America/New_York", "effective_from": "2027-03-01", "effective_until": "2027-03-28",
    "layers": [
        {"name": "days", "members": ["clin-ortiz", "clin-chen"], "starts_on": "2027-03-01", "handoff": "08:00:00",
         "shift_days": 7, "window": None, "weekdays": [0, 1, 2, 3, 4, 5, 6]},
        {"name": "nights", "members": ["clin-okafor"], "starts_on": "2027-03-01", "handoff": "20:00:00",
         "shift_days": 1, "window": {"start": "20:00:00", "end": "08:00:00"}, "weekdays": [4, 5]}],
    "overrides": [{"clinician_id": "clin-diaz", "starts_at": "2027-03-14T06:00:00Z",  # 01:00 EST
                   "ends_at": "2027-03-14T14:00:00Z"}],  # 10:00 EDT: the clocks went forward between
}


def _problem(**body: object) -> Problem:
    return Problem(422, "Unprocessable Content", str(body.get("detail", "refused")), body)


def test_a_published_roster_goes_through_the_form_unchanged():
    form = form_of(PUBLISHED, NEW_YORK, date(2027, 2, 1))
    assert form["override-0-starts"] == "2027-03-14T01:00" and form["override-0-ends"] == "2027-03-14T10:00"
    body, layer_rows, override_rows = body_of(form, "prog-1", NEW_YORK)
    assert (layer_rows, override_rows) == ([0, 1], [0]), "the spare rows are empty and not sent"
    assert body["layers"][0] == {"name": "days", "members": ["clin-ortiz", "clin-chen"], "starts_on": "2027-03-01",
                                 "handoff": "08:00", "shift_days": 7, "weekdays": [0, 1, 2, 3, 4, 5, 6]}
    assert body["layers"][1]["window"] == {"start": "20:00", "end": "08:00"} and body["layers"][1]["weekdays"] == [4, 5]
    assert body["overrides"] == [{"clinician_id": "clin-diaz", "starts_at": "2027-03-14T06:00:00+00:00",
                                  "ends_at": "2027-03-14T14:00:00+00:00"}]
    assert (body["program_id"], body["time_zone"]) == ("prog-1", "America/New_York")


def test_a_first_roster_starts_from_four_weeks_of_one_empty_rotation():
    form = form_of(None, NEW_YORK, date(2026, 12, 30))
    assert (form["effective_from"], form["effective_until"]) == ("2026-12-30", "2027-01-26")
    assert form["layer-0-handoff"] == "08:00" and all(form[f"layer-0-weekday-{d}"] for d in range(7))
    assert body_of(form, "prog-1", NEW_YORK)[0]["layers"] == []


def test_refusals_land_at_the_row_they_concern_even_after_an_empty_row():
    form = {**form_of(None, NEW_YORK, date(2027, 3, 1)), "layer_count": "2", "override_count": "2",
            "layer-1-members": "clin-ortiz, clin-ghost", "layer-1-name": "days", "layer-1-starts_on": "2027-03-01",
            "layer-1-handoff": "25:00", "layer-1-shift_days": "7", "override-1-clinician_id": "clin-ghost",
            "override-1-starts": "2027-03-02T08:00", "override-1-ends": "2027-03-02T07:00"}
    _body, layer_rows, override_rows = body_of(form, "prog-1", NEW_YORK)
    assert (layer_rows, override_rows) == ([1], [1])
    at = problems_of(_problem(errors=[
        {"field": "body.layers.0.handoff", "rule": "time_parsing", "message": "Input should be a valid time"},
        {"field": "body.overrides.0", "rule": "value_error", "message": "ends_at must be after starts_at"}]),
        form, layer_rows, override_rows, _)
    assert at == {"layer-1-handoff": "Input should be a valid time",
                  "override-1-ends": "ends_at must be after starts_at"}
    unreachable = problems_of(_problem(clinicians=["clin-ghost"], errors=[
        {"field": "body.layers", "rule": "verified_contact", "message": "no verified contact method for clin-ghost"}]),
        form, layer_rows, override_rows, _)
    assert set(unreachable) == {"layer-1-members", "override-1-clinician_id"}
    assert "clin-ghost" in unreachable["layer-1-members"] and "clin-ortiz" not in unreachable["layer-1-members"]


def test_gaps_are_named_in_the_programs_local_time():
    problem = _problem(gaps=[{"from": f"2027-03-{day:02d}T00:00:00-05:00", "until": f"2027-03-{day:02d}T08:00:00-05:00"}
                             for day in range(1, 8)], errors=[{"field": "body.layers", "rule": "full_coverage"}])
    shown, total = gaps_of(problem, NEW_YORK, "en")
    assert total == 7 and len(shown) == 5
    assert shown[0] == "Mon 1 Mar 2027 00:00 – Mon 1 Mar 2027 08:00"
    assert problems_of(problem, form_of(None, NEW_YORK, date(2027, 3, 1)), [], [], _) == {}, "the gaps say it"
    assert gaps_of(problem, NEW_YORK, "es")[0][0].startswith("lun")


def test_hostile_row_counts_and_hours_stay_harmless():
    assert len(rows({"layer_count": "999999"}, "layer")) == MOST_ROWS
    assert len(rows({"layer_count": "9" * 5000}, "layer")) == 0, "not a count at all"
    assert len(rows({"layer_count": "-3"}, "layer")) == 0
    assert len(rows({"layer_count": "\u0663"}, "layer")) == 0  # an Arabic-Indic three is not a count
    assert hours_of("7,5") == 7.5 and hours_of(" 40 ") == 40.0
    for typed in ("\u0667", "1e3", "NaN", "7.5.1", ""):
        assert hours_of(typed) == typed.strip(), "sent as typed: the service names the field"
