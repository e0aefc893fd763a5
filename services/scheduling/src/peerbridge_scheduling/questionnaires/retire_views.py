"""Retiring an instrument (never deleting it): see ``catalogue``."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from peerbridge_shared.validation import Id

from ..deps import Caller, Db, Now
from . import catalogue

router = APIRouter(tags=["questionnaires"])


class InstrumentRetired(BaseModel):
    code: str
    retired_by: str
    retired_at: datetime


@router.post("/instruments/{code}/retire", responses={409: {"description": "a built-in instrument"}})
def retire_instrument(code: Id, caller: Caller, db: Db, now: Now) -> InstrumentRetired:
    """No new responses with it; every version stays readable, and responses keep pointing at theirs."""
    with db.transaction() as session:
        row = catalogue.retire(session, caller, code, now())
        return InstrumentRetired(code=row.code, retired_by=row.retired_by, retired_at=row.retired_at)
