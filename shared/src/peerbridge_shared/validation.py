"""The one input-validation layer: Annotated types every request schema uses for what it accepts.

Each refusal is a Pydantic error whose type is the rule's name (``iana_zone``, ``instant_range``,
``unicode``, ``id_pattern``, ``not_blank``, ``email``, ``e164``, ``endpoint``...), so every service
answers 422 problem+json naming the field and the rule (``peerbridge_shared.web``).

- ``Zone``: an IANA zone of the zone database (not ``localtime``, ``Factory``, ``posixrules``, a
  directory prefix such as ``America``, nor longer than 64 characters).
- ``Instant`` / ``Day``: inside 1900-01-01 .. 2100-12-31 (an instant in any offset, so converting it
  to UTC or adding a few days can never overflow).
- ``Text`` / ``Name``: valid Unicode (no lone surrogates), no NUL or other control characters
  (``Text`` keeps tab and line breaks); a ``Name`` is not blank and is stripped.
- ``Id``: ``[A-Za-z0-9][A-Za-z0-9._:-]{0,63}`` (no slash, dot segment or control character can reach
  a URL or a query).
- ``Finite``: a float that is neither NaN nor infinite.
- ``EmailAddress`` (email-validator), ``PhoneE164`` (phonenumbers), ``WebhookUrl`` (https URL syntax;
  the public-address rule needs DNS and is applied by ``peerbridge_shared.endpoints``).
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache
from typing import Annotated
from zoneinfo import available_timezones

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, AwareDatetime, Field
from pydantic_core import PydanticCustomError

from .endpoints import EndpointRefused, check_syntax

EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
_ID = re.compile(ID_PATTERN)
NOT_ZONES = {"localtime", "Factory", "posixrules"}
_ZONE_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$")


def refuse(rule: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(rule, message)


@lru_cache(maxsize=1)
def iana_zones() -> frozenset[str]:
    return frozenset(available_timezones() - NOT_ZONES)


def is_zone(name: str) -> bool:
    return len(name) <= 64 and bool(_ZONE_SHAPE.match(name)) and name in iana_zones()


def _zone(value: str) -> str:
    if not isinstance(value, str) or not is_zone(value):
        raise refuse("iana_zone", "must be an IANA time zone of the zone database, e.g. America/New_York")
    return value


def _instant(value: datetime) -> datetime:
    if not EARLIEST <= value.date() <= LATEST:
        raise refuse("instant_range", f"must be between {EARLIEST} and {LATEST}")
    return value


def _day(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise refuse("date_range", f"must be between {EARLIEST} and {LATEST}")
    return value


def unicode_problem(value: str, *, multiline: bool = True) -> str | None:
    """Why ``value`` is not acceptable text, or None."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (no lone surrogates)"
    allowed = "\t\n\r" if multiline else ""
    for char in value:
        if char not in allowed and unicodedata.category(char) == "Cc":
            return "must not contain NUL or other control characters"
    return None


def _text(value: str) -> str:
    problem = unicode_problem(value)
    if problem:
        raise refuse("unicode", problem)
    return value


def _line(value: str) -> str:
    problem = unicode_problem(value, multiline=False)
    if problem:
        raise refuse("unicode", problem)
    return value


def _name(value: str) -> str:
    _line(value)
    if not value.strip():
        raise refuse("not_blank", "must not be blank")
    return value.strip()


def _id(value: str) -> str:
    if not _ID.match(value):
        raise refuse("id_pattern", f"must match {ID_PATTERN}")
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise refuse("finite", "must be a finite number")
    return value


def _email(value: str) -> str:
    _line(value)
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise refuse("email", f"not a usable e-mail address: {exc}") from None


def e164(value: str) -> str:
    """The number in E.164, or ValueError."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValueError("not an international phone number (E.164, e.g. +19195550100)") from None
    if not value.startswith("+") or not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number in E.164 (e.g. +19195550100)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone(value: str) -> str:
    _line(value)
    try:
        return e164(value)
    except ValueError as exc:
        raise refuse("e164", str(exc)) from None


def _url(value: str) -> str:
    _line(value)
    try:
        return check_syntax(value)
    except EndpointRefused as refused:
        raise refuse(refused.rule, refused.detail) from None


Zone = Annotated[str, Field(max_length=64, examples=["America/New_York"]), AfterValidator(_zone)]
Instant = Annotated[AwareDatetime, AfterValidator(_instant)]
Day = Annotated[date, AfterValidator(_day)]
Text = Annotated[str, AfterValidator(_text)]
Line = Annotated[str, AfterValidator(_line)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_name)]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN), AfterValidator(_id)]
VERSION_PATTERN = r"^[0-9]{1,6}(\.[0-9]{1,6}){0,2}$"
InstrumentVersion = Annotated[str, Field(min_length=1, max_length=20, pattern=VERSION_PATTERN,
                                         description="1, 1.2 or 1.2.3 (compared numerically)")]
Finite = Annotated[float, Field(allow_inf_nan=False), AfterValidator(_finite)]
EmailAddress = Annotated[str, Field(max_length=254), AfterValidator(_email)]
PhoneE164 = Annotated[str, Field(max_length=20), AfterValidator(_phone)]
WebhookUrl = Annotated[str, Field(max_length=2000), AfterValidator(_url)]
