"""Billable units per payer rule (DOMAIN.md), caps, modifiers, amounts, and non-billable reasons."""

from dataclasses import replace
from datetime import date

import pytest

from peerbridge_metrics.billing.rules import Contact, NotBillable, bill, load_policies

POLICIES = load_policies()
DAY = date(2026, 3, 2)


def contact(i=1, minutes=38, payer="medicaid-nc", day=DAY, participant="p-1", **facts):
    base = dict(contact_id=f"c-{i:03d}", participant_id=participant, payer_id=payer, day=day, minutes=minutes,
                group=False, place_of_service="53", note_signed=True, credential_valid=True,
                supervision_current=True, enrollment_active=True)
    return Contact(**{**base, **facts})


@pytest.mark.parametrize(("minutes", "units"), [(0, 0), (7, 0), (8, 1), (22, 1), (23, 2), (37, 2), (38, 3),
                                                (52, 3), (53, 4), (67, 4), (68, 5)])
def test_the_eight_minute_rule(minutes, units):
    assert POLICIES.payers["medicaid-nc"].units(minutes) == units


@pytest.mark.parametrize(("minutes", "units"), [(14, 0), (15, 1), (29, 1), (30, 2), (59, 3), (60, 4)])
def test_the_full_fifteen_minute_rule(minutes, units):
    assert POLICIES.payers["medicaid-or"].units(minutes) == units


def test_amounts_and_modifiers_follow_the_payer():
    [one, group, video] = bill([contact(1, 38), contact(2, 60, group=True), contact(3, 15, place_of_service="02",
                                                                                 substance_use_program=True)], POLICIES)
    assert (one.code, one.units, one.amount, one.modifiers) == ("H0038", 3, 35.91, [])
    assert (group.units, group.amount, group.modifiers) == (4, 11.52, ["HQ"])
    assert (video.units, video.modifiers) == (1, ["GT", "HF"])


@pytest.mark.parametrize(("facts", "reason"), [
    ({"note_signed": False}, NotBillable.UNSIGNED_NOTE),
    ({"credential_valid": False}, NotBillable.EXPIRED_CREDENTIAL),
    ({"supervision_current": False}, NotBillable.NO_SUPERVISION),
    ({"enrollment_active": False}, NotBillable.NO_ACTIVE_ENROLLMENT),
    ({"payer": None}, NotBillable.NO_PAYER),
    ({"payer": "acme-health"}, NotBillable.UNKNOWN_PAYER),
    ({"minutes": 7}, NotBillable.BELOW_MINIMUM),
])
def test_non_billable_contacts_are_counted_with_their_reason(facts, reason):
    [line] = bill([contact(**facts)], POLICIES)
    assert (line.units, line.not_billable, line.non_billable_minutes) == (0, reason, contact(**facts).minutes)


def test_the_daily_cap_falls_on_the_later_contacts_of_the_day():
    lines = bill([contact(i, 68) for i in range(1, 5)], POLICIES)  # 5 units each; NC caps at 16 a day
    assert [line.units for line in lines] == [5, 5, 5, 1]
    assert (lines[3].not_billable, lines[3].non_billable_minutes) == (NotBillable.DAILY_CAP, 60)
    next_day = bill([contact(1, 68), replace(contact(2, 68), day=date(2026, 3, 3))], POLICIES)
    assert [line.units for line in next_day] == [5, 5]


def test_episode_cap_and_authorized_units():
    weekly = [contact(i, 68, day=date(2026, 3, i)) for i in range(1, 7)]  # 5 units a day, six days
    assert [line.units for line in bill(weekly, POLICIES)] == [5, 5, 5, 5, 4, 0], "NC: 24 units per episode"
    authorized = bill(weekly, POLICIES, authorized_units={"p-1": 12})
    assert [line.units for line in authorized] == [5, 5, 2, 0, 0, 0]
    assert authorized[2].not_billable == NotBillable.AUTHORIZED_UNITS_USED
    oregon = bill([replace(c, payer_id="medicaid-or") for c in weekly], POLICIES)
    assert [line.units for line in oregon] == [4] * 6, "no cap configured for this payer"


def test_caps_are_per_participant_and_order_independent():
    mixed = [contact(i, 68, participant=f"p-{i % 2}") for i in range(1, 9)]
    forward, backward = bill(mixed, POLICIES), bill(list(reversed(mixed)), POLICIES)
    assert [(x.contact_id, x.units) for x in forward] == [(x.contact_id, x.units) for x in backward]
    assert sum(line.units for line in forward) == 32
