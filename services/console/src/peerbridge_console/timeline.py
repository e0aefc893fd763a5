"""A case's timeline: the case record (opened, signals, acknowledged, contact made, assigned,
resolved) merged with the pages, escalations and breaches the console saw on the event stream."""

from __future__ import annotations

from datetime import datetime

REASONS = {"deadline": "no acknowledgement in time"}


def timeline(case: dict, activity: list[dict]) -> list[dict]:
    entries = [{"time": case["opened_at"], "what": "Opened",
                "detail": f"{case['risk_level']} risk, rule version {case['rule_version']}"}]
    for signal in case["signals"]:
        entries.append({"time": signal["received_at"], "what": "Signal",
                        "detail": f"{_event_name(signal['event_type'])}: {signal['risk_level']} by rule "
                                  f"{signal['rule']} ({signal['rule_version']}), {signal['effect']}"})
    for event in activity:
        data = event["data"]
        if event["name"] == "case.notified":
            entries.append({"time": data.get("notified_at") or event["time"], "what": "Paged",
                            "detail": f"{data.get('recipient_id')} by {data.get('channel')} (level "
                                      f"{data.get('level')}, attempt {data.get('attempt', 1)})"})
        elif event["name"] == "case.escalated":
            reason = REASONS.get(data.get("reason"), data.get("reason"))
            entries.append({"time": data.get("escalated_at") or event["time"], "what": "Escalated",
                            "detail": f"level {data.get('from_level')} to {data.get('to_level')}: {reason}"})
        elif event["name"] == "case.breached":
            entries.append({"time": data.get("breached_at") or event["time"], "what": "Deadline missed",
                            "detail": f"level {data.get('level')}, due {data.get('deadline')}"})
    if case.get("acknowledged_at"):
        entries.append({"time": case["acknowledged_at"], "what": "Acknowledged",
                        "detail": f"by {case['acknowledged_by']}"})
    if case.get("contact_made_at"):
        entries.append({"time": case["contact_made_at"], "what": "Contact made", "detail": "with the participant"})
    if case.get("resolved_at"):
        entries.append({"time": case["resolved_at"], "what": "Resolved",
                        "detail": f"by {case['resolved_by']}: {case['disposition_code']}"})
    return sorted(entries, key=lambda entry: _moment(entry["time"]))


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _event_name(event_type: str) -> str:
    # org.peerbridge.scheduling.questionnaire.submitted.v1 -> questionnaire submitted
    parts = event_type.split(".")
    return " ".join(parts[3:-1]) if len(parts) > 4 else event_type
