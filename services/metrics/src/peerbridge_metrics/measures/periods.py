"""Reporting periods of an event's own time (UTC): calendar months ("2026-11") and quarters ("2026-Q4")."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

PeriodOf = Callable[[date], str]
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def month_of(moment: date) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def quarter_of(moment: date) -> str:
    return f"{moment.year:04d}-Q{(moment.month - 1) // 3 + 1}"


def granularity(period: str) -> PeriodOf:
    """The period function a label belongs to; ValueError for anything else."""
    if MONTH.match(period):
        return month_of
    if QUARTER.match(period):
        return quarter_of
    raise ValueError(f"{period!r} is neither a month (2026-11) nor a quarter (2026-Q4)")


def bounds(period: str) -> tuple[date, date]:
    """First and last day of a period label."""
    if match := MONTH.match(period):
        year, month, months = int(match[1]), int(match[2]), 1
    elif match := QUARTER.match(period):
        year, month, months = int(match[1]), (int(match[2]) - 1) * 3 + 1, 3
    else:
        raise ValueError(f"{period!r} is neither a month (2026-11) nor a quarter (2026-Q4)")
    start = date(year, month, 1)
    following = date(year + (month + months - 1) // 12, (month + months - 1) % 12 + 1, 1)
    return start, following - timedelta(days=1)


def day(moment: datetime | date) -> date:
    return moment.date() if isinstance(moment, datetime) else moment
