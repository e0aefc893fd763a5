"""A case's timeline, from escalation's audit trail of the case (the gateway's
``/v1/cases/{id}/timeline``): each step as a line a clinician reads at a glance."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

Step = Callable[[dict, str, Mapping[str, str]], tuple[str, str]]


def _signal(detail: dict, actor: str, dispositions: Mapping[str, str]) -> tuple[str, str]:
    return "Signal", (f"{_event_name(detail.get('event_type', ''))}: {detail.get('risk_level')} by rule "
                      f"{detail.get('rule')} ({detail.get('rule_version')})")


def _notification(what: str) -> Step:
    def describe(detail: dict, actor: str, dispositions: Mapping[str, str]) -> tuple[str, str]:
        text = f"{detail.get('clinician_id', 'clinician')} by {detail.get('channel')} (level {detail.get('level')})"
        if detail.get("error"):
            text += f": {detail['error']}"
        if detail.get("next_attempt_at"):
            text += f"; next try {detail['next_attempt_at']}"
        if "next_channel" in detail:
            text += f"; trying {detail['next_channel']}" if detail["next_channel"] else "; no other method left"
        return what, text
    return describe


STEPS: dict[str, Step] = {
    "level.paged": lambda d, a, _: ("Paged", f"level {d.get('level')}: {', '.join(d.get('recipients') or [])}"),
    "level.nobody": lambda d, a, _: ("Nobody on call", f"level {d.get('level')}: no one to page, trying again"),
    "level.unreachable": lambda d, a, _: ("Escalated", f"level {d.get('level')}: no contact method reached anyone"),
    "level.breached": lambda d, a, _: ("Deadline missed", f"level {d.get('level')}, due {d.get('deadline')}; "
                                                          "escalated"),
    "notification.sent": _notification("Delivered"),
    "notification.retry": _notification("Delivery failed, retrying"),
    "notification.failed": _notification("Delivery failed"),
    "case.acknowledged": lambda d, a, _: ("Acknowledged", f"by {a}"),
    "case.contact_made": lambda d, a, _: ("Contact made", f"by {a} ({d.get('method')})"),
    "case.reassigned": lambda d, a, _: ("Reassigned", f"to {d.get('to')} by {a}: {d.get('reason')}"),
    "case.resolved": lambda d, a, names: ("Resolved", f"by {a}: {d.get('disposition_code')}"
                                          + (f" ({names[d['disposition_code']]})"
                                             if d.get("disposition_code") in names else "")),
}


def timeline(case: dict, steps: list[dict], dispositions: Mapping[str, str]) -> list[dict]:
    """``steps``: the case's audit entries, oldest first."""
    entries = [{"time": case["opened_at"], "what": "Opened",
                "detail": f"{case['risk_level']} risk, rule version {case['rule_version']}"}]
    for step in steps:
        action, detail, actor = step["action"], step.get("detail") or {}, step.get("actor", "")
        describe = _signal if action.startswith("signal.") else STEPS.get(action)
        what, text = describe(detail, actor, dispositions) if describe else (action, "")
        entries.append({"time": step["at"], "what": what, "detail": text})
    return sorted(entries, key=lambda entry: _moment(entry["time"]))


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _event_name(event_type: str) -> str:
    # org.peerbridge.scheduling.questionnaire.submitted.v1 -> questionnaire submitted
    parts = event_type.split(".")
    return " ".join(parts[3:-1]) if len(parts) > 4 else event_type
