"""The on-call clinician's loop in a real browser: sign in through Keycloak's login form, a PHQ-9
with item 9 = 2 posted through the API appears in the open inbox without a reload (and is
announced), the page e-mail's link opens that case after sign-in (and reading it acknowledges
nothing), keyboard-only acknowledge, contact details behind a purpose of use, a conflict shown
when the case changed meanwhile, resolve, each step on the timeline; a peer and another
organization's clinician see none of it; axe-core finds no serious or critical violation on any
page; screenshots of each screen go to docs/console/screenshots."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from email import message_from_string
from email.policy import default as email_policy

import httpx
import pytest
import redis
from playwright.sync_api import expect

from peerbridge_simulator.tokens import DevTokens, User

from .conftest import (
    ZONE,
    Api,
    axe_check,
    console_text,
    english_fragments,
    new_context,
    sign_in,
    tab_to,
    wait_until,
)

PHONE = {"width": 390, "height": 844}


def _open_inbox_signed_in(browser, platform, username: str, **context_options):  # noqa: ANN001, ANN202
    context = new_context(browser, **context_options)
    page = context.new_page()
    page.goto(f"{platform.console}/inbox")
    sign_in(page, username)
    page.wait_for_url(re.compile(r".*/inbox"))
    return context, page


@pytest.mark.timeout(900)
def test_the_clinician_works_a_case_end_to_end_in_the_browser(platform, world, smtp, browser, screenshots):
    inbox_mail = smtp[0]
    admin, participant, primary = world["admin"], world["participant"], world["clinicians"]["primary"]
    context, page = _open_inbox_signed_in(browser, platform, "clinician")
    assert page.locator("h1").inner_text() == "Inbox"
    cookies = {cookie["name"]: cookie for cookie in context.cookies()}
    session_cookie = cookies.pop("pb_console")  # the browser holds this id and nothing else of the console's
    assert session_cookie["httpOnly"] and session_cookie["sameSite"] == "Lax"
    assert not [c for c in cookies.values() if c["domain"] == "127.0.0.1" and c["name"].startswith("pb_")]
    assert "pb_console" not in page.evaluate("document.cookie")
    # the tokens are in Redis, and a page request about to outlive the access token refreshes it
    stored = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    key = f"{platform.specs['console'].env['CONSOLE_REDIS_PREFIX']}session:{session_cookie['value']}"
    before = json.loads(stored.get(key))["access_token"]
    page.wait_for_timeout(1100)  # a new token differs at least by its iat
    page.reload()
    assert json.loads(stored.get(key))["access_token"] != before, "the access token was not refreshed"
    page.wait_for_selector("#live-state:has-text('on')")
    axe_check(page, "inbox (empty)")
    page.screenshot(path=screenshots / "inbox-empty.png", full_page=True)
    page.evaluate("window.__noReload = true")

    # a PHQ-9 with item 9 = 2, through the API: the case appears in the open inbox, announced
    answers = {str(i): 2 for i in range(1, 10)}
    response = admin("POST", f"/participants/{participant}/questionnaire-responses", 201, json={
        "program_id": world["program"], "instrument": "phq9", "answers": answers,
        "completed_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()})
    assert response["safety_signal"]
    row = page.wait_for_selector("li.case", timeout=180_000)  # the whole pipeline, on a shared 2-core machine
    assert page.evaluate("window.__noReload === true"), "the inbox was reloaded"
    case = next(c for c in admin("GET", "/cases") if c["participant_id"] == participant)
    assert row.get_attribute("data-case-id") == case["id"]
    assert "High risk" in row.inner_text() and case["case_number"] in row.inner_text()
    wait_until(lambda: page.inner_text("#announcer"), lambda text: f"case {case['case_number']}" in text, 10,
               "the aria-live announcement")
    assert re.search(r"\d+:\d\d left|\d+ h \d\d min left", row.inner_text()), row.inner_text()
    page.wait_for_selector(f"li.case:has-text('{primary}')")  # who is paged, live too
    axe_check(page, "inbox")
    page.screenshot(path=screenshots / "inbox.png", full_page=True)

    # the page e-mail: its link opens the case after sign-in; opening it acknowledges nothing
    pages = lambda: [m for m in inbox_mail.to(f"primary-{world['org']}@clinicians.example.org")  # noqa: E731
                     if "verification code" not in m]
    mail = wait_until(pages, bool, 60, "the page e-mail")[0]
    body = message_from_string(mail, policy=email_policy).get_body().get_content()
    link = re.search(r"http://127\.0\.0\.1:\d+/cases/[A-Za-z0-9-]+", body).group(0)
    assert link == f"{platform.console}/cases/{case['id']}"
    mail_context = new_context(browser)
    mail_page = mail_context.new_page()
    mail_page.goto(link)
    sign_in(mail_page, "clinician")
    mail_page.wait_for_url(link)
    assert case["case_number"] in mail_page.locator("h1").inner_text()
    mail_page.goto(f"{platform.console}/inbox?q={case['case_number'][-4:]}")  # found by its number
    assert mail_page.locator("li.case").all_inner_texts() and all(
        case["case_number"][-4:] in text for text in mail_page.locator("li.case .number").all_inner_texts())
    mail_page.fill("#q", "ESC-1999")
    mail_page.press("#q", "Enter")
    assert mail_page.inner_text("p.empty") == "No open case has ESC-1999 in its number."
    mail_context.close()
    assert admin("GET", f"/cases/{case['id']}")["status"] == "open", "a GET acknowledged the case"

    # keyboard only: from the inbox to the case, then Acknowledge
    page.focus("body")
    tab_to(page, f"a.case-link[href='/cases/{case['id']}']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/cases/{case['id']}")
    axe_check(page, "case (open)")
    page.screenshot(path=screenshots / "case-open.png", full_page=True)
    tab_to(page, "#acknowledge")
    page.keyboard.press("Enter")
    page.wait_for_selector("[role=status]:has-text('Acknowledged.')")
    assert page.inner_text("#case-status") == "acknowledged"
    assert admin("GET", f"/cases/{case['id']}")["acknowledged_by"] == primary

    # contact details: a purpose of use first (once per session), then the PHI read
    page.check("input[name=purpose][value=ETREAT]")
    page.click("#contact form button")
    page.wait_for_selector("#contact dd:has-text('Zebulon Quixote')")
    assert "ETREAT" in page.inner_text("#contact")
    axe_check(page, "case (acknowledged, contact details)")
    page.screenshot(path=screenshots / "case-acknowledged.png", full_page=True)

    # a second tab still shows the acknowledged case; the first resolves it; the second's resolve is a conflict
    stale = context.new_page()
    stale.goto(f"{platform.console}/cases/{case['id']}")
    page.select_option("#disposition", "safety-plan-reviewed")
    page.fill("#resolve-note", "Called, reviewed the safety plan together; sister staying tonight.")
    page.click("#resolve")
    page.wait_for_selector("[role=status]:has-text('Resolved.')")
    stale.select_option("#disposition", "referred-crisis")
    stale.fill("#resolve-note", "second try")
    stale.click("#resolve")
    conflict = stale.wait_for_selector("[role=alert]")
    assert "Conflict" in conflict.inner_text() and "resolved" in conflict.inner_text()
    stale.screenshot(path=screenshots / "case-conflict.png", full_page=True)
    resolved = admin("GET", f"/cases/{case['id']}")
    assert (resolved["status"], resolved["disposition_code"]) == ("resolved", "safety-plan-reviewed")

    signals = page.inner_text("#signals")
    assert "PHQ-9 item 9" in signals and ": 2, more than half the days" in signals, signals
    timeline = page.inner_text("#timeline")
    for step in ("Opened", "Signal", "Paged", "Acknowledged", "Resolved"):
        assert step in timeline, f"{step} missing from the timeline:\n{timeline}"
    assert f"{primary} by e-mail" in timeline and "safety-plan-reviewed" in timeline
    axe_check(page, "case (resolved)")
    page.screenshot(path=screenshots / "case-resolved.png", full_page=True)

    # the inbox no longer lists it; On call now names the primary
    page.goto(f"{platform.console}/inbox")
    expect(page.locator(f"li.case[data-case-id='{case['id']}']")).to_have_count(0)
    page.goto(f"{platform.console}/oncall")
    assert primary in page.inner_text("main") and "America/New_York" in page.inner_text("main")
    axe_check(page, "on call now")
    page.screenshot(path=screenshots / "on-call.png", full_page=True)

    # phone-sized screens
    phone = context.new_page()
    phone.set_viewport_size(PHONE)
    phone.goto(f"{platform.console}/cases/{case['id']}")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "scrolls sideways"
    axe_check(phone, "case on a phone")
    phone.screenshot(path=screenshots / "case-phone.png", full_page=True)

    # sign out (RP-initiated logout at Keycloak): the console asks for sign-in again
    page.click("text=Sign out")
    page.wait_for_url(re.compile(r".*/signed-out"))
    axe_check(page, "signed out")
    page.goto(f"{platform.console}/inbox")
    page.wait_for_selector("#username")
    context.close()


@pytest.mark.timeout(600)
@pytest.mark.parametrize("username", ["peer", "other-clinician"])
def test_a_peer_and_another_organizations_clinician_see_none_of_it(platform, world, browser, username):
    admin = world["admin"]
    case = wait_until(lambda: [c for c in admin("GET", "/cases")
                               if c["participant_id"] == world["participant"]], bool, 180, "the case")[0]
    case_id = case["id"]
    context, page = _open_inbox_signed_in(browser, platform, username)
    expect(page.locator("li.case")).to_have_count(0)
    assert world["participant"] not in page.content() and case_id not in page.content()
    axe_check(page, f"inbox of {username}")
    page.goto(f"{platform.console}/cases/{case_id}")
    refused = page.content()
    assert "Zebulon" not in refused and case["case_number"] not in refused
    assert page.locator("h1").inner_text() in ("Case not found", "Not part of your work"), \
        page.locator("h1").inner_text()
    axe_check(page, f"case page refused to {username}")
    context.close()


@pytest.mark.timeout(600)
def test_the_console_in_spanish_is_complete_and_remembered_for_the_user(platform, world, browser, screenshots):
    admin = world["admin"]
    case = wait_until(lambda: [c for c in admin("GET", "/cases", params={"status": "resolved"})
                               if c["participant_id"] == world["participant"]], bool, 180, "the resolved case")[0]
    context, page = _open_inbox_signed_in(browser, platform, "clinician")
    tab_to(page, "#language-choice")  # keyboard only: the switch is in the header of every page
    page.select_option("#language-choice", "es")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("html[lang=es]")
    assert page.locator("h1").inner_text() == "Bandeja de entrada"
    english = english_fragments()
    for path, name in (("/inbox", "inbox"), (f"/cases/{case['id']}", "case"), ("/oncall", "on-call")):
        page.goto(platform.console + path)
        assert page.get_attribute("html", "lang") == "es"
        text = console_text(page)
        left = sorted(fragment for fragment in english if fragment in text)
        assert left == [], f"{name} in Spanish still says: {left}"
        axe_check(page, f"{name} (es)")
        page.screenshot(path=screenshots / f"{name}-es.png", full_page=True)
        if name == "case":  # the program's own words for the outcome are quoted as the program wrote them
            assert page.locator("#timeline-h").inner_text() == "Cronología"
            assert page.locator("p.resolved").inner_text().startswith("Resuelto por")
            policy = admin("GET", f"/programs/{world['program']}/escalation-policy")
            assert page.locator("#timeline q[translate=no]").last.inner_text() == \
                policy["dispositions"][case["disposition_code"]]
    # remembered for the user: a new sign-in in a fresh browser opens in Spanish
    page.goto(f"{platform.console}/inbox")
    page.click("text=Cerrar sesión")
    page.wait_for_url(re.compile(r".*/signed-out"))
    context.close()
    context, page = _open_inbox_signed_in(browser, platform, "clinician")
    assert page.get_attribute("html", "lang") == "es" and page.locator("h1").inner_text() == "Bandeja de entrada"
    page.select_option("#language-choice", "en")
    page.click("#language-choice ~ button")
    page.wait_for_selector("html[lang=en]")
    context.close()


def _bars(page) -> dict[str, dict]:  # noqa: ANN001
    """Every bar of the report's charts (the trend's left out): figure -> its data and its words."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
        'svg.chart:not(#chart-trend) g.bar')].map(g => [g.dataset.figure, {value: g.dataset.value,
        rule: g.dataset.rule, text: g.textContent.trim(), bar: !!g.querySelector('rect:not(.hole)')}]))""")


@pytest.mark.timeout(600)
def test_the_funder_sees_charts_equal_to_the_published_report_and_no_participant_page(
        platform, world, browser, screenshots):
    admin, program = world["admin"], world["program"]
    funder = Api(platform.gateway, DevTokens(world["org"], platform.dev_key).headers(
        User(f"funder-{world['org']}", ("funder",))))
    case = wait_until(lambda: [c for c in admin("GET", "/cases", params={"status": "resolved"})
                               if c["participant_id"] == world["participant"]], bool, 180, "the resolved case")[0]
    period = case["opened_at"][:7]
    report = wait_until(lambda: funder("GET", f"/feeds/{program}/{period}") if any(
        f["period"] == period for f in funder("GET", "/feeds", params={"program_id": program})) else {},
        lambda r: "cases" in r.get("suppression", {}), 120, "the case month's published report")

    context = new_context(browser)
    page = context.new_page()
    page.goto(f"{platform.console}/")
    sign_in(page, "funder")
    page.wait_for_url(re.compile(r".*/outcomes$"))  # a funder starts at the outcomes, not at an inbox
    assert page.locator("nav[aria-label=Main] a").all_inner_texts() == ["Outcomes"]
    axe_check(page, "outcomes")
    page.screenshot(path=screenshots / "outcomes.png", full_page=True)
    page.click("text=Console peer program")
    page.click(f"nav[aria-label=Periods] >> text={period}")
    page.wait_for_selector(f"nav[aria-label=Periods] a[aria-current=page]:has-text('{period}')")

    # the page's version of the report (a correction may have been published since the wait above)
    version = page.locator("p.meta[data-version]").get_attribute("data-version")
    report = funder("GET", f"/feeds/{program}/{period}", params={"version": version})
    shown = _bars(page)
    assert {"participants_active", "cases", "screens", "follow_up_rate_7d"} <= set(shown)
    for name, bar in shown.items():  # each bar is the published figure, a hidden one says why
        value = report["measures"].get(name)
        assert bar["value"] == ("" if value is None else str(value)), name
        assert bar["rule"] == report["suppression"].get(name, ""), name
        if bar["rule"]:
            assert not bar["bar"] and "suppressed:" in bar["text"], (name, bar)
    assert shown["cases"]["text"].endswith("suppressed: a count from 1 to 10")
    cases_row = page.locator("tr[data-figure=cases] td").first.inner_text()
    assert cases_row == "suppressed: a count from 1 to 10"
    assert world["participant"] not in page.content() and "Zebulon" not in page.content()
    axe_check(page, "a program's outcomes")
    page.screenshot(path=screenshots / "outcome.png", full_page=True)

    # the downloads are the gateway's own report, byte for byte
    csv = context.request.get(f"{platform.console}/outcomes/{program}/{period}/report.csv")
    assert csv.status == 200 and "attachment" in csv.headers["content-disposition"]
    direct = httpx.get(f"{platform.gateway}/v1/feeds/{program}/{period}", timeout=30,
                       headers={**funder.headers, "Accept": "text/csv"})
    assert direct.status_code == 200 and csv.text() == direct.text and f"{program},{period},cases,," in csv.text()
    fhir = context.request.get(f"{platform.console}/outcomes/{program}/{period}/measure-report.json")
    assert json.loads(fhir.text())["resourceType"] == "MeasureReport"

    # participant-level pages are not a funder's, whatever the link
    for path in ("/inbox", f"/cases/{case['id']}", "/oncall"):
        page.goto(platform.console + path)
        assert page.locator("h1").inner_text() == "Not part of your work", path
        assert "Zebulon" not in page.content() and case["case_number"] not in page.content()

    # and in Spanish, every word the console adds is translated
    page.goto(f"{platform.console}/outcomes/{program}?period={period}")
    page.select_option("#language-choice", "es")
    page.click("#language-choice ~ button")
    page.wait_for_selector("html[lang=es]")
    left = sorted(fragment for fragment in english_fragments() if fragment in console_text(page))
    assert left == [], f"the outcomes in Spanish still say: {left}"
    assert _bars(page)["cases"]["text"].endswith("suprimida: un recuento de 1 a 10")
    axe_check(page, "a program's outcomes (es)")
    page.screenshot(path=screenshots / "outcome-es.png", full_page=True)
    page.select_option("#language-choice", "en")
    page.click("#language-choice ~ button")
    context.close()


@pytest.mark.timeout(600)
def test_the_peer_records_attendance_and_a_phq9_that_alerts_a_clinician_on_a_phone(
        platform, world, browser, screenshots):
    admin, participant = world["admin"], world["participant"]
    context = new_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{platform.console}/")
    sign_in(page, "peer")
    page.wait_for_url(re.compile(r".*/today$"))  # a peer starts at today's sessions
    assert page.locator("nav[aria-label=Main] a").all_inner_texts() == ["Today", "My participants"]
    visit = page.locator(f"a[href='/sessions/{world['visit']}']")
    assert "(America/New_York)" in visit.inner_text()  # the program's zone, always named
    axe_check(page, "today (phone)")
    page.screenshot(path=screenshots / "peer-today.png", full_page=True)

    # the roster: one tap per attendee, then one button
    visit.click()
    page.wait_for_selector("form.roster")
    assert page.locator("fieldset.attendee legend").inner_text() == "Zebulon Quixote"
    page.locator("label.tap", has_text="late").tap()
    page.fill(f"#minutes-{participant}", "45")
    axe_check(page, "roster (phone)")
    page.screenshot(path=screenshots / "peer-roster.png", full_page=True)
    page.click("text=Record attendance")
    page.wait_for_selector(".flash:has-text('Attendance recorded.')")
    recorded = admin("GET", f"/sessions/{world['visit']}/attendance")["records"]
    assert recorded == [{"participant_id": participant, "status": "late", "minutes_present": 45}]
    expect(page.locator("form.roster")).to_have_count(0)  # recorded once

    # the C-SSRS screener's skip logic: the follow-up items appear only after a yes to item 2
    page.click("text=My participants")
    page.click("text=Zebulon Quixote")
    page.click("text=Columbia Suicide Severity Rating Scale, screener")
    page.wait_for_selector("fieldset#item-3", state="hidden")  # once the page's script has run
    page.locator("fieldset#item-2 label.tap", has_text="Yes").tap()
    assert page.locator("fieldset#item-3").is_visible() and page.locator("fieldset#item-6a").is_hidden()
    page.locator("fieldset#item-2 label.tap", has_text="No").tap()
    assert page.locator("fieldset#item-3").is_hidden()

    # a PHQ-9 with item 9 answered 1: the peer is told at once, and sees the safety plan
    before = {c["id"] for c in admin("GET", "/cases") if c["participant_id"] == participant}
    page.go_back()
    page.click("text=Patient Health Questionnaire-9")
    for item in range(1, 10):
        page.locator(f"fieldset#item-{item} label.tap").nth(1 if item == 9 else 0).tap()
    axe_check(page, "PHQ-9 (phone)")
    page.screenshot(path=screenshots / "peer-phq9.png", full_page=True)
    page.click("text=Save answers")
    alert = page.locator("[role=alert] h1")
    assert alert.inner_text() == "A clinician is being alerted now"
    assert "Sister Ann" in page.locator("#plan-h + *, section[aria-labelledby=plan-h]").first.inner_text()
    axe_check(page, "the signal's answer (phone)")
    page.screenshot(path=screenshots / "peer-signal.png", full_page=True)
    opened = wait_until(lambda: [c for c in admin("GET", "/cases") if c["participant_id"] == participant
                                 and c["id"] not in before], bool, 120, "the case the PHQ-9 opened")
    assert opened[0]["status"] == "open"

    # the contact note: refused, it comes back as typed with the reason; corrected, it is signed at
    # once (the supervisor co-signs it next)
    page.click("text=Back to the participant")
    assert page.locator("label[for=started]").inner_text() == "Started (America/New_York)"
    typed = "Went through the safety plan together; Sister Ann is coming over."
    page.fill("#contact-note", typed)
    page.fill("#minutes", "30")
    page.fill("#face_to_face_minutes", "45")
    page.click("text=Save note")
    refused = page.locator("#note-problem").inner_text()
    assert refused.startswith("Not saved:") and "30 minutes" in refused, refused
    assert (page.input_value("#contact-note"), page.input_value("#face_to_face_minutes")) == (typed, "45")
    page.fill("#face_to_face_minutes", "30")
    page.click("text=Save note")
    page.wait_for_selector(".flash:has-text('Note signed.')")

    # a concern refused (a tampered category) comes back as typed too
    page.evaluate("document.querySelector('#category').add(new Option('made up', 'made_up', true, true))")
    page.check("input[name=peer_with_person]")
    page.fill("#note", "Said they have pills saved up at home.")
    page.click("text=Alert a clinician")
    assert page.locator("#concern-problem").inner_text().startswith("Not sent:")
    assert page.input_value("#note") == "Said they have pills saved up at home."
    assert page.is_checked("input[name=peer_with_person]")
    context.close()


@pytest.mark.timeout(600)
def test_the_supervisor_cosigns_the_note_and_records_supervision(platform, world, browser, screenshots):
    admin, participant = world["admin"], world["participant"]
    signed = wait_until(lambda: [n for n in admin("GET", "/contacts") if n["participant_id"] == participant
                                 and n["signed_at"]], bool, 60, "the peer's signed note")[0]
    context, page = _open_inbox_signed_in(browser, platform, "supervisor")  # clinical staff start at the inbox
    page.click("nav[aria-label=Main] >> text=Co-sign")
    page.fill("#q", "nobody like this")  # the queue searched by the peer who wrote the note
    page.press("#q", "Enter")
    assert page.inner_text("p.empty") == "No note of that peer is waiting."
    page.fill("#q", "PAT")
    page.press("#q", "Enter")
    note = page.locator("article.note")
    expect(note).to_have_count(1)
    assert "Sister Ann is coming over" in note.inner_text()
    assert "Zebulon Quixote" in note.locator("h2").inner_text() and "Pat Peer" in note.inner_text()
    axe_check(page, "notes to co-sign")
    page.screenshot(path=screenshots / "supervisor-cosign.png", full_page=True)
    note.locator("button").click()
    page.wait_for_selector(".flash:has-text('Co-signed.')")
    expect(page.locator("article.note")).to_have_count(0)
    assert admin("GET", f"/contacts/{signed['id']}")["cosigned_by"] == world["supervisor"]

    page.click("nav[aria-label=Main] >> text=My team")
    page.fill("#q", "nobody like this")
    page.press("#q", "Enter")
    assert page.inner_text("p.empty") == "No peer found."
    assert page.locator("#peer_id option").all_inner_texts() == ["Pat Peer"], "the log form still offers the team"
    page.fill("#q", "")
    page.press("#q", "Enter")
    row = page.locator("#team tbody tr")
    expect(row).to_have_count(1)
    assert row.locator("th").inner_text() == "Pat Peer"
    assert row.locator("td").nth(0).inner_text().startswith("1 of ")
    assert row.locator("td").nth(2).inner_text() == "never"
    assert row.locator("td").nth(3).inner_text().startswith("no: no supervision")
    page.click("text=Record supervision")
    page.wait_for_selector(".flash:has-text('Supervision recorded.')")
    assert page.locator("#team tbody tr td").nth(3).inner_text() == "yes"
    axe_check(page, "my team")
    page.screenshot(path=screenshots / "supervisor-team.png", full_page=True)
    page.click("text=Supervision log")
    logged = page.locator("#supervision-log tbody tr")
    expect(logged).to_have_count(1)
    assert logged.locator("td").all_inner_texts() == ["Pat Peer", "60", "0", "yes"]
    assert logged.locator("th").inner_text() == datetime.now().date().isoformat()  # the form's default: today
    axe_check(page, "supervision log")
    page.screenshot(path=screenshots / "supervisor-log.png", full_page=True)
    context.close()


@pytest.mark.timeout(600)
def test_the_coordinator_dashboard_shows_caseloads_the_week_and_who_has_not_been_reached(
        platform, world, browser, screenshots):
    admin, program = world["admin"], world["program"]
    quiet = admin("POST", "/participants", 201, json={"given_name": "Quinn", "family_name": "Quiet",
                                                      "birth_date": "1990-01-31"})["id"]
    admin("POST", f"/participants/{quiet}/consents", 201, json={
        "program_id": program, "kind": "program", "granted": True, "effective_at": datetime.now(UTC).isoformat()})
    admin("POST", "/enrollments", 201, json={"participant_id": quiet, "program_id": program, "site_id": world["site"],
                                             "enrolled_on": str(datetime.now(ZONE).date())})
    context = new_context(browser)
    page = context.new_page()
    page.goto(f"{platform.console}/")
    sign_in(page, "admin")
    page.wait_for_url(re.compile(r".*/programs$"))  # a coordinator starts at the programs
    page.click("text=Console peer program")
    assert page.locator("p.meta").first.inner_text() == "Times in America/New_York."
    assert (page.inner_text("#active"), page.inner_text("#waitlist")) == ("2", "1")
    row = page.locator("#caseloads tr[data-peer]")
    expect(row).to_have_count(1)
    assert row.locator("th").inner_text() == "Pat Peer"
    assert row.locator("td").first.inner_text().startswith("1 of ")
    monday = datetime.now(ZONE).date() - timedelta(days=datetime.now(ZONE).weekday())
    starts = [datetime.fromisoformat(s["starts_at"]).astimezone(ZONE).date() for s in admin(
        "GET", "/sessions", params={"program_id": program, "limit": 500})]
    assert page.inner_text("#week-count") == str(sum(monday <= d < monday + timedelta(days=7) for d in starts))
    # reached today by the peer's note; the new enrollment has had no contact at all
    assert page.locator("#quiet li").all_inner_texts() == ["Quinn Quiet"] and page.inner_text("#quiet-count") == "1"
    axe_check(page, "program dashboard")
    page.screenshot(path=screenshots / "coordinator-dashboard.png", full_page=True)

    # enroll: a malformed phone is named and nothing typed is lost; corrected, one participant is enrolled
    page.click("text=Enroll a participant")
    for field, value in (("#given_name", "Rosa"), ("#family_name", "Ramírez"), ("#birth_date", "1985-02-28"),
                         ("#phone", "call me maybe"), ("#preferred_language", "es")):
        page.fill(field, value)
    page.check("input[name=interpreter_needed]")
    axe_check(page, "enrollment form")
    page.click("text=Enroll and match a peer")
    assert "body.phone" in page.locator(".flash.problem").inner_text()
    assert page.input_value("#family_name") == "Ramírez" and page.is_checked("input[name=interpreter_needed]")
    page.fill("#phone", "+1 919 555 0101")
    page.click("text=Enroll and match a peer")
    page.wait_for_url(re.compile(r".*/enrollments/[^/]+/match$"))
    best = page.locator("#matches tbody tr").first
    assert best.locator("th").inner_text() == "Pat Peer" and best.locator("ul.reasons li").count() > 0
    axe_check(page, "peer match")
    page.screenshot(path=screenshots / "coordinator-match.png", full_page=True)
    page.fill("#q", "nobody like this")  # the ranking searched by name, each peer keeping its rank
    page.press("#q", "Enter")
    assert page.inner_text("p.empty") == "No peer found."
    page.fill("#q", "PAT")
    page.press("#q", "Enter")
    assert best.locator("th").inner_text() == "Pat Peer" and best.locator("td").first.inner_text() == "1"
    stale = context.new_page()  # another coordinator's tab, drawn before the assignment
    stale.goto(page.url)
    best.locator("button").click()
    page.wait_for_selector(".flash:has-text('Pat Peer assigned.')")
    stale.locator("#matches tbody tr").first.locator("button").click()
    assert stale.locator(".flash.problem").inner_text().startswith("Conflict: this enrollment changed")
    page.goto(f"{platform.console}/programs/{program}")
    assert (page.inner_text("#active"), page.inner_text("#waitlist")) == ("3", "1")  # Rosa once, with Pat
    assert page.locator("#caseloads tr[data-peer] td").first.inner_text().startswith("2 of ")
    context.close()


@pytest.mark.timeout(600)
def test_the_coordinator_books_a_weekly_series_across_the_dst_change_and_sees_local_times(
        platform, world, browser, screenshots):
    admin, program = world["admin"], world["program"]
    context = new_context(browser)
    page = context.new_page()
    page.goto(f"{platform.console}/programs/{program}/calendar?week=2027-03-09")
    sign_in(page, "admin")
    page.wait_for_selector("#week[data-week='2027-03-08']")
    assert page.inner_text("#zone") == "All times in America/New_York."

    def book(first: str, weeks: str) -> None:
        page.fill("#who", "quixote zeb")  # found by any words of the name, whatever their case
        page.press("#who", "Enter")
        page.wait_for_url("**who=quixote+zeb**")
        assert page.locator("#booking-participants label.choice").all_inner_texts() == ["Zebulon Quixote"]
        page.select_option("#kind", "group")
        page.select_option("#peer_id", label="Pat Peer")
        page.check("label.choice:has-text('Zebulon Quixote') input")
        page.fill("#first_local_start", first)
        page.fill("#count", weeks)
        page.click("form.booking button[type=submit]")

    book("2027-03-09T18:00", "2")  # Tuesdays 18:00: before and after clocks go forward on 14 March
    page.wait_for_selector(".flash:has-text('2 sessions booked.')")
    assert page.locator("li.day[data-date='2027-03-09'] .time").all_inner_texts() == ["18:00–19:00"]
    page.click("text=Next week")
    assert page.locator("li.day[data-date='2027-03-16'] .time").all_inner_texts() == ["18:00–19:00"]
    booked = admin("GET", "/sessions", params={"program_id": program, "starts_from": "2027-03-01T00:00:00Z",
                                                "starts_before": "2027-03-31T00:00:00Z"})
    assert sorted(s["starts_at"] for s in booked) == ["2027-03-09T23:00:00Z", "2027-03-16T22:00:00Z"]

    # a double booking is answered on the page, in local time, the form as it was
    book("2027-03-16T18:30", "1")
    problem = page.locator("#book-problem").inner_text()
    assert problem.startswith("Double booking:") and "18:00–19:00 (America/New_York)" in problem, problem
    assert page.input_value("#first_local_start") == "2027-03-16T18:30"
    assert page.is_checked("label.choice:has-text('Zebulon Quixote') input")  # the chosen participant kept
    axe_check(page, "calendar with a double booking")
    page.screenshot(path=screenshots / "coordinator-calendar.png", full_page=True)
    page.fill("#who", "no such name")
    page.press("#who", "Enter")
    assert page.locator("#booking-participants .empty").inner_text() == "No participant found."

    # rescheduled an hour later, keeping its length
    page.goto(f"{platform.console}/programs/{program}/calendar?week=2027-03-16")
    slot = page.locator("li.day[data-date='2027-03-16'] li.slot")
    slot.locator("summary").click()
    slot.locator("input[name=starts]").fill("2027-03-16T19:00")
    slot.locator("input[name=reason]").fill("room change")
    slot.locator("form button").click()
    page.wait_for_selector(".flash:has-text('Rescheduled.')")
    assert page.locator("li.day[data-date='2027-03-16'] .time").all_inner_texts() == ["19:00–20:00"]
    context.close()
