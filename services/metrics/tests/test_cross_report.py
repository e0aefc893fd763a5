"""Funder reports that hold against a reader who has all of them: months, quarters and every version.

Programs are generated to tempt differencing across reports (a month of 1-10 enrollments beside big
months, a site of one participant, corrections that move a count by one), published round by round
as periods close (publication.py), then attacked by tests/attacker.py, an independent LP attacker
holding every published version: no suppressed count may be pinned, no primary one narrowed below
the protection width."""

from __future__ import annotations

import csv
import io
import json
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from peerbridge_metrics import formats
from peerbridge_metrics.billing.rules import load_policies
from peerbridge_metrics.disclosure import CellKinds, Sheet, suppress_jointly
from peerbridge_metrics.feed import reportable
from peerbridge_metrics.publication import is_publishable, next_versions, publishable_from
from peerbridge_metrics.reference import fold
from peerbridge_metrics.report import DERIVED_FROM_SUPPRESSED, KINDS, Report, measure_report
from peerbridge_metrics.suppression import SMALLEST_SHOWN, Group, suppress
from peerbridge_shared.events import Envelope
from peerbridge_shared.events.care import (
    AttendanceRecorded,
    AttendanceStatus,
    EncounterClass,
    HospitalAdmitted,
    HospitalDischarged,
)
from peerbridge_shared.events.safety import RiskScreenCompleted, ScreenInstrument
from peerbridge_shared.events.scheduling import ParticipantEnrolled, SessionKind

from .attacker import Held, attack

ORG, PROGRAM, WIDTH = "org-x", "prog-x", 3
RULES = ("primary", "complementary", "cross-report", "protection")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


class Program:
    """An event log built participant by participant, with the instant each event becomes known."""

    def __init__(self, seed: int, months: int) -> None:
        self.rng, self.months, self.log = random.Random(seed), months, []

    def add(self, data, known: datetime) -> None:  # noqa: ANN001
        self.log.append(Envelope(data=data, tenant=ORG, source="/test", subject=data.participant_id,
                                 id=str(uuid.uuid4()), time=known))

    def day_in(self, month: int) -> date:
        return date(2026, month, self.rng.randint(1, 28))

    def enroll(self, who: str, site: str, month: int) -> date:
        enrolled = self.day_in(month)
        self.add(ParticipantEnrolled(participant_id=who, enrollment_id=f"e-{who}", program_id=PROGRAM, site_id=site,
                                     enrolled_on=enrolled), at(enrolled))
        return enrolled

    def attend(self, who: str, site: str, month: int, status: AttendanceStatus, known: datetime | None = None,
               session: str | None = None) -> None:
        starts = at(self.day_in(month))
        self.add(AttendanceRecorded(participant_id=who, session_id=session or f"s-{who}-{month}", program_id=PROGRAM,
                                    site_id=site, peer_id="peer-x", session_kind=SessionKind.GROUP, status=status,
                                    minutes_present=60 if status == AttendanceStatus.ATTENDED else 0,
                                    session_starts_at=starts), known or starts)

    def screen(self, who: str, month: int, positive: bool, known: datetime | None = None) -> None:
        done = at(self.day_in(month), 15)
        self.add(RiskScreenCompleted(participant_id=who, screen_id=f"sc-{who}-{month}-{uuid.uuid4().hex[:4]}",
                                     program_id=PROGRAM, instrument=ScreenInstrument.PHQ9_ITEM9,
                                     phq9_item9=1 if positive else 0, completed_at=done, screened_by="peer-x",
                                     positive=positive, rule_version="r"), known or done)

    def stay(self, who: str, month: int) -> None:
        admitted = at(self.day_in(month))
        left = admitted + timedelta(days=self.rng.randint(1, 6))
        facts = dict(participant_id=who, encounter_id=f"h-{who}", encounter_class=EncounterClass.INPATIENT,
                     psychiatric=True, admitted_at=admitted)
        self.add(HospitalAdmitted(**facts), admitted)
        self.add(HospitalDischarged(**facts, discharged_at=left), left)


def tempting_program(seed: int, months: int = 3) -> Program:
    """Sites of one beside big sites; one month with a handful of enrollments beside big months."""
    program = Program(seed, months)
    rng = program.rng
    small_month = rng.randint(1, months)
    sizes = [1, rng.choice([2, 9, 11, 14]), rng.choice([25, 40, 60])]
    weights = [0.3 if m == small_month else 1.0 for m in range(1, months + 1)]
    people = []
    for site, size in enumerate(sizes):
        for n in range(size):
            who = f"p{site}-{n}"
            month = rng.choices(range(1, months + 1), weights)[0]
            if month == small_month and rng.random() < 0.7:
                month = rng.choice([m for m in range(1, months + 1) if m != small_month] or [month])
            program.enroll(who, f"site-{site}", month)
            people.append((who, f"site-{site}", month))
            for later in sorted(rng.sample(range(month, months + 1), k=min(2, months + 1 - month))):
                program.attend(who, f"site-{site}", later, rng.choice([AttendanceStatus.ATTENDED] * 3
                                                                      + [AttendanceStatus.NO_SHOW]))
            if rng.random() < 0.6:
                program.screen(who, rng.randint(month, months), rng.random() < 0.15)
            if rng.random() < 0.12:
                program.stay(who, rng.randint(month, months))
    program.people = people
    return program


def corrections(program: Program, known: datetime) -> None:
    """Late events that move counts by one: a no-show corrected to attended, a late screen, a late
    enrollment in the small month."""
    rng = program.rng
    who, site, month = rng.choice(program.people)
    program.attend(who, site, month, AttendanceStatus.ATTENDED, known, session=f"s-{who}-{month}")
    who, _site, month = rng.choice(program.people)
    program.screen(who, month, rng.random() < 0.5, known)
    late = f"late-{uuid.uuid4().hex[:6]}"
    enrolled_month = rng.randint(1, program.months)
    program.add(ParticipantEnrolled(participant_id=late, enrollment_id=f"e-{late}", program_id=PROGRAM,
                                    site_id="site-0", enrolled_on=date(2026, enrolled_month, 3)), known)


def publish_rounds(program: Program, extra_rounds: int = 2) -> tuple[list[Report], dict]:
    """Publish as periods close (the 8th of each month), then correction rounds with late events."""
    history: list[Report] = []
    stats = {"rounds": 0, "seconds": 0.0, "slowest_s": 0.0}
    instants = [publishable_from(f"2026-{m:02d}", 7) for m in range(1, program.months + 1)]
    for n in range(extra_rounds):
        known = instants[-1] + timedelta(days=5 + 7 * n)
        corrections(program, known)
        instants.append(known + timedelta(hours=1))
    for now in instants:
        facts = fold(e for e in program.log if e.time <= now)
        periods = sorted(period for _o, _p, period in reportable(facts) if is_publishable(period, now, 7))
        current = [measure_report(facts, PROGRAM, period, load_policies(), now.date()) for period in periods]
        started = time.perf_counter()
        history += next_versions(history, current, WIDTH, now)
        spent = time.perf_counter() - started
        stats["rounds"] += 1
        stats["seconds"] += spent
        stats["slowest_s"] = max(stats["slowest_s"], spent)
    return history, stats


def held(history: list[Report]) -> list[Held]:
    return [Held(r.period, r.version, r.published_at, r.measures, r.suppression,
                 [(g.total, g.members) for g in r.groups], r.counts) for r in history]


def assert_holds(history: list[Report]) -> dict:
    for report in history:
        for name, value in report.measures.items():
            if name in report.counts and name not in report.suppression:
                assert not 0 < value < SMALLEST_SHOWN, f"{report.version_id} shows {name}={value}"
        for name, rule in report.suppression.items():
            assert report.measures[name] is None and rule.startswith((*RULES, "derived"))
    findings, programs = attack(held(history))
    for found in findings:
        assert found.low <= found.truth <= found.high, "the attacker's own model is inconsistent"
        where = f"{found.period} v{found.version} {found.cell}={found.truth} in [{found.low}, {found.high}]"
        assert found.high > found.low, f"pinned: {where}"
        if 0 < found.truth < SMALLEST_SHOWN:
            assert found.width >= WIDTH, f"narrowed below the protection width: {where}"
    return {"suppressed": len(findings), "linear_programs": programs,
            "narrowest_primary": min((f.width for f in findings if 0 < f.truth < SMALLEST_SHOWN), default=None)}


def rule_counts(history: list[Report]) -> dict[str, int]:
    counts = dict.fromkeys((*RULES, "derived"), 0)
    for report in history:
        for rule in report.suppression.values():
            counts[rule.split(":")[0]] += 1
    return counts


@pytest.mark.parametrize("seed", range(12))
def test_a_quarter_its_months_and_their_corrections_hold_against_an_lp_attacker(seed):
    history, stats = publish_rounds(tempting_program(seed, months=3))
    periods = {r.period for r in history}
    assert periods == {"2026-01", "2026-02", "2026-03", "2026-Q1"}
    assert any(r.version > 1 for r in history), "the late events make corrections"
    for report in history:
        assert (report.corrects is None) == (report.version == 1)
        if report.corrects:
            assert report.corrects == f"{report.feed_id}:v{report.version - 1}"
    result = assert_holds(history)
    print(f"seed {seed}: {len(history)} reports, {rule_counts(history)}, attacker {result}, "
          f"suppressor {stats['seconds']:.2f} s over {stats['rounds']} rounds")


def test_a_year_of_months_and_quarters_with_corrections_holds_and_the_solver_keeps_up():
    history, stats = publish_rounds(tempting_program(101, months=12), extra_rounds=2)
    assert {r.period for r in history} >= {f"2026-{m:02d}" for m in range(1, 13)} | {f"2026-Q{q}" for q in range(1, 5)}
    result = assert_holds(history)
    print(f"year: {len(history)} reports, {rule_counts(history)}, attacker {result}, suppressor "
          f"{stats['seconds']:.2f} s over {stats['rounds']} rounds (slowest {stats['slowest_s']:.2f} s)")


def test_the_quarter_minus_published_months_no_longer_gives_the_small_month():
    """The issue's example: enrollments 9 in one month beside big months, quarter published."""
    sheets = [Sheet(period, 1, {"enrollments_new": n}, [], basis={"2026-01": 1, "2026-02": 1, "2026-03": 1,
                                                                    "2026-Q1": 1})
              for period, n in (("2026-01", 9), ("2026-02", 40), ("2026-03", 52), ("2026-Q1", 101))]
    outcome = suppress_jointly(sheets, KINDS, WIDTH)
    assert outcome.suppression[("2026-01", 1)] == {"enrollments_new": "primary: 1-10"}
    hidden_elsewhere = {key: rules for key, rules in outcome.suppression.items() if key[0] != "2026-01" and rules}
    assert len(hidden_elsewhere) == 1
    (rule,) = next(iter(hidden_elsewhere.values())).values()
    assert rule == "cross-report: protects 2026-01 enrollments_new"
    assert any("2026-Q1 v1 enrollments_new = sum over" in text for text in outcome.equations[("2026-Q1", 1)])


def test_a_correction_by_one_does_not_reveal_the_earlier_version():
    """v1: total 60, a = 10 hidden (primary), b = 50 hidden (complement). v2: a is 11 now, b is
    unchanged: showing a and the total in v2 would give b, and b gives v1's a."""
    kinds = CellKinds(cumulative=lambda _n: False, additive=lambda _n: True, distinct=lambda _n: False)
    group = [Group("total", ("a", "b"))]
    first = Sheet("2026-01", 1, {"total": 60, "a": 10, "b": 50}, group)
    v1 = suppress_jointly([first], kinds, WIDTH).suppression[("2026-01", 1)]
    assert set(v1) == {"a", "b"}
    published = Sheet("2026-01", 1, first.counts, group, v1, fixed=True)
    second = Sheet("2026-01", 2, {"total": 61, "a": 11, "b": 50}, group)
    v2 = suppress_jointly([published, second], kinds, WIDTH).suppression[("2026-01", 2)]
    assert v2["b"] == "cross-report: hidden in 2026-01 v1"
    assert "a" in v2 or "total" in v2, "one more cell hides b again"
    shown = [name for name in ("total", "a", "b") if name not in v2]
    assert len(shown) <= 1


def test_a_primary_cell_is_widened_when_the_published_figures_narrow_it():
    """30 = a 1 + b 1 + c 28: hiding a and b alone (the rank test's answer) leaves a + b = 2, so a
    reader knows a is 0, 1 or 2. Protection hides one more count."""
    kinds = CellKinds(cumulative=lambda _n: False, additive=lambda _n: True, distinct=lambda _n: False)
    cells, groups = {"total": 30, "a": 1, "b": 1, "c": 28}, [Group("total", ("a", "b", "c"))]
    assert set(suppress(cells, groups)) == {"a", "b"}, "the rank test alone stops here"
    rules = suppress_jointly([Sheet("2026-01", 1, cells, groups)], kinds, WIDTH).suppression[("2026-01", 1)]
    assert rules["c"] == "protection: protects 2026-01 a"
    findings, _ = attack([Held("2026-01", 1, 0, {k: None if k in rules else v for k, v in cells.items()}, rules,
                               [(g.total, g.members) for g in groups], cells)])
    assert all(f.high - f.low >= WIDTH for f in findings if 0 < f.truth < SMALLEST_SHOWN)
    narrow = suppress_jointly([Sheet("2026-01", 1, cells, groups)], kinds, 2).suppression[("2026-01", 1)]
    assert set(narrow) == {"a", "b"}, "a width of 2 is met by [0, 2]"


def test_open_periods_are_not_published_and_a_month_waits_for_its_grace():
    program = tempting_program(3, months=3)
    facts = fold(program.log)
    now = datetime(2026, 4, 7, 23, 59, tzinfo=UTC)  # March closed, grace not over
    periods = {period for _o, _p, period in reportable(facts) if is_publishable(period, now, 7)}
    assert periods == {"2026-01", "2026-02"}
    assert publishable_from("2026-03", 7) == datetime(2026, 4, 8, tzinfo=UTC)
    assert publishable_from("2026-Q1", 0) == datetime(2026, 4, 1, tzinfo=UTC)


def test_an_unchanged_report_is_not_published_again_and_derived_figures_follow_their_counts():
    program = tempting_program(5, months=3)
    now = publishable_from("2026-03", 7)
    facts = fold(program.log)
    current = [measure_report(facts, PROGRAM, p, load_policies(), now.date())
               for p in ("2026-01", "2026-02", "2026-03", "2026-Q1")]
    history = next_versions([], current, WIDTH, now)
    again = [measure_report(facts, PROGRAM, p, load_policies(), now.date())
             for p in ("2026-01", "2026-02", "2026-03", "2026-Q1")]
    assert next_versions(history, again, WIDTH, now + timedelta(days=1)) == []
    for report in history:
        for name, (value, deps) in report.derived.items():
            if value is not None and any(report.measures[d] is None for d in deps):
                assert report.measures[name] is None and report.suppression[name] == DERIVED_FROM_SUPPRESSED


def test_the_attacker_breaks_reports_suppressed_one_by_one():
    """The attacker is not toothless: the same programs, each report suppressed on its own (the rank
    test of suppression.py alone, as before), give away hidden counts across reports."""
    disclosed = 0
    for seed in range(6):
        history, _stats = publish_rounds(tempting_program(seed, months=3))
        alone = []
        for report in history:
            rules = suppress(report.counts, report.groups)
            alone.append(Held(report.period, report.version, report.published_at,
                              {k: None if k in rules else v for k, v in report.counts.items()}, rules,
                              [(g.total, g.members) for g in report.groups], report.counts))
        findings, _ = attack(alone)
        disclosed += sum(1 for f in findings if f.high <= f.low
                         or (0 < f.truth < SMALLEST_SHOWN and f.width < WIDTH))
    assert disclosed > 0
    print(f"reports suppressed one by one: {disclosed} hidden counts pinned or narrowed over 6 programs")


def test_every_format_lists_the_suppression_for_audit_and_says_what_a_correction_corrects():
    history, _stats = publish_rounds(tempting_program(2, months=3))
    correction = next(r for r in history if r.version > 1)
    body = formats.as_json(correction)
    assert (body["version"], body["corrects"], body["correction"]) == (
        correction.version, f"{correction.feed_id}:v{correction.version - 1}", True)
    assert body["audit"]["protection_width"] == WIDTH and body["audit"]["equations"]
    assert {entry["cell"]: entry["rule"] for entry in body["audit"]["suppressed"]} == correction.suppression
    assert all(set(entry) == {"cell", "rule"} for entry in body["audit"]["suppressed"])
    rows = list(csv.DictReader(io.StringIO(formats.as_csv(correction))))
    for row in rows:
        assert row["version"] == str(correction.version) and row["corrects"] == correction.corrects
        if row["measure"] in correction.suppression:
            assert row["value"] == "" and row["suppressed_by"] == correction.suppression[row["measure"]]
    fhir = formats.as_measure_report(correction)
    about = {e["url"].rsplit("/", 1)[-1]: e for e in fhir["extension"]}
    assert about["report-version"]["valueInteger"] == correction.version
    assert about["corrects"]["valueString"] == correction.corrects
    assert fhir["identifier"][0]["value"] == correction.version_id
    for group in fhir["group"]:
        name = group["code"]["text"]
        if name in correction.suppression:
            rules = [e["valueString"] for e in group.get("extension", [])]
            assert rules == [correction.suppression[name]]
            assert "count" not in json.dumps(group.get("population", [])) and "value" not in group.get(
                "measureScore", {})


def test_a_stream_of_late_events_makes_one_correction_per_interval():
    program = tempting_program(7, months=3)
    now = publishable_from("2026-03", 7)
    facts = fold(program.log)
    periods = ("2026-01", "2026-02", "2026-03", "2026-Q1")
    history = next_versions([], [measure_report(facts, PROGRAM, p, load_policies(), now.date()) for p in periods],
                            WIDTH, now, timedelta(days=1))
    corrections(program, now + timedelta(hours=1))
    later = now + timedelta(hours=2)
    changed = [measure_report(fold(program.log), PROGRAM, p, load_policies(), later.date()) for p in periods]
    waiting: list[datetime] = []
    assert next_versions(history, changed, WIDTH, later, timedelta(days=1), waiting) == []
    assert waiting and min(waiting) == now + timedelta(days=1)
    due = now + timedelta(days=1)
    changed = [measure_report(fold(program.log), PROGRAM, p, load_policies(), due.date()) for p in periods]
    published = next_versions(history, changed, WIDTH, due, timedelta(days=1), [])
    assert published and all(r.version == 2 and r.corrects for r in published)
