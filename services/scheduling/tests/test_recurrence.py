"""RRULE expansion keeps local wall-clock time across DST changes (property-based)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerbridge_scheduling.sessions.recurrence import MAX_OCCURRENCES, RecurrenceError, expand, to_utc

ZONES = ["America/New_York", "America/Los_Angeles", "Europe/London", "Australia/Sydney", "America/Sao_Paulo",
         "Asia/Kolkata", "Pacific/Chatham", "Australia/Lord_Howe"]


def local_wall_clock(instant: datetime, zone: ZoneInfo) -> tuple[int, int]:
    local = instant.astimezone(zone)
    return local.hour, local.minute


@settings(max_examples=200, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)),
    frequency=st.sampled_from(["DAILY", "WEEKLY"]),
    count=st.integers(min_value=1, max_value=60),
)
def test_every_occurrence_keeps_the_local_time_or_moves_by_exactly_the_dst_gap(zone_name, start, frequency, count):
    zone = ZoneInfo(zone_name)
    start = start.replace(second=0, microsecond=0)
    occurrences = expand(f"FREQ={frequency};COUNT={count}", start, zone)
    assert len(occurrences) == count
    step = timedelta(days=1 if frequency == "DAILY" else 7)
    for index, instant in enumerate(occurrences):
        assert instant.tzinfo is UTC
        wall = start + index * step
        # Round trip: a wall time that exists maps back to itself; one in a spring-forward gap
        # lands after the gap, later than intended by exactly the gap's length.
        back = instant.astimezone(zone).replace(tzinfo=None)
        if back != wall:
            gap = zone.utcoffset(wall.replace(fold=1)) - zone.utcoffset(wall.replace(fold=0))
            assert gap > timedelta(0) and back - wall == gap, (zone_name, wall, back)


def test_a_weekly_evening_group_stays_at_six_pm_across_the_march_change():
    zone = ZoneInfo("America/New_York")
    starts = expand("FREQ=WEEKLY;BYDAY=TU;COUNT=3", datetime(2026, 3, 3, 18, 0), zone)
    assert [s.isoformat() for s in starts] == [
        "2026-03-03T23:00:00+00:00", "2026-03-10T22:00:00+00:00", "2026-03-17T22:00:00+00:00"]
    assert {local_wall_clock(s, zone) for s in starts} == {(18, 0)}


def test_gap_and_overlap_follow_rfc_5545():
    zone = ZoneInfo("America/New_York")
    assert to_utc(datetime(2026, 3, 8, 2, 30), zone) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT
    assert to_utc(datetime(2026, 11, 1, 1, 30), zone) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # first 01:30


@pytest.mark.parametrize(("rule", "message"), [
    ("FREQ=WEEKLY", "must end"),
    ("FREQ=SOMETIMES;COUNT=2", "not a valid RRULE"),
    (f"FREQ=DAILY;COUNT={MAX_OCCURRENCES + 1}", "more than"),
    ("FREQ=YEARLY;COUNT=5", "runs past"),
])
def test_rules_that_never_end_or_run_too_long_are_refused(rule, message):
    with pytest.raises(RecurrenceError, match=message):
        expand(rule, datetime(2026, 3, 3, 18, 0), ZoneInfo("America/New_York"))
