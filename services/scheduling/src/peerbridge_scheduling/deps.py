"""Dependencies every router uses: the database, the verified caller, the clock, publishing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from peerbridge_shared.db import Database
from peerbridge_shared.events import Event, utc_now
from peerbridge_shared.identity import CurrentIdentity, Identity
from peerbridge_shared.outbox import add_event

SOURCE = "/peerbridge/scheduling"
Clock = Callable[[], datetime]


def get_database(request: Request) -> Database:
    return request.app.state.database


def get_clock() -> Clock:
    return utc_now


Db = Annotated[Database, Depends(get_database)]
Caller = CurrentIdentity
Now = Annotated[Clock, Depends(get_clock)]


def publish(session: Session, caller: Identity, data: Event, clock: Clock = utc_now) -> None:
    """Queue an event in the caller's transaction (the outbox), stamped with the caller's tenant."""
    add_event(session, data, tenant=caller.organization_id, source=SOURCE, clock=clock)
