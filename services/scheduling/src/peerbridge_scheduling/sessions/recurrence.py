"""Recurring sessions: an RFC 5545 RRULE expanded over local wall-clock time.

Occurrences keep their local time across DST changes (a 6 pm group stays at 6 pm). A local
time that does not exist (the spring-forward gap) moves forward by the gap, and a repeated one
(fall back) takes its first instance, as RFC 5545 prescribes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

MAX_OCCURRENCES = 200
MAX_SPAN = timedelta(days=2 * 366)


class RecurrenceError(ValueError):
    pass


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive local wall-clock time in ``zone`` as a UTC instant (gap: shifted forward; overlap: first)."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def expand(rule: str, first_local_start: datetime, zone: ZoneInfo) -> list[datetime]:
    """UTC starts of every occurrence; refuses rules that never end or run past the limits."""
    if first_local_start.tzinfo is not None:
        raise RecurrenceError("the first start is a local wall-clock time, without an offset")
    upper = rule.upper()
    if "COUNT=" not in upper and "UNTIL=" not in upper:
        raise RecurrenceError("the rule must end: give COUNT or UNTIL")
    try:
        recurrence = rrulestr(rule, dtstart=first_local_start, ignoretz=True)
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(f"not a valid RRULE: {exc}") from None
    horizon = first_local_start + MAX_SPAN
    locals_ = []
    for occurrence in recurrence:
        if occurrence > horizon:
            raise RecurrenceError(f"the rule runs past {MAX_SPAN.days} days")
        locals_.append(occurrence)
        if len(locals_) > MAX_OCCURRENCES:
            raise RecurrenceError(f"the rule makes more than {MAX_OCCURRENCES} occurrences")
    return [to_utc(local, zone) for local in locals_]
