"""Validate answers against an instrument definition, score them, and find safety signals."""

from __future__ import annotations

from dataclasses import dataclass, field

from peerbridge_shared.events.safety import CssrsAnswers, ScreenInstrument

from .definitions import InstrumentDefinition, Item, ItemType

MAX_TEXT = 4000


class AnswerError(ValueError):
    def __init__(self, item: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.item, self.rule, self.message = item, rule, message


@dataclass
class Scored:
    item_scores: dict[str, int]
    total: float | None
    band: str | None
    subscales: dict[str, float] = field(default_factory=dict)


def _asked(item: Item, answers: dict[str, object]) -> bool:
    return item.asked_if is None or answers.get(item.asked_if.item) == item.asked_if.equals


def _check_value(item: Item, value: object) -> None:
    if item.type == ItemType.INTEGER:
        if not isinstance(value, int) or isinstance(value, bool):
            raise AnswerError(item.id, "type", "must be a whole number")
        if not item.min <= value <= item.max:
            raise AnswerError(item.id, "range", f"must be between {item.min} and {item.max}")
    elif item.type == ItemType.BOOLEAN:
        if not isinstance(value, bool):
            raise AnswerError(item.id, "type", "must be true or false")
    elif not isinstance(value, str) or len(value) > MAX_TEXT:
        raise AnswerError(item.id, "type", f"must be text of at most {MAX_TEXT} characters")


def validate(definition: InstrumentDefinition, answers: dict[str, object]) -> None:
    """Raise :class:`AnswerError` for the first unknown, missing, unasked or out-of-range answer."""
    known = {item.id: item for item in definition.items}
    for item_id in answers:
        if item_id not in known:
            raise AnswerError(item_id, "unknown_item", f"{definition.code} has no item {item_id}")
    for item in definition.items:
        present = item.id in answers and answers[item.id] is not None
        if not _asked(item, answers):
            if present:
                raise AnswerError(item.id, "not_asked",
                                  f"asked only when item {item.asked_if.item} is {item.asked_if.equals}")
            continue
        if not present:
            if item.required:
                raise AnswerError(item.id, "required", "an answer is required")
            continue
        _check_value(item, answers[item.id])


def score(definition: InstrumentDefinition, answers: dict[str, object]) -> Scored:
    numeric = {item.id: item for item in definition.items
               if item.type == ItemType.INTEGER and isinstance(answers.get(item.id), int)}
    item_scores = {item_id: (item.min + item.max - answers[item_id]) if item.reverse else answers[item_id]
                   for item_id, item in numeric.items()}
    method = definition.scoring.method
    if method == "none" or not item_scores:
        return Scored(item_scores, None, None)

    def combine(values: list[int]) -> float:
        return round(sum(values) / len(values), 4) if method == "mean" else float(sum(values))

    total = combine(list(item_scores.values()))
    if definition.scoring.conversion:
        total = definition.scoring.conversion[int(total)]
    band = None
    for candidate in sorted(definition.bands, key=lambda b: b.min):
        if total >= candidate.min:
            band = candidate.label
    subscales = {name: combine([item_scores[m] for m in members if m in item_scores])
                 for name, members in definition.scoring.subscales.items()
                 if any(m in item_scores for m in members)}
    return Scored(item_scores, total, band, subscales)


def safety_signal(definition: InstrumentDefinition, answers: dict[str, object]) -> dict[str, object] | None:
    """The fields of a RiskScreenCompleted event when these answers are a screen; None otherwise.
    Every C-SSRS screen is reported (with ``positive``); PHQ-9 only when item 9 is above 0."""
    rule = definition.safety
    if rule is None:
        return None
    if rule.screen == ScreenInstrument.PHQ9_ITEM9:
        value = answers.get(rule.item)
        return {"phq9_item9": value, "positive": True} if isinstance(value, int) and value > 0 else None
    cssrs = CssrsAnswers(**{name: answers.get(item_id) for item_id, name in rule.fields.items()})
    positive = any(value is True for value in cssrs.model_dump().values())
    return {"cssrs": cssrs, "positive": positive}
