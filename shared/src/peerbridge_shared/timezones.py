"""IANA time zones from input: an unknown name is a ValueError (so Pydantic answers 422), never the
KeyError ``ZoneInfo`` raises (which would surface as a 500)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def iana_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"time_zone {name!r} is not an IANA time zone") from None
