"""Read back every write the gateway acknowledged: after a fault, each record the simulator was told
exists must still be there (a 2xx the platform then forgot is a lost write).

Each acknowledged write is matched to a read of the record it created or changed, as the program
admin: the record by its id, or the participant's list that must hold it. Writes to cases are
compared by ``check`` (each case's level and status); writes with no read in the public API
(consents, training, supervision logs, rosters, series, goal status, hospital encounters) are
counted as unverifiable, not as kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .client import ApiError, Write

if TYPE_CHECKING:
    from .simulation import Simulation

ID = r"([^/]+)"
Read = Callable[["Simulation", re.Match, Write], bool]
LIST_PAGE = 500  # the API's largest page


def _by_id(template: str) -> Read:
    """GET ``template`` (``{0}`` the path's id, ``{id}`` the record id) answers 200."""
    def read(sim: Simulation, match: re.Match, write: Write) -> bool:
        return _get(sim, template.format(*match.groups(), id=write.record_id)) is not None
    return read


def _in_list(template: str) -> Read:
    """GET ``template`` lists the record id (on any of its pages)."""
    def read(sim: Simulation, match: re.Match, write: Write) -> bool:
        path, offset = template.format(*match.groups()), 0
        while True:
            listed = _get(sim, path, limit=LIST_PAGE, offset=offset) or []
            if any(item.get("id") == write.record_id for item in listed):
                return True
            if len(listed) < LIST_PAGE:
                return False
            offset += LIST_PAGE
    return read


RULES: list[tuple[str, re.Pattern, Read]] = [
    ("POST", re.compile(r"/programs"), _by_id("/programs/{id}")),
    ("POST", re.compile(rf"/programs/{ID}/sites"), _in_list("/programs/{0}/sites")),
    ("POST", re.compile(r"/peers"), _by_id("/peers/{id}")),
    ("POST", re.compile(r"/participants"), _by_id("/participants/{id}")),
    ("POST", re.compile(r"/enrollments"), _by_id("/enrollments/{id}")),
    ("POST", re.compile(rf"/enrollments/{ID}/end"), _by_id("/enrollments/{0}")),
    ("PUT", re.compile(rf"/enrollments/{ID}/peer"), _by_id("/enrollments/{0}")),
    ("POST", re.compile(r"/sessions"), _by_id("/sessions/{id}")),
    ("POST", re.compile(rf"/sessions/{ID}/cancel"), _by_id("/sessions/{0}")),
    ("POST", re.compile(rf"/sessions/{ID}/attendance"), _by_id("/sessions/{0}/attendance")),
    ("POST", re.compile(rf"/participants/{ID}/contacts"), _by_id("/contacts/{id}")),
    ("POST", re.compile(rf"/contacts/{ID}/sign"), _by_id("/contacts/{0}")),
    ("POST", re.compile(rf"/participants/{ID}/goals"), _in_list("/participants/{0}/goals")),
    ("POST", re.compile(rf"/participants/{ID}/questionnaire-responses"),
     _in_list("/participants/{0}/questionnaire-responses")),
    ("POST", re.compile(rf"/participants/{ID}/safety-concerns"), _in_list("/participants/{0}/safety-concerns")),
    ("POST", re.compile(rf"/participants/{ID}/safety-plans"), _by_id("/participants/{0}/safety-plan")),
]
CASE_WRITE = re.compile(r"/cases/.*")


@dataclass
class LedgerReport:
    kept: int = 0
    lost: list[Write] = field(default_factory=list)
    by_case_check: int = 0  # writes to cases: compared by ``check``
    unverifiable: int = 0

    @property
    def summary(self) -> str:
        return (f"{self.kept} acknowledged writes read back, {len(self.lost)} lost, {self.by_case_check} case writes "
                f"checked with the cases, {self.unverifiable} with no read in the API")


def read_back(sim: Simulation) -> LedgerReport:
    report = LedgerReport()
    for write in list(sim.gateway.ledger):
        if CASE_WRITE.fullmatch(write.path):
            report.by_case_check += 1
            continue
        rule = _rule_for(write)
        if rule is None:
            report.unverifiable += 1
        elif rule[1](sim, rule[0], write):
            report.kept += 1
        else:
            report.lost.append(write)
    return report


def _rule_for(write: Write) -> tuple[re.Match, Read] | None:
    for method, pattern, read in RULES:
        if method == write.method and (match := pattern.fullmatch(write.path)):
            return match, read
    return None


def _get(sim: Simulation, path: str, **params: Any) -> Any:
    """The record, or None when the platform answers 404."""
    try:
        return sim.gateway.get(sim.admin, path, **params)
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise
