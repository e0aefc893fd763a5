"""Questionnaire answers a participant gives, from their hidden traits.

PHQ-9: a total around the participant's current severity (baseline, then a monthly trend, plus
noise); item 9 is above 0 more often the more severe the depression (at intake about 1 PHQ-9 in 6,
1 in 14 with item 9 at 2 or 3; fewer as depression improves). C-SSRS screener: lifetime and recent
suicidal behavior are traits; ideation is likelier when the screen follows a PHQ-9 with item 9
above 0 (at intake about 1 screen in 4 is positive). Skip logic is respected
(items 3-5 only after item 2 yes, 6a only after item 6 yes).
"""

from __future__ import annotations

import random

from .model import Participant


def phq9_total(rng: random.Random, participant: Participant, weeks_in: float) -> int:
    expected = participant.phq9_baseline + participant.phq9_monthly_change * weeks_in / 4
    return max(0, min(27, round(expected + rng.gauss(0, 2))))


def phq9(rng: random.Random, total: int) -> dict[str, int]:
    """Nine item scores (0-3) summing to ``total``."""
    item9 = 0
    if rng.random() < 0.02 + 0.5 * (total / 27) ** 2:
        item9 = rng.choices([1, 2, 3], weights=[0.65, 0.25, 0.10])[0]
    item9 = max(min(item9, total), total - 24)  # the other eight items hold at most 24
    items = [0] * 8
    for _ in range(total - item9):
        open_items = [i for i, value in enumerate(items) if value < 3]
        items[rng.choice(open_items)] += 1
    return {**{str(i + 1): value for i, value in enumerate(items)}, "9": item9}


def gad7(rng: random.Random, phq9_total_now: int) -> dict[str, int]:
    """Anxiety tracks depression loosely (GAD-7 0-21)."""
    total = max(0, min(21, round(phq9_total_now * 0.7 + rng.gauss(0, 3))))
    items = [0] * 7
    for _ in range(total):
        items[rng.choice([i for i, value in enumerate(items) if value < 3])] += 1
    return {str(i + 1): value for i, value in enumerate(items)}


def cssrs(rng: random.Random, participant: Participant, severity: int, after_item9: bool) -> dict[str, bool]:
    wish = rng.random() < (0.75 if after_item9 else 0.04 + 0.2 * severity / 27)
    thoughts = wish and rng.random() < (0.55 if after_item9 else 0.45)
    answers = {"1": wish, "2": thoughts}
    if thoughts:
        answers |= {"3": rng.random() < 0.35, "4": rng.random() < 0.12, "5": rng.random() < 0.06}
    answers["6"] = participant.lifetime_behavior
    if participant.lifetime_behavior:
        answers["6a"] = participant.recent_behavior
    return answers


def cssrs_level(answers: dict[str, bool]) -> str | None:
    """The risk level the escalation rules give a screener (docs/escalation.md), None if negative."""
    if answers.get("4") or answers.get("5") or (answers.get("6") and answers.get("6a")):
        return "imminent"
    if answers.get("3"):
        return "high"
    if answers.get("6"):
        return "moderate"
    if answers.get("1") or answers.get("2"):
        return "low"
    return None


def phq9_level(item9: int) -> str | None:
    return "high" if item9 >= 2 else "moderate" if item9 == 1 else None


FIRST_NAMES = ["Alex", "Jordan", "Maria", "James", "Aisha", "Luis", "Mei", "Sam", "Priya", "Daniel", "Rosa",
               "Kwame", "Emily", "Carlos", "Fatima", "Noah", "Grace", "Diego", "Hannah", "Omar", "Lucia", "Ethan",
               "Nia", "Javier", "Chloe", "Andre", "Sofia", "Malik", "Ana", "Tyler"]
LAST_NAMES = ["Rivera", "Johnson", "Nguyen", "Smith", "Garcia", "Williams", "Brown", "Martinez", "Davis", "Lopez",
              "Wilson", "Hernandez", "Moore", "Clark", "Lewis", "Walker", "Young", "King", "Scott", "Green",
              "Baker", "Adams", "Nelson", "Hill", "Ramirez", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips"]


def name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
