"""A case's timeline, from escalation's audit trail of the case (the gateway's
``/v1/cases/{id}/timeline``): each step as a line a clinician reads at a glance, in their language."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from .i18n import N_
from .labels import LABELS

Gettext = Callable[[str], str]
# (what happened, the detail in the reader's language[, program-authored text quoted as written])
Step = Callable[[dict, str, Mapping[str, str], Gettext], tuple[str, ...]]


def _signal(detail: dict, actor: str, dispositions: Mapping[str, str], _: Gettext) -> tuple[str, str]:
    return _("Signal"), _("%(event)s: %(risk)s by rule %(rule)s (%(version)s)") % {
        "event": _event_name(detail.get("event_type", ""), _), "risk": _(LABELS.get(detail.get("risk_level"), "?")),
        "rule": detail.get("rule"), "version": detail.get("rule_version")}


def _notification(what: str) -> Step:
    def describe(detail: dict, actor: str, dispositions: Mapping[str, str], _: Gettext) -> tuple[str, str]:
        channel = detail.get("channel")
        text = _("%(who)s by %(channel)s (level %(level)s)") % {
            "who": detail.get("clinician_id", _("clinician")), "channel": _(LABELS.get(channel, channel or "?")),
            "level": detail.get("level")}
        if detail.get("error"):
            text += f": {detail['error']}"
        if detail.get("next_attempt_at"):
            text += "; " + _("next try %(time)s") % {"time": detail["next_attempt_at"]}
        if "next_channel" in detail:
            following = detail["next_channel"]
            text += "; " + (_("trying %(channel)s") % {"channel": _(LABELS.get(following, following))}
                            if following else _("no other method left"))
        return _(what), text
    return describe


def _simple(what: str, text: str) -> Step:
    def describe(detail: dict, actor: str, dispositions: Mapping[str, str], _: Gettext) -> tuple[str, str]:
        values = {**{key: value for key, value in detail.items() if isinstance(value, str | int)}, "actor": actor,
                  "recipients": ", ".join(detail.get("recipients") or []), "method": _(LABELS.get(
                      detail.get("method"), detail.get("method") or "?"))}
        values.setdefault("level", "?")
        return _(what), _(text) % _Defaulting(values)
    return describe


class _Defaulting(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def _resolved(detail: dict, actor: str, dispositions: Mapping[str, str], _: Gettext) -> tuple[str, str, str]:
    """The program's own label for the disposition is quoted as written, not translated."""
    code = detail.get("disposition_code", "")
    return _("Resolved"), _("by %(actor)s: %(disposition)s") % {"actor": actor, "disposition": code}, \
        dispositions.get(code, "")


STEPS: dict[str, Step] = {
    "level.paged": _simple(N_("Paged"), N_("level %(level)s: %(recipients)s")),
    "level.nobody": _simple(N_("Nobody on call"), N_("level %(level)s: no one to page, trying again")),
    "level.unreachable": _simple(N_("Escalated"), N_("level %(level)s: no contact method reached anyone")),
    "level.breached": _simple(N_("Deadline missed"), N_("level %(level)s, due %(deadline)s; escalated")),
    "notification.sent": _notification(N_("Delivered")),
    "notification.retry": _notification(N_("Delivery failed, retrying")),
    "notification.failed": _notification(N_("Delivery failed")),
    "case.acknowledged": _simple(N_("Acknowledged"), N_("by %(actor)s")),
    "case.contact_made": _simple(N_("Contact made"), N_("by %(actor)s (%(method)s)")),
    "case.reassigned": _simple(N_("Reassigned"), N_("to %(to)s by %(actor)s: %(reason)s")),
    "case.resolved": _resolved,
}


def timeline(case: dict, steps: list[dict], dispositions: Mapping[str, str], _: Gettext) -> list[dict]:
    """``steps``: the case's audit entries, oldest first."""
    entries = [{"time": case["opened_at"], "what": _("Opened"), "quoted": "",
                "detail": _("%(risk)s risk, rule version %(version)s") % {
                    "risk": _(LABELS.get(case["risk_level"], case["risk_level"])), "version": case["rule_version"]}}]
    for step in steps:
        action, detail, actor = step["action"], step.get("detail") or {}, step.get("actor", "")
        describe = _signal if action.startswith("signal.") else STEPS.get(action)
        what, text, *quoted = describe(detail, actor, dispositions, _) if describe else (action, "")
        entries.append({"time": step["at"], "what": what, "detail": text, "quoted": "".join(quoted)})
    return sorted(entries, key=lambda entry: _moment(entry["time"]))


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _event_name(event_type: str, _: Gettext) -> str:
    # org.peerbridge.care.assessment.completed.v1 -> "assessment.completed" -> its label
    parts = event_type.split(".")
    kind = ".".join(parts[3:-1]) if len(parts) > 4 else event_type
    return _(LABELS[kind]) if kind in LABELS else kind.replace(".", " ")
