"""FastAPI dependencies every service shares: its database, the verified caller, the clock and the
page of a list (one rule for every list route: ``limit`` 1-500, default 100; ``offset`` from 0).

Tests override ``get_clock`` (``app.dependency_overrides[get_clock] = lambda: my_clock``) to
control "now"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request

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


MAX_PAGE = 500
MAX_OFFSET = 1_000_000  # far past any real list; beyond PostgreSQL's bigint a query would fail
DEFAULT_PAGE = 100
LIMIT_HELP = f"at most this many items (1-{MAX_PAGE})"
OFFSET_HELP = "skip this many items (the Link header names the next page)"
T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    limit: int = DEFAULT_PAGE
    offset: int = 0

    def of(self, query: Any) -> Any:
        """A SQLAlchemy select, limited to this page (its ``order_by`` makes pages stable)."""
        return query.limit(self.limit).offset(self.offset)

    def slice(self, items: Sequence[T]) -> list[T]:
        """This page of a list computed in memory."""
        return list(items[self.offset:self.offset + self.limit])


def get_page(limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description=LIMIT_HELP)] = DEFAULT_PAGE,
             offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description=OFFSET_HELP)] = 0) -> Page:
    return Page(limit, offset)


Paging = Annotated[Page, Depends(get_page)]
