"""IANA time zones from input: an unknown name is a ValueError (so Pydantic answers 422), never the
KeyError ``ZoneInfo`` raises (which would surface as a 500). The rule is
``peerbridge_shared.validation.is_zone`` (the zone database, without ``localtime``/``Factory``)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from .validation import is_zone


def iana_zone(name: str) -> ZoneInfo:
    if not isinstance(name, str) or not is_zone(name):
        raise ValueError(f"time_zone {name!r} is not an IANA time zone")
    return ZoneInfo(name)
