"""The worker's tables: what each keeps, from which topics, keyed like those topics (co-partitioned).

The worker folds events into these tables; the read API and the feed publisher read the same state
back from each table's changelog topic (compacted, ``<app id>-<table>-changelog``, JSON key and value).
"""

from __future__ import annotations

from dataclasses import dataclass

from peerbridge_shared.events.base import Event
from peerbridge_shared.topics import CARE, CASES, ENROLLMENTS, HOSPITAL, SAFETY, SUPERVISION, Topic, topic_for

from .state import CaseState, ParticipantState, PeerState


@dataclass(frozen=True)
class TableSpec:
    name: str
    topics: tuple[Topic, ...]
    state: type[ParticipantState | CaseState | PeerState]
    key_field: str  # the topics' key, and the state's id field

    def key_of(self, data: Event) -> str | None:
        return getattr(data, self.key_field, None)

    def new(self, organization_id: str, key: str) -> ParticipantState | CaseState | PeerState:
        return self.state(organization_id=organization_id, **{self.key_field: key})

    @property
    def partitions(self) -> int:
        return self.topics[0].partitions

    def changelog(self, app_id: str) -> str:
        return f"{app_id}-{self.name}-changelog"


PARTICIPANTS = TableSpec("participants", (CARE, ENROLLMENTS, SAFETY, HOSPITAL), ParticipantState, "participant_id")
CASES_TABLE = TableSpec("cases", (CASES,), CaseState, "case_id")
PEERS = TableSpec("peers", (SUPERVISION,), PeerState, "peer_id")
TABLES = (PARTICIPANTS, CASES_TABLE, PEERS)


def table_for(data: Event) -> TableSpec | None:
    """The table an event is folded into (by the topic the registry puts it on)."""
    topic = topic_for(data)
    return next((spec for spec in TABLES if topic in spec.topics), None)
