"""Words for the values the API sends (statuses, risk levels, channels...), marked for translation,
and the messages the console's script shows (handed to it in the page, never fetched)."""

from __future__ import annotations

from collections.abc import Callable

from .i18n import N_

LABELS = {
    "open": N_("open"), "acknowledged": N_("acknowledged"), "resolved": N_("resolved"),
    "imminent": N_("Imminent"), "high": N_("High"), "moderate": N_("Moderate"), "low": N_("Low"),
    "opened": N_("opened the case"), "upgraded": N_("raised the risk"), "joined": N_("joined the case"),
    "email": N_("e-mail"), "sms": N_("SMS"), "voice": N_("voice call"), "webhook": N_("pager webhook"),
    "phone": N_("phone"), "video": N_("video"), "in_person": N_("in person"),
    "TREAT": N_("Treatment"), "ETREAT": N_("Emergency treatment"), "HOPERAT": N_("Health care operations"),
    "HQUALIMP": N_("Quality improvement"),
    "scheduled": N_("scheduled"), "completed": N_("completed"), "cancelled": N_("cancelled"),
    "one_to_one": N_("one-to-one"), "group": N_("group"), "workshop": N_("workshop"), "education": N_("education"),
    "attended": N_("attended"), "late": N_("late"), "left_early": N_("left early"), "no_show": N_("no-show"),
    "cancelled_by_participant": N_("cancelled by the participant"),
    "cancelled_by_program": N_("cancelled by the program"),
    "immediate_danger": N_("immediate danger"), "suicidal_ideation": N_("suicidal thoughts"),
    "self_harm": N_("self-harm"), "harm_to_others": N_("harm to others"),
    "substance_use_crisis": N_("substance use crisis"), "missed_crisis_check_in": N_("missed crisis check-in"),
    "other": N_("something else"),
    # the events a safety signal comes from, by the kind in their type (org.peerbridge.<source>.<kind>.v1)
    "concern.raised": N_("safety concern raised"), "risk-screen.completed": N_("risk screen completed"),
    "plan.updated": N_("safety plan updated"), "assessment.completed": N_("questionnaire completed"),
    "contact.documented": N_("contact documented"), "attendance.recorded": N_("attendance recorded"),
    "goal.status-changed": N_("goal changed"), "peer.profile-changed": N_("peer profile changed"),
    "supervision.logged": N_("supervision logged"), "outreach.due": N_("follow-up due"),
    "encounter.admitted": N_("hospital admission"), "encounter.discharged": N_("hospital discharge"),
    "encounter.cancelled": N_("hospital encounter cancelled"),
}

SCRIPT_MESSAGES = {
    "case.opened": N_("New case"), "case.escalated": N_("Escalated"), "case.acknowledged": N_("Acknowledged"),
    "case.resolved": N_("Resolved"), "case.breached": N_("Deadline missed"), "case.notified": N_("Paged"),
    "left": N_("%(time)s left"), "overdue": N_("overdue by %(time)s"), "live_on": N_("Live updates: on"),
    "live_retry": N_("Live updates: reconnecting…"), "case_line": N_("%(what)s: case %(number)s, %(risk)s risk"),
    "level": N_("level %(level)s"),
}


def script_messages(gettext: Callable[[str], str]) -> dict[str, str]:
    risks = {f"risk.{level}": gettext(LABELS[level]) for level in ("imminent", "high", "moderate", "low")}
    return {**{key: gettext(message) for key, message in SCRIPT_MESSAGES.items()}, **risks}
