"""A questionnaire drawn from its instrument definition (the gateway's ``/v1/instruments/{code}``):
each item's answers, whether it is asked given the answers so far (``asked_if``), and the form's
fields turned back into the answers the API takes. Items not asked are not sent; a required item
left blank is sent as missing, and the service's 422 names it."""

from __future__ import annotations

from .i18n import N_
from .web import whole

FREQUENCY = (N_("Not at all"), N_("Several days"), N_("More than half the days"), N_("Nearly every day"))
FREQUENCY_INSTRUMENTS = ("phq9", "gad7")  # "over the last 2 weeks, how often..."


def items_of(definition: dict) -> list[dict]:
    frequency = definition["code"] in FREQUENCY_INSTRUMENTS
    items = []
    for item in definition["items"]:
        kind = item.get("type", "integer")
        choices: list[tuple[str, str | None]] = []
        if kind == "integer":
            values = range(item["min"], item["max"] + 1)
            words = FREQUENCY if frequency and (item["min"], item["max"]) == (0, 3) else None
            choices = [(str(v), words[v] if words else None) for v in values]
        elif kind == "boolean":
            choices = [("yes", N_("Yes")), ("no", N_("No"))]
        items.append({**item, "type": kind, "choices": choices, "required": item.get("required", True)})
    return items


def asked(item: dict, answers: dict) -> bool:
    condition = item.get("asked_if")
    return condition is None or answers.get(condition["item"]) == condition["equals"]


def answers_from(definition: dict, form: dict[str, str]) -> dict[str, int | bool | str | None]:
    answers: dict[str, int | bool | str | None] = {}
    for item in items_of(definition):  # in order: a condition names an earlier item
        if not asked(item, answers):
            continue
        raw = form.get(f"item-{item['id']}", "").strip()
        if item["type"] == "integer":
            answers[item["id"]] = whole(raw, missing=None)
        elif item["type"] == "boolean":
            answers[item["id"]] = {"yes": True, "no": False}.get(raw)
        else:
            answers[item["id"]] = raw or None
    return {key: value for key, value in answers.items() if value is not None}
