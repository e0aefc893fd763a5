"""FastAPI dependencies every service shares: its database, the verified caller and the clock.

Tests override ``get_clock`` (``app.dependency_overrides[get_clock] = lambda: my_clock``) to
control "now"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from .db import Database
from .events import utc_now
from .identity import CurrentIdentity

Clock = Callable[[], datetime]


def get_database(request: Request) -> Database:
    return request.app.state.database


def get_clock() -> Clock:
    return utc_now


Db = Annotated[Database, Depends(get_database)]
Caller = CurrentIdentity
Now = Annotated[Clock, Depends(get_clock)]
