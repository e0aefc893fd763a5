"""Funder reports: no published cell of 1-10 and no derivable suppressed count on programs built to
tempt it; Part 2 and withdrawn-consent records kept out; nothing identifying in JSON, CSV or FHIR."""

import json
import random
import re
import uuid
from datetime import UTC, date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerbridge_metrics import formats
from peerbridge_metrics.billing.rules import load_policies
from peerbridge_metrics.reference import fold
from peerbridge_metrics.report import DERIVED_FROM_SUPPRESSED, build_report
from peerbridge_metrics.suppression import SMALLEST_SHOWN, determined
from peerbridge_shared.events import Envelope
from peerbridge_shared.events.care import (
    AttendanceRecorded,
    AttendanceStatus,
    EncounterClass,
    HospitalAdmitted,
    HospitalDischarged,
)
from peerbridge_shared.events.safety import RiskScreenCompleted, ScreenInstrument
from peerbridge_shared.events.scheduling import ConsentChanged, ConsentKind, ParticipantEnrolled, SessionKind
from peerbridge_shared.testing.fhir_validator import assert_valid

ORG, PROGRAM, PERIOD = "org-r", "prog-r", "2026-03"
TODAY = date(2026, 6, 1)


def at(day_, hour=10):
    return datetime(2026, 3, day_, hour, tzinfo=UTC)


def event(data, when):
    return Envelope(data=data, tenant=ORG, source="/test", subject=data.participant_id, id=str(uuid.uuid4()),
                    time=when)


def participant(rng, who, site, *, part2=False, consents=()):
    log = [event(ParticipantEnrolled(participant_id=who, enrollment_id=f"e-{who}", program_id=PROGRAM, site_id=site,
                                     enrolled_on=date(2026, 2, 1), part2_program=part2), at(1))]
    log += [event(ConsentChanged(participant_id=who, program_id=PROGRAM, consent=kind, granted=granted,
                                 effective_at=at(1, 11)), at(1, 11)) for kind, granted in consents]
    if rng.random() < 0.8:
        status = rng.choice([AttendanceStatus.ATTENDED, AttendanceStatus.NO_SHOW])
        log.append(event(AttendanceRecorded(participant_id=who, session_id=f"s-{rng.randint(1, 4)}", program_id=PROGRAM,
                                            site_id=site, peer_id="peer-x", session_kind=SessionKind.GROUP,
                                            status=status, minutes_present=60 if status == "attended" else 0,
                                            session_starts_at=at(rng.randint(2, 28))), at(28)))
    if rng.random() < 0.3:
        admitted, left = at(rng.randint(2, 10)), at(rng.randint(11, 20))
        facts = dict(participant_id=who, encounter_id=f"h-{who}", encounter_class=EncounterClass.INPATIENT,
                     psychiatric=True, admitted_at=admitted)
        log += [event(HospitalAdmitted(**facts), admitted),
                event(HospitalDischarged(**facts, discharged_at=left), left)]
    if rng.random() < 0.6:
        positive = rng.random() < 0.2
        log.append(event(RiskScreenCompleted(participant_id=who, screen_id=f"sc-{who}", program_id=PROGRAM,
                                             instrument=ScreenInstrument.PHQ9_ITEM9, phq9_item9=1 if positive else 0,
                                             completed_at=at(15), screened_by="peer-x", positive=positive,
                                             rule_version="r"), at(15)))
    return log


def tempting_program(seed, site_sizes):
    """Sites from empty to tiny to just-big-enough (a total of 11 with one tiny site is "total minus one")."""
    rng, log = random.Random(seed), []
    for site, size in enumerate(site_sizes):
        for n in range(size):
            log += participant(rng, f"p-{site}-{n}", f"site-{site}")
    return log


def report_of(log):
    return build_report(fold(log), PROGRAM, PERIOD, load_policies(), TODAY)


def assert_safe(report):
    counts = {name for name, rule in report.suppression.items() if rule != DERIVED_FROM_SUPPRESSED}
    for name, value in report.measures.items():
        if isinstance(value, int) and name not in report.suppression:
            assert not 0 < value < SMALLEST_SHOWN, f"{name}={value} published"
    assert not determined(report.groups, counts), "a suppressed count can be derived"
    for name, rule in report.suppression.items():
        assert report.measures[name] is None and rule


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=10_000),
       st.lists(st.sampled_from([0, 1, 2, 9, 10, 11, 12, 20, 35]), min_size=1, max_size=4))
def test_no_small_cell_and_no_derivable_cell_on_tempting_programs(seed, site_sizes):
    assert_safe(report_of(tempting_program(seed, site_sizes)))


def test_total_minus_one_site_does_not_reveal_the_tiny_site():
    report = report_of(tempting_program(3, [30, 1]))
    by_site = {name: value for name, value in report.measures.items() if name.startswith("participants_active_")}
    assert by_site.get("participants_active_site_site-1") is None
    assert report.suppression["participants_active_site_site-1"].startswith("primary")
    assert report.measures["participants_active"] is None or by_site["participants_active_site_site-0"] is None
    assert_safe(report)


def test_part2_records_are_kept_out_unless_consent_allows():
    rng = random.Random(1)
    base = [e for n in range(25) for e in participant(rng, f"p{n}", "site-a")]
    part2 = [e for n in range(12) for e in participant(rng, f"q{n}", "site-a", part2=True)]
    allowed = [e for n in range(12) for e in participant(rng, f"r{n}", "site-a", part2=True,
                                                          consents=[(ConsentKind.PART2_DISCLOSURE, True)])]
    withdrawn = [e for n in range(11) for e in participant(rng, f"w{n}", "site-a",
                                                            consents=[(ConsentKind.OUTCOME_FEED, False)])]
    facts = fold(base + part2 + allowed + withdrawn)
    report = build_report(facts, PROGRAM, PERIOD, load_policies(), TODAY)
    assert report.measures["excluded_part2_without_consent"] == 12
    assert report.measures["excluded_feed_consent_withdrawn"] == 11
    counted = {s.participant_id for s in facts.participants if s.participant_id[0] in "pr"}
    active = sum(1 for s in facts.participants if s.participant_id in counted
                 and any(a.status == "attended" for a in s.attendance.values()))
    assert report.measures["participants_active"] in (active, None)


def test_reports_carry_no_identifier_and_no_date_but_the_period():
    log = tempting_program(5, [25, 14])
    report = report_of(log)
    ids = {e.data.participant_id for e in log} | {"peer-x"} | {f"e-{e.data.participant_id}" for e in log}
    rendered = [json.dumps(formats.as_json(report)), formats.as_csv(report),
                json.dumps(formats.as_measure_report(report))]
    for text in rendered:
        assert not any(re.search(rf"\b{re.escape(i)}\b", text) for i in ids)
        dates = set(re.findall(r"\d{4}-\d{2}-\d{2}", text)) - {"2026-03-01", "2026-03-31"}
        assert dates <= {datetime.now(UTC).date().isoformat()}  # only the publication instant
    fhir = formats.as_measure_report(report)
    assert fhir["resourceType"] == "MeasureReport" and fhir["type"] == "summary"
    masked = [g for g in fhir["group"] if '"masked"' in json.dumps(g)]
    assert len(masked) == len(report.suppression)


def test_a_quarter_counts_distinct_participants_not_the_sum_of_months():
    log = tempting_program(8, [40])
    quarter = build_report(fold(log), PROGRAM, "2026-Q1", load_policies(), TODAY)
    march = report_of(log)
    assert quarter.period_start == date(2026, 1, 1) and quarter.period_end == date(2026, 3, 31)
    assert quarter.measures["participants_active"] == march.measures["participants_active"]  # only March has data


def test_measure_reports_and_their_measure_are_valid_r4(fhir_validator):
    """Suppressed and published cells alike, with the standard measure-population code and the
    Measure's canonical URL (HL7's R4 4.0.1 validator, 0 errors)."""
    report = report_of(tempting_program(5, [25, 14, 2]))
    assert report.suppression, "the report must exercise the masked cells too"
    fhir = formats.as_measure_report(report)
    assert_valid(fhir_validator, fhir)
    populations = [p["code"]["coding"][0] for g in fhir["group"] for p in g.get("population", [])]
    assert populations and {(c["system"], c["code"]) for c in populations} == {
        ("http://terminology.hl7.org/CodeSystem/measure-population", "initial-population")}
    definition = formats.measure()
    assert_valid(fhir_validator, definition)
    assert fhir["measure"] == definition["url"] and definition["url"].endswith("/Measure/" + definition["id"])
