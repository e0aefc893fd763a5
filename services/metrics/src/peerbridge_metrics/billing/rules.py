"""Billable units of peer contacts under a payer's rules, and why a contact is not billable.

Pure functions: the live Faust tables and the batch reference recomputation both call them.
Units are applied in date-of-service order per participant, so daily, episode and authorized-unit
caps fall on the latest contacts, as a payer would see them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

TELEHEALTH_PLACES = {"02", "10"}


class NotBillable(StrEnum):
    UNSIGNED_NOTE = "unsigned_note"
    EXPIRED_CREDENTIAL = "expired_credential"
    NO_SUPERVISION = "no_supervision"
    NO_ACTIVE_ENROLLMENT = "no_active_enrollment"
    NO_PAYER = "no_payer"
    UNKNOWN_PAYER = "unknown_payer"
    BELOW_MINIMUM = "below_minimum_minutes"
    DAILY_CAP = "daily_cap"
    EPISODE_CAP = "episode_cap"
    AUTHORIZED_UNITS_USED = "authorized_units_used"


class PayerRules(BaseModel):
    name: str
    code: str = "H0038"
    rounding: Literal["eight_minute", "full_unit"]
    unit_minutes: int = Field(default=15, ge=1)
    daily_cap_units: int | None = Field(default=None, ge=1)
    episode_cap_units: int | None = Field(default=None, ge=1)
    rates: dict[Literal["base", "group"], float]
    modifiers: dict[Literal["group", "telehealth", "substance_use"], str] = {}

    def units(self, minutes: int) -> int:
        if self.rounding == "full_unit":
            return minutes // self.unit_minutes
        half = self.unit_minutes // 2  # Medicare-style: a unit needs more than half of it (8 of 15 minutes)
        return (minutes + self.unit_minutes - half - 1) // self.unit_minutes if minutes > half else 0


class PayerPolicies(BaseModel):
    payers: dict[str, PayerRules]


@cache
def load_policies(path: str | None = None) -> PayerPolicies:
    source = Path(path) if path else Path(__file__).with_name("payers.yaml")
    return PayerPolicies.model_validate(yaml.safe_load(source.read_text()))


@dataclass(frozen=True)
class Contact:
    """The billing facts of one documented contact (from PeerContactDocumented)."""

    contact_id: str
    participant_id: str
    payer_id: str | None
    day: date
    minutes: int
    group: bool
    place_of_service: str
    note_signed: bool
    credential_valid: bool
    supervision_current: bool
    enrollment_active: bool
    substance_use_program: bool = False


@dataclass
class Line:
    contact_id: str
    payer_id: str | None
    units: int = 0
    code: str | None = None
    modifiers: list[str] = field(default_factory=list)
    amount: float = 0.0
    not_billable: NotBillable | None = None
    non_billable_minutes: int = 0


def _precondition(contact: Contact, payers: PayerPolicies) -> NotBillable | None:
    checks = [(contact.note_signed, NotBillable.UNSIGNED_NOTE), (contact.credential_valid,
               NotBillable.EXPIRED_CREDENTIAL), (contact.supervision_current, NotBillable.NO_SUPERVISION),
              (contact.enrollment_active, NotBillable.NO_ACTIVE_ENROLLMENT), (contact.payer_id is not None,
               NotBillable.NO_PAYER), (contact.payer_id in payers.payers, NotBillable.UNKNOWN_PAYER)]
    return next((reason for ok, reason in checks if not ok), None)


def bill(contacts: Iterable[Contact], payers: PayerPolicies,
         authorized_units: dict[str, int | None] | None = None) -> list[Line]:
    """One line per contact; ``authorized_units`` maps participant id to units authorized (None: no limit)."""
    authorized = authorized_units or {}
    per_day: dict[tuple[str, date], int] = defaultdict(int)
    per_episode: dict[str, int] = defaultdict(int)
    lines = []
    for contact in sorted(contacts, key=lambda c: (c.day, c.contact_id)):
        line = Line(contact.contact_id, contact.payer_id)
        lines.append(line)
        reason = _precondition(contact, payers)
        if reason is not None:
            line.not_billable, line.non_billable_minutes = reason, contact.minutes
            continue
        rules = payers.payers[contact.payer_id]
        wanted = rules.units(contact.minutes)
        if wanted == 0:
            line.not_billable, line.non_billable_minutes = NotBillable.BELOW_MINIMUM, contact.minutes
            continue
        limits = [(rules.daily_cap_units, per_day[(contact.participant_id, contact.day)], NotBillable.DAILY_CAP),
                  (rules.episode_cap_units, per_episode[contact.participant_id], NotBillable.EPISODE_CAP),
                  (authorized.get(contact.participant_id), per_episode[contact.participant_id],
                   NotBillable.AUTHORIZED_UNITS_USED)]
        units, limited_by = wanted, None
        for cap, used, reason in limits:
            if cap is not None and used + units > cap:
                units, limited_by = max(cap - used, 0), reason
        per_day[(contact.participant_id, contact.day)] += units
        per_episode[contact.participant_id] += units
        line.units, line.code = units, rules.code
        line.modifiers = [m for flag, m in ((contact.group, rules.modifiers.get("group")),
                                            (contact.place_of_service in TELEHEALTH_PLACES,
                                             rules.modifiers.get("telehealth")),
                                            (contact.substance_use_program, rules.modifiers.get("substance_use")))
                          if flag and m]
        line.amount = round(units * rules.rates["group" if contact.group else "base"], 2)
        if limited_by is not None:
            line.not_billable = limited_by
            line.non_billable_minutes = (wanted - units) * rules.unit_minutes
    return lines
