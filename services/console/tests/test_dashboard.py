"""The coordinator's dashboard: the week is the program's local week (a DST week is 167 or 169
hours, never a UTC week), and 'no contact in 14 days' counts a note or a completed session."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from peerbridge_console.coordinator import _months, _quiet, week_of

NEW_YORK = ZoneInfo("America/New_York")


def _hours(week: tuple[datetime, datetime]) -> float:
    # in UTC: subtracting two datetimes of one zone object compares wall clocks
    return (week[1].astimezone(UTC) - week[0].astimezone(UTC)).total_seconds() / 3600


def test_the_week_is_the_programs_local_week_across_a_dst_change():
    start, end = week_of(datetime(2026, 11, 4, 3, 30, tzinfo=UTC), NEW_YORK)  # Tuesday 23:30 local
    assert (start.isoformat(), end.isoformat()) == ("2026-11-02T00:00:00-05:00", "2026-11-09T00:00:00-05:00")
    fall = week_of(datetime(2026, 11, 1, 12, tzinfo=UTC), NEW_YORK)  # Sunday 1 November: clocks went back
    assert fall[0].isoformat() == "2026-10-26T00:00:00-04:00" and _hours(fall) == 169
    spring = week_of(datetime(2027, 3, 10, 12, tzinfo=UTC), NEW_YORK)
    assert _hours(spring) == 167
    new_year = week_of(datetime(2027, 1, 1, 4, 59, tzinfo=UTC), NEW_YORK)  # still 31 December locally
    assert new_year[0].date().isoformat() == "2026-12-28"


def test_no_contact_means_neither_a_note_nor_a_completed_session():
    enrollments = [{"participant_id": p, "peer_id": None} for p in ("a", "b", "c", "d")]
    sessions = [{"status": "completed", "participant_ids": ["a"]}, {"status": "cancelled", "participant_ids": ["b"]},
                {"status": "scheduled", "participant_ids": ["c"]}]
    assert _quiet(enrollments, sessions, [{"participant_id": "d"}]) == ["b", "c"]


def test_the_trend_takes_the_programs_last_six_months_only():
    rows = [{"key": ["org", "p1", f"2026-{m:02d}"], "attendance_rate": m / 12, "no_shows": m} for m in range(1, 13)]
    rows += [{"key": ["org", "p2", "2026-12"], "attendance_rate": 1.0, "no_shows": 0},
             {"key": ["org", "p1", "2026-Q4"], "attendance_rate": 0.5, "no_shows": 3}]
    months = _months({"engagement": rows}, "p1")
    assert [m["period"] for m in months] == [f"2026-{m:02d}" for m in range(7, 13)]
    assert months[-1]["measures"] == {"attendance_rate": 1.0, "no_shows": 12}
