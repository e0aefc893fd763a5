"""The funder report's figures as a reader sees them: grouped in sections (each a chart of figures of
one unit, and the table of all its figures), worded and formatted in the reader's language, a
suppressed figure always shown as suppressed with its rule (never as zero or left out)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from babel.numbers import format_decimal, format_percent

from .i18n import N_

Gettext = Callable[[str], str]


@dataclass(frozen=True)
class Section:
    title: str
    unit: str  # of the charted figures: count, rate, days, minutes, seconds, amount, points
    charted: tuple[str, ...]
    also: tuple[tuple[str, str], ...] = ()  # (figure, its unit): in the table only
    prefix: str = ""  # figures named <prefix><part> (one per reason or site) are charted too


SECTIONS = (
    Section(N_("Engagement"), "count",
            ("participants_active", "enrollments_new", "enrollments_started", "sessions_attended", "no_shows"),
            (("attendance_rate", "rate"), ("days_to_first_session_median", "days"))),
    Section(N_("Depression (PHQ-9) among participants with a follow-up score"), "count",
            ("phq9_with_follow_up", "phq9_responders", "phq9_remitted"), (("phq9_mean_change", "points"),)),
    Section(N_("Follow-up after hospital discharge"), "rate",
            ("follow_up_rate_48h", "follow_up_rate_7d", "follow_up_rate_30d"),
            tuple((f"follow_up_{part}_{window}", "count") for window in ("48h", "7d", "30d")
                  for part in ("due", "within")) + (("discharges", "count"),)),
    Section(N_("Hospital use before and after enrollment"), "count",
            ("admissions_before", "admissions_after", "inpatient_days_before", "inpatient_days_after",
             "ed_visits_before", "ed_visits_after"),
            (("readmission_due_30d", "count"), ("readmitted_30d", "count"))),
    Section(N_("Safety"), "count", ("screens", "screens_positive", "cases", "cases_breached"),
            (("cases_within_deadline", "count"), ("acknowledge_p50_s", "seconds"), ("acknowledge_p90_s", "seconds"))),
    Section(N_("Billing"), "minutes", ("non_billable_minutes",),
            (("billable_units", "count"), ("estimated_amount", "amount")), prefix="non_billable_minutes_"),
)

NAMES = {
    "participants_active": N_("Active participants"), "enrollments_new": N_("New enrollments"),
    "enrollments_started": N_("Enrollments with a first session"), "sessions_attended": N_("Sessions attended"),
    "no_shows": N_("No-shows"), "attendance_rate": N_("Attendance rate"),
    "days_to_first_session_median": N_("Days to first session (median)"),
    "phq9_with_follow_up": N_("With a follow-up PHQ-9"),
    "phq9_responders": N_("Response (score at most half of baseline)"),
    "phq9_remitted": N_("Remission (score under 5)"), "phq9_mean_change": N_("Mean change in score"),
    "follow_up_rate_48h": N_("Within 48 hours"), "follow_up_rate_7d": N_("Within 7 days"),
    "follow_up_rate_30d": N_("Within 30 days"), "follow_up_due_48h": N_("Due a 48-hour follow-up"),
    "follow_up_within_48h": N_("Followed up within 48 hours"), "follow_up_due_7d": N_("Due a 7-day follow-up"),
    "follow_up_within_7d": N_("Followed up within 7 days"), "follow_up_due_30d": N_("Due a 30-day follow-up"),
    "follow_up_within_30d": N_("Followed up within 30 days"), "discharges": N_("Discharges"),
    "admissions_before": N_("Admissions before"), "admissions_after": N_("Admissions after"),
    "inpatient_days_before": N_("Inpatient days before"), "inpatient_days_after": N_("Inpatient days after"),
    "ed_visits_before": N_("Emergency visits before"), "ed_visits_after": N_("Emergency visits after"),
    "readmission_due_30d": N_("Discharges due a 30-day readmission check"),
    "readmitted_30d": N_("Readmitted within 30 days"), "screens": N_("Risk screens"),
    "screens_positive": N_("Positive screens"), "cases": N_("Escalation cases"),
    "cases_breached": N_("Cases past their deadline"), "cases_within_deadline": N_("Acknowledged within deadline"),
    "acknowledge_p50_s": N_("Time to acknowledge (median)"), "acknowledge_p90_s": N_("Time to acknowledge (90th)"),
    "non_billable_minutes": N_("Non-billable minutes"), "billable_units": N_("Billable units"),
    "estimated_amount": N_("Estimated reimbursement"),
}
RULES = {
    "primary": N_("a count from 1 to 10"), "complementary": N_("it would reveal a small count"),
    "protection": N_("it would narrow a small count"), "cross-report": N_("another report would reveal it"),
    "derived": N_("derived from a suppressed count"),
}
TREND_FIGURES = ("participants_active", "sessions_attended", "attendance_rate", "phq9_responders",
                 "follow_up_rate_7d", "follow_up_rate_30d", "cases", "billable_units")


def unit_of(name: str) -> str:
    for section in SECTIONS:
        if name in section.charted or (section.prefix and name.startswith(section.prefix)):
            return section.unit
        for figure, unit in section.also:
            if figure == name:
                return unit
    return "count"


def name_of(name: str, _: Gettext) -> str:
    if name in NAMES:
        return _(NAMES[name])
    if name.startswith("non_billable_minutes_"):
        return _("Non-billable minutes: %(reason)s") % {"reason": name.removeprefix("non_billable_minutes_")}
    return name


def formatted(value: float | None, unit: str, language: str, _: Gettext) -> str:
    if value is None:
        return ""
    if unit == "rate":
        # the language's own percent pattern (92.3% / 92,3 %), to a tenth of a percent
        return format_percent(round(value, 3), locale=language, decimal_quantization=False)
    number = format_decimal(value, "#,##0.00" if unit == "amount" else "#,##0.#", locale=language)
    words = {"days": N_("%(n)s days"), "minutes": N_("%(n)s min"), "seconds": N_("%(n)s s")}
    return _(words[unit]) % {"n": number} if unit in words else number


def rule_words(rule: str, _: Gettext) -> str:
    kind = rule.split(":")[0].strip()
    return _(RULES[kind]) if kind in RULES else rule


def figure(report: dict, name: str, language: str, _: Gettext) -> dict:
    """One figure of a report: its value as published, or suppressed with the rule why."""
    unit, rule = unit_of(name), report["suppression"].get(name)
    value = report["measures"].get(name)
    return {"name": name, "label": name_of(name, _), "unit": unit, "value": value, "rule": rule,
            "text": formatted(value, unit, language, _) if rule is None else "",
            "rule_text": _("suppressed: %(rule)s") % {"rule": rule_words(rule, _)} if rule else "",
            "missing": rule is None and value is None}


def sections(report: dict, language: str, _: Gettext) -> list[dict]:
    drawn = []
    for section in SECTIONS:
        parts = sorted(n for n in report["measures"] if section.prefix and n.startswith(section.prefix))
        charted = [figure(report, name, language, _) for name in (*section.charted, *parts)]
        also = [figure(report, name, language, _) for name, _unit in section.also if name in report["measures"]]
        drawn.append({"title": _(section.title), "unit": section.unit, "charted": charted, "rows": charted + also})
    return drawn


def trend(reports: list[dict], name: str, language: str, _: Gettext) -> list[dict]:
    """One figure over the periods of ``reports`` (oldest first), each as ``figure`` gives it."""
    return [{**figure(report, name, language, _), "label": report["period"]} for report in reports]
