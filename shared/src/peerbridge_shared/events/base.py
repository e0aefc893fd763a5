"""Base class of every event payload, and the registry of event types by name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timezone-aware instant, normalised to UTC. Naive datetimes are refused."""

EVENT_TYPES: dict[str, type["Event"]] = {}


class Event(BaseModel):
    """One event type: a Pydantic model whose ``type_name`` is its CloudEvents ``type``.

    Consumers ignore fields they do not know, so a type may gain optional fields
    without a new version; anything else is a new ``.vN`` type.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    type_name: ClassVar[str]
    summary: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("type_name")
        if name is None:
            return
        if name in EVENT_TYPES:
            raise TypeError(f"event type {name} registered twice")
        if not name.startswith("org.peerbridge.") or not name.rsplit(".", 1)[-1].startswith("v"):
            raise TypeError(f"event type {name} must look like org.peerbridge.<...>.vN")
        EVENT_TYPES[name] = cls


def event_type(name: str) -> type[Event]:
    try:
        return EVENT_TYPES[name]
    except KeyError:
        raise KeyError(f"unknown event type {name!r}") from None
