"""An organization's instrument catalogue, read so that no odd record can break it.

The built-in instruments (PHQ-9, C-SSRS...) are answered from the YAML files alone: a submission of
one never reads the organization's own catalogue, so its risk screen event is published whatever
that catalogue holds. A custom version that no longer validates (stored before a rule existed) is
skipped and logged, never raised. Versions follow one scheme (``VERSION_PATTERN``) and sort
numerically; a retired instrument (``POST /instruments/{code}/retire``) is not offered nor accepted
for new responses, but every version stays readable (responses keep pointing at it)."""

from __future__ import annotations

import logging
import re
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbridge_shared.identity import Identity
from peerbridge_shared.validation import VERSION_PATTERN
from peerbridge_shared.web import Problem, not_found

from .definitions import InstrumentDefinition, built_in
from .models import CustomInstrument
from .retired_models import RetiredInstrument

log = logging.getLogger(__name__)
_VERSION = re.compile(VERSION_PATTERN)


def version_key(version: str) -> tuple:
    """Numeric order for the scheme; anything else (older rows) before it, by text, never a TypeError."""
    if _VERSION.match(version):
        return 1, tuple(int(part) for part in version.split(".")), ""
    return 0, (), version


def _custom(session: Session, organization_id: str, code: str | None = None) -> dict[str, list[InstrumentDefinition]]:
    query = select(CustomInstrument).where(CustomInstrument.organization_id == organization_id)
    if code is not None:
        query = query.where(CustomInstrument.code == code)
    found: dict[str, list[InstrumentDefinition]] = {}
    for row in session.scalars(query):
        try:
            definition = InstrumentDefinition.model_validate(row.definition)
        except ValidationError as exc:
            log.warning("custom instrument skipped: its stored definition no longer validates",
                        extra={"instrument": row.code, "version": row.version, "errors": exc.error_count()})
            continue
        if definition.code in built_in():
            continue  # a built-in is never shadowed
        found.setdefault(definition.code, []).append(definition)
    return {c: sorted(versions, key=lambda d: version_key(d.version)) for c, versions in found.items()}


def retired(session: Session, organization_id: str) -> set[str]:
    return set(session.scalars(select(RetiredInstrument.code).where(
        RetiredInstrument.organization_id == organization_id)))


def catalogue(session: Session, organization_id: str, *, include_retired: bool = False
              ) -> dict[str, list[InstrumentDefinition]]:
    """Every instrument the organization can use, code -> versions (oldest first)."""
    found = {code: [d] for code, d in built_in().items()}
    gone = set() if include_retired else retired(session, organization_id)
    found.update({code: versions for code, versions in _custom(session, organization_id).items() if code not in gone})
    return found


def versions_of(session: Session, organization_id: str, code: str) -> list[InstrumentDefinition]:
    if code in built_in():
        return [built_in()[code]]
    return _custom(session, organization_id, code).get(code, [])


def pick(session: Session, organization_id: str, code: str, version: str | None, *, field: str, status: int,
         for_new_response: bool) -> InstrumentDefinition:
    versions = versions_of(session, organization_id, code)
    if not versions:
        raise not_found(field, "instrument", code, status=status)
    if for_new_response and code not in built_in() and code in retired(session, organization_id):
        raise Problem(422, f"instrument {code} is retired", field=field, rule="not_retired")
    if version is None:
        return versions[-1]
    for definition in versions:
        if definition.version == version:
            return definition
    version_field = "body.version" if field.startswith("body") else "query.version"
    raise not_found(version_field, f"instrument {code} version", version, status=status)


def retire(session: Session, caller: Identity, code: str, now: datetime) -> RetiredInstrument:
    if code in built_in():
        raise Problem(409, f"{code} is a built-in instrument and cannot be retired", field="path.code",
                      rule="not_built_in")
    if not versions_of(session, caller.organization_id, code):
        raise not_found("path.code", "instrument", code)
    row = session.get(RetiredInstrument, (caller.organization_id, code))
    if row is None:
        row = RetiredInstrument(organization_id=caller.organization_id, code=code, retired_by=caller.user_id,
                                retired_at=now)
        session.add(row)
        session.flush()
    return row
