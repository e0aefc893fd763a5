"""The coordinator's on-call roster editor and peer list in a real browser, and the coordinator's,
supervisor's, peer's and funder's pages walked in Spanish (the clinician's are in
test_on_call_loop). Publishing is refused with the reason beside its
cause: a clinician without a verified contact method at the rotation naming them, every stretch
with nobody on call in the program's local time; the form keeps what was typed. A published
override is the instant the coordinator meant in local time; the editor works with the keyboard
only. The peer list names credential, training and billing standing; a training is recorded with the
keyboard only."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from babel.dates import format_datetime
from playwright.sync_api import expect

from .conftest import ZONE, axe_check, console_text, english_fragments, new_context, sign_in, tab_to


def _first_weekend_gap(first_day, last_day) -> str:  # noqa: ANN001
    """The first Saturday-and-Sunday stretch of the period, as the editor words it."""
    day = first_day
    while day.weekday() < 5:
        day += timedelta(days=1)
    until = min(day + timedelta(days=7 - day.weekday()), last_day + timedelta(days=1))

    def local(on) -> str:  # noqa: ANN001
        return format_datetime(datetime.combine(on, time(), tzinfo=ZONE), "EEE d MMM y HH:mm", tzinfo=ZONE,
                               locale="en")

    return f"{local(day)} – {local(until)}"


@pytest.mark.timeout(600)
def test_the_coordinator_edits_the_roster_with_refusals_named_inline(platform, world, browser, screenshots):
    admin, program, clinicians = world["admin"], world["program"], world["clinicians"]
    unverified = admin("POST", "/clinicians", 201, json={
        "display_name": "Dr Unverified", "license_type": "LCSW", "license_number": "NC-unverified",
        "jurisdiction": "NC"})["id"]
    published = admin("GET", f"/programs/{program}/rosters")
    context = new_context(browser)
    page = context.new_page()
    page.goto(f"{platform.console}/programs/{program}")
    sign_in(page, "admin")
    page.click("text=On-call roster")
    page.wait_for_url(re.compile(r".*/roster$"))
    assert page.inner_text("#roster-current").startswith(f"Version {published[0]['version']} is published")
    assert page.input_value("#layer-0-members") == clinicians["primary"]  # the published roster, to edit
    axe_check(page, "roster editor")

    # a clinician who cannot be paged is named at the rotation that lists them; the form is kept
    page.fill("#layer-0-members", f"{clinicians['primary']}\n{unverified}")
    page.click("text=Publish roster")
    named = page.locator("#problem-layer-0-members")
    assert unverified in named.inner_text() and clinicians["primary"] not in named.inner_text()
    assert page.get_attribute("#layer-0-members", "aria-invalid") == "true"
    assert page.input_value("#layer-0-members") == f"{clinicians['primary']}\n{unverified}"

    # weekdays only: each weekend is a gap, named in the program's local time
    page.fill("#layer-0-members", clinicians["primary"])
    for day in (5, 6):
        page.uncheck(f"input[name=layer-0-weekday-{day}]")
    page.click("text=Publish roster")
    period = published[0]["definition"]
    first_gap = _first_weekend_gap(datetime.fromisoformat(period["effective_from"]).date(),
                                   datetime.fromisoformat(period["effective_until"]).date())
    assert page.locator("#roster-gaps li").first.inner_text() == first_gap
    assert "(America/New_York)" in page.inner_text("#roster-problem")
    assert not page.is_checked("input[name=layer-0-weekday-5]"), "the form is as it was sent"
    axe_check(page, "roster editor with gaps")
    page.screenshot(path=screenshots / "coordinator-roster-gaps.png", full_page=True)

    # every day again, with the backup covering tomorrow 09:00-17:00 local
    for day in (5, 6):
        page.check(f"input[name=layer-0-weekday-{day}]")
    tomorrow = datetime.now(ZONE).date() + timedelta(days=1)
    page.fill("#override-0-clinician_id", clinicians["backup"])
    page.fill("#override-0-starts", f"{tomorrow}T09:00")
    page.fill("#override-0-ends", f"{tomorrow}T17:00")
    page.click("text=Publish roster")
    version = published[0]["version"] + 1
    page.wait_for_selector(f".flash:has-text('Roster version {version} published')")
    [override] = admin("GET", f"/programs/{program}/rosters", params={"limit": 1})[0]["definition"]["overrides"]
    noon = datetime.combine(tomorrow, time(12), tzinfo=ZONE)
    assert datetime.fromisoformat(override["starts_at"]) == noon - timedelta(hours=3)
    assert admin("GET", f"/programs/{program}/on-call", params={"at": noon.isoformat()})["clinician_id"] == \
        clinicians["backup"]
    expect(page.locator("#roster-history tbody tr")).to_have_count(version)
    assert page.input_value("#override-0-clinician_id") == clinicians["backup"], "the new version is the one edited"
    page.screenshot(path=screenshots / "coordinator-roster.png", full_page=True)

    # keyboard only: Sundays dropped is refused with its gaps; Sundays back and the override
    # cleared publishes the next version, the primary on call again tomorrow at noon
    def publish_by_keyboard() -> None:
        tab_to(page, "form.roster button[type=submit]", limit=200)
        page.keyboard.press("Enter")

    tab_to(page, "input[name=layer-0-weekday-6]", limit=200)
    page.keyboard.press("Space")
    publish_by_keyboard()
    page.wait_for_selector("#roster-gaps li")
    tab_to(page, "input[name=layer-0-weekday-6]", limit=200)
    page.keyboard.press("Space")
    tab_to(page, "#override-0-clinician_id")
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    publish_by_keyboard()
    page.wait_for_selector(f".flash:has-text('Roster version {version + 1} published')")
    assert admin("GET", f"/programs/{program}/on-call", params={"at": noon.isoformat()})["clinician_id"] == \
        clinicians["primary"]
    page.fill("#by", "nobody like this")  # the versions searched by who published them
    page.press("#by", "Enter")
    assert page.inner_text("section[aria-labelledby=history-h] p.empty") == \
        "No version published by that name."
    context.close()


@pytest.mark.timeout(600)
def test_the_coordinator_sees_each_peers_standing_and_records_a_training_by_keyboard(
        platform, world, browser, screenshots):
    context = new_context(browser)
    page = context.new_page()
    page.goto(f"{platform.console}/programs/{world['program']}/peers?q=pat")
    sign_in(page, "admin")
    row = page.locator("#peers tr[data-peer]")
    expect(row).to_have_count(1)
    assert row.locator("th").inner_text() == "Pat Peer"
    cells = row.locator("td").all_inner_texts()
    assert cells[2] == "0" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", cells[1]), cells  # no training yet
    assert cells[4] == "yes" or cells[4].startswith("no: "), "billable, or why not"
    page.goto(f"{platform.console}/programs/{world['program']}/peers?q=nobody-like-this")
    assert page.inner_text("p.empty") == "No peer found."
    axe_check(page, "peers")

    page.goto(f"{platform.console}/programs/{world['program']}/peers")
    page.click("#peers >> text=Pat Peer")
    assert page.inner_text("p.empty") == "No training recorded."
    tab_to(page, "#course")  # keyboard only
    page.keyboard.type("Trauma-informed care")
    page.keyboard.press("Tab")
    page.keyboard.type("7,5")  # a decimal comma is taken
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash:has-text('Training recorded.')")
    assert page.locator("#trainings tbody tr th").all_inner_texts() == ["Trauma-informed care"]
    assert page.inner_text("#training-hours") == "7.5"
    page.fill("#q", "TRAUMA")  # the record searched by course
    page.press("#q", "Enter")
    page.wait_for_url("**q=TRAUMA**")
    assert page.locator("#trainings tbody tr th").all_inner_texts() == ["Trauma-informed care"]
    page.fill("#q", "no such course")
    page.press("#q", "Enter")
    assert page.inner_text("#training-h ~ p.empty") == "No training of that name."

    # refused hours are named and the course typed is kept
    page.fill("#course", "WRAP facilitator")
    page.fill("#hours", "lots")
    page.click("text=Record training")
    assert "hours" in page.inner_text("#training-problem")
    assert page.input_value("#course") == "WRAP facilitator"
    axe_check(page, "peer profile")
    page.screenshot(path=screenshots / "coordinator-peer.png", full_page=True)
    context.close()


def _walk_in_spanish(page, platform, username: str, paths: dict[str, str], screenshots,  # noqa: ANN001
                     also_in_english: tuple[str, ...] = ()) -> None:
    """Each page in Spanish: no English message of the console left, axe-core clean, a screenshot;
    the pages no other test draws in English are drawn in English first."""
    page.goto(platform.console + next(iter(paths.values())))
    sign_in(page, username)
    for name in also_in_english:
        page.goto(platform.console + paths[name])
        page.screenshot(path=screenshots / f"{name}.png", full_page=True)
    page.select_option("#language-choice", "es")
    page.click("#language-choice ~ button")
    page.wait_for_selector("html[lang=es]")
    english = english_fragments()
    for name, path in paths.items():
        page.goto(platform.console + path)
        assert page.get_attribute("html", "lang") == "es", name
        left = sorted(fragment for fragment in english if fragment in console_text(page))
        assert left == [], f"{name} in Spanish still says: {left}"
        axe_check(page, f"{name} (es)")
        page.screenshot(path=screenshots / f"{name}-es.png", full_page=True)
    page.select_option("#language-choice", "en")
    page.click("#language-choice ~ button")
    page.wait_for_selector("html[lang=en]")


@pytest.mark.timeout(900)
def test_every_roles_pages_in_spanish_are_complete(platform, world, browser, screenshots):
    admin, program, participant = world["admin"], world["program"], world["participant"]
    peer = admin("GET", "/peers", params={"program_id": program})[0]
    enrollment = admin("GET", "/enrollments", params={"participant_id": participant})[0]
    walks = {
        "admin": {"coordinator-programs": "/programs", "coordinator-dashboard": f"/programs/{program}",
                  "coordinator-enroll": f"/programs/{program}/enroll",
                  "coordinator-match": f"/enrollments/{enrollment['id']}/match",
                  "coordinator-calendar": f"/programs/{program}/calendar?week=2027-03-09",
                  "coordinator-roster": f"/programs/{program}/roster",
                  "coordinator-peers": f"/programs/{program}/peers",
                  "coordinator-peer": f"/peers/{peer['id']}"},
        "supervisor": {"supervisor-cosign": "/cosign", "supervisor-team": "/team",
                       "supervisor-log": "/team/supervision"},
        "peer": {"peer-today": "/today", "peer-roster": f"/sessions/{world['visit']}",
                 "peer-participants": "/participants", "peer-participant": f"/participants/{participant}",
                 "peer-phq9": f"/participants/{participant}/questionnaires/phq9"},
        "funder": {"outcomes": "/outcomes"},
    }
    english = {"admin": ("coordinator-programs", "coordinator-enroll", "coordinator-peers"),
               "peer": ("peer-participants", "peer-participant")}
    for username, paths in walks.items():
        context = new_context(browser)
        _walk_in_spanish(context.new_page(), platform, username, paths, screenshots, english.get(username, ()))
        context.close()
