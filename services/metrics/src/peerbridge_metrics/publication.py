"""When a funder report is published, and as which version.

- **Closed periods only**: a period's report is published once the period has ended plus a grace
  for late events (``METRICS_FUNDER_GRACE_DAYS``, default 7): a month ending on the 31st is published
  from 00:00 UTC on the 8th of the next month. Open periods stay with the program's own staff
  (``GET /measures``); funders never see them.
- **Corrections**: when a published period's counts change (late or corrected events), the whole
  report is published again as the next version, which names the version it corrects; at most one
  correction per report per ``METRICS_FUNDER_CORRECTION_INTERVAL_S`` (default a day), so a stream of
  late events makes one version, not one per event (each version is more for a reader to difference).
- Every new version is suppressed jointly with every version of the program's reports already
  published (disclosure.py), and all periods published in one round are decided together.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, time, timedelta

from .disclosure import suppress_jointly
from .measures.periods import bounds
from .report import KINDS, Report, finish

log = logging.getLogger(__name__)


def publishable_from(period: str, grace_days: int) -> datetime:
    """The instant a period's funder report may be published: the day after it ends, plus the grace."""
    _start, end = bounds(period)
    return datetime.combine(end + timedelta(days=1 + grace_days), time(), tzinfo=UTC)


def is_publishable(period: str, now: datetime, grace_days: int) -> bool:
    return now >= publishable_from(period, grace_days)


def fingerprint(report: Report) -> str:
    """What a new version must differ in: the true counts and the derived figures."""
    return json.dumps([report.counts, {name: value for name, (value, _deps) in report.derived.items()}],
                      sort_keys=True, default=str)


def due(before: Report | None, report: Report, now: datetime, correction_interval: timedelta) -> bool | None:
    """True to publish ``report`` now, False if it equals its latest version, None if it is a
    correction that waits for the correction interval."""
    if before is None:
        return True
    if fingerprint(before) == fingerprint(report):
        return False
    return True if before.published_at is None or now - before.published_at >= correction_interval else None


def next_versions(history: list[Report], current: list[Report], protection_width: int, published_at: datetime,
                  correction_interval: timedelta = timedelta(0), waiting: list[datetime] | None = None
                  ) -> list[Report]:
    """The reports to publish now: ``current`` (true counts of the closed periods) that are new or
    changed since their latest published version, suppressed jointly with ``history``. For each
    correction not due yet, the instant it will be is appended to ``waiting``."""
    latest = {report.period: report for report in sorted(history, key=lambda r: (r.period, r.version))}
    fresh = []
    for report in current:
        before = latest.get(report.period)
        publish = due(before, report, published_at, correction_interval)
        if publish is None and waiting is not None:
            waiting.append(before.published_at + correction_interval)
        if not publish:
            continue
        report.version = before.version + 1 if before else 1
        report.corrects = before.version_id if before else None
        report.protection_width, report.published_at = protection_width, published_at
        fresh.append(report)
    if not fresh:
        return []
    basis = {period: r.version for period, r in latest.items()} | {r.period: r.version for r in fresh}
    for report in fresh:
        report.basis = dict(basis)
    sheets = [r.sheet(fixed=True) for r in history] + [r.sheet(fixed=False) for r in fresh]
    outcome = suppress_jointly(sheets, KINDS, protection_width)
    if outcome.unprotected:  # only if already-published reports leak on their own (never by this rule)
        log.error("hidden counts the new reports cannot protect", extra={"cells": outcome.unprotected})
    return [finish(report, outcome) for report in fresh]
