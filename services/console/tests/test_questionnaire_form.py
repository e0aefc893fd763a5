"""A questionnaire form from an instrument definition: every item's choices, an item asked only
given an earlier answer is neither shown as required nor sent when that answer is not given, and
hostile form values never become answers."""

from __future__ import annotations

from peerbridge_console.questionnaires import answers_from, asked, items_of

SCREENER = {"code": "cssrs_screener", "version": "1", "items": [
    {"id": "1", "text": "Wished you were dead?", "type": "boolean"},
    {"id": "2", "text": "Thoughts of killing yourself?", "type": "boolean"},
    {"id": "3", "text": "Thought about how?", "type": "boolean", "asked_if": {"item": "2", "equals": True}},
    {"id": "note", "text": "Anything else", "type": "text", "private": True, "required": False}]}
PHQ = {"code": "phq9", "version": "1", "items": [
    {"id": str(n), "text": f"item {n}", "min": 0, "max": 3} for n in range(1, 10)]}


def test_integer_items_of_the_frequency_instruments_carry_their_words():
    items = items_of(PHQ)
    assert [value for value, _words in items[0]["choices"]] == ["0", "1", "2", "3"]
    assert items[8]["choices"][3][1] == "Nearly every day" and all(item["required"] for item in items)
    other = items_of({**PHQ, "code": "wemwbs"})
    assert all(words is None for _value, words in other[0]["choices"])


def test_a_follow_up_item_is_sent_only_when_its_condition_holds():
    items = {item["id"]: item for item in items_of(SCREENER)}
    assert not asked(items["3"], {"2": False}) and asked(items["3"], {"2": True})
    answered = answers_from(SCREENER, {"item-1": "no", "item-2": "no", "item-3": "yes", "item-note": "  "})
    assert answered == {"1": False, "2": False}  # item 3's stray yes is dropped, the blank note not sent
    assert answers_from(SCREENER, {"item-1": "no", "item-2": "yes", "item-3": "yes"}) == {
        "1": False, "2": True, "3": True}


def test_hostile_values_are_not_answers_and_a_missing_required_one_is_left_for_the_service_to_name():
    answered = answers_from(PHQ, {"item-1": "3; DROP TABLE", "item-2": "٣", "item-3": "2", "item-9": "-1",
                                  "item-4": "\ud800", "item-5": "99"})
    assert answered == {"3": 2, "9": -1, "5": 99}  # out of range goes to the service, which names the item
    assert "1" not in answered and "2" not in answered and "4" not in answered
