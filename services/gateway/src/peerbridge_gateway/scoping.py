"""Narrow a request to the caller's scope before it reaches a service: the first line only.

The services enforce the whole scope themselves (``peerbridge_shared.scope``): the gateway passes
them the caller's complete identity (organization, roles, user, programs, on-behalf-of) and asks
its questions below with that identity too. Before that, the gateway checks
the route's owner: a participant's enrollments (a peer must be their assigned peer, a clinician or
supervisor must work in one of their programs), a session's or contact note's program and peers, a
program id, the
caller's own id, or list filters. A record outside the caller's scope answers 404, exactly as a
record that does not exist, so its existence is not disclosed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from peerbridge_shared.identity import Identity
from peerbridge_shared.web import Problem, not_found

from .access import Owner, Scope
from .catalog import SCHEDULING, Route
from .upstream import Upstreams


async def narrow(route: Route, scope: Scope, caller: Identity, path: Mapping[str, str], query: dict[str, Any],
                 upstreams: Upstreams) -> dict[str, Any]:
    """Refuse what is outside the caller's scope; returns the query to forward (list filters applied)."""
    if scope is Scope.ORGANIZATION or route.owner is Owner.CASE:
        return query  # escalation itself filters cases by the programs in the internal token
    if route.owner is Owner.LISTING:
        return _narrow_listing(scope, caller, query)
    if route.owner is Owner.PROGRAM:
        _require(path["program_id"] in (caller.programs or ()), "path.program_id", "program", path["program_id"])
    elif route.owner is Owner.SELF:
        name = route.path_params[0]  # the person the path is about (a clinician's own contacts...)
        _require(path[name] == caller.user_id, f"path.{name}", name.removesuffix("_id"), path[name])
    elif route.owner is Owner.PARTICIPANT:
        await _check_participant(scope, caller, path["participant_id"], upstreams)
    elif route.owner is Owner.SESSION:
        await _check_session(scope, caller, path["session_id"], upstreams)
    elif route.owner is Owner.CONTACT:
        await _check_contact(scope, caller, path["contact_id"], upstreams)
    else:
        raise Problem(403, "this route is open to the whole organization only", rule="scope")
    return query


def _require(allowed: bool, field: str, kind: str, value: str) -> None:
    if not allowed:
        raise not_found(field, kind, value)


def _narrow_listing(scope: Scope, caller: Identity, query: dict[str, Any]) -> dict[str, Any]:
    if scope is Scope.OWN:
        if query.get("peer_id") not in (None, caller.user_id):
            raise Problem(403, "a peer sees only their own caseload", field="query.peer_id", rule="own_caseload")
        return {**query, "peer_id": caller.user_id}
    mine = caller.programs or frozenset()
    wanted = query.get("program_id")
    if isinstance(wanted, list):  # a filter of several programs: all of the caller's by default
        asked = set(wanted) or set(mine)
        if asked and asked <= mine:
            return {**query, "program_id": sorted(asked)}
    elif wanted in mine:
        return query
    raise Problem(403, "name one of your programs", field="query.program_id", rule="your_programs")


async def _check_participant(scope: Scope, caller: Identity, participant_id: str, upstreams: Upstreams) -> None:
    filters: dict[str, Any] = {"participant_id": participant_id, "limit": 500}
    if scope is Scope.OWN:
        filters |= {"peer_id": caller.user_id, "active": "true"}
    else:
        if not caller.programs:
            raise not_found("path.participant_id", "participant", participant_id)
        filters["program_id"] = sorted(caller.programs)
    found = await upstreams.json(SCHEDULING, "/enrollments", identity=caller, params=filters)
    _require(bool(found), "path.participant_id", "participant", participant_id)


async def _check_session(scope: Scope, caller: Identity, session_id: str, upstreams: Upstreams) -> None:
    """Asked with the caller's own identity: scheduling answers only a session the caller may see."""
    session = await upstreams.json(SCHEDULING, f"/sessions/{quote(session_id, safe='')}", identity=caller)
    if scope is Scope.OWN:
        allowed = session is not None and caller.user_id in session.get("peer_ids", [])
    else:
        allowed = session is not None and session.get("program_id") in (caller.programs or ())
    _require(allowed, "path.session_id", "session", session_id)


async def _check_contact(scope: Scope, caller: Identity, contact_id: str, upstreams: Upstreams) -> None:
    """Asked with the caller's own identity: scheduling answers only a note the caller may read (their
    programs', or one disclosed to them under a 42 CFR Part 2 consent), and decides who may write."""
    contact = await upstreams.json(SCHEDULING, f"/contacts/{quote(contact_id, safe='')}", identity=caller)
    _require(contact is not None, "path.contact_id", "contact", contact_id)
