"""A batch folds each key once: every event of a participant in order into one state, one write per
changed key (its JSON), made as the key's own event (Faust takes the store's and changelog's
partition from it); an event whose fold fails is dead-lettered and never leaves a half-applied
state behind. The states folded are kept for the next batches and forgotten on a rebalance."""

from __future__ import annotations

import asyncio
from datetime import date
from types import SimpleNamespace

from faust.streams import current_event

from peerbridge_metrics.state import ParticipantState
from peerbridge_metrics.tables import PARTICIPANTS
from peerbridge_metrics.worker import Batch, FoldedStates
from peerbridge_shared.events import encode, new_envelope
from peerbridge_shared.events.scheduling import ParticipantEnrolled


class Table(dict):
    """A table that notes the partition of the current event at each read and write."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[tuple[str, int]] = []
        self.writes: list[tuple[str, int]] = []

    def get(self, key, default=None):  # noqa: ANN001, ANN201
        self.reads.append((key, current_event().message.partition))
        return super().get(key, default)

    def __setitem__(self, key, value) -> None:  # noqa: ANN001
        self.writes.append((key, current_event().message.partition))
        super().__setitem__(key, value)


class Parked(list):
    def park(self, *, offset: int, **_: object) -> None:
        self.append(offset)


class Event:  # Faust's events can be weakly referenced (as the current event); a namespace cannot
    def __init__(self, message: SimpleNamespace) -> None:
        self.message = message


def _event(participant: str, enrollment: str, partition: int, offset: int) -> Event:
    data = ParticipantEnrolled(participant_id=participant, enrollment_id=enrollment, program_id="prog-1", site_id="s",
                               enrolled_on=date(2026, 3, 2))
    key, value, headers = encode(new_envelope(data, tenant="org-1", source="/test", subject=participant))
    return Event(SimpleNamespace(topic="peerbridge.enrollments", partition=partition, offset=offset, key=key,
                                 value=value, headers=headers))


def test_each_key_is_read_and_written_once_per_batch_in_its_own_partition():
    table, parked = Table(), Parked()
    events = [_event("p-1", "e-1", 4, 10), _event("p-2", "e-2", 7, 3), _event("p-1", "e-3", 4, 11)]
    asyncio.run(Batch(PARTICIPANTS, table, parked).fold(events))  # type: ignore[arg-type]
    assert sorted(table.reads) == [("p-1", 4), ("p-2", 7)] and sorted(table.writes) == [("p-1", 4), ("p-2", 7)]
    assert sorted(ParticipantState.model_validate_json(table["p-1"]).enrollments) == ["e-1", "e-3"]
    assert parked == []


def test_a_failing_fold_is_dead_lettered_and_leaves_no_half_applied_state(monkeypatch):
    table, parked = Table(), Parked()
    real = ParticipantState.apply

    def breaks_on_e2(self, envelope):  # noqa: ANN001, ANN202
        changed = real(self, envelope)
        if envelope.data.enrollment_id == "e-2":
            raise RuntimeError("a bug after half the work")
        return changed

    monkeypatch.setattr(ParticipantState, "apply", breaks_on_e2)
    events = [_event("p-1", "e-1", 0, 1), _event("p-1", "e-2", 0, 2), _event("p-1", "e-3", 0, 3)]
    asyncio.run(Batch(PARTICIPANTS, table, parked).fold(events))  # type: ignore[arg-type]
    assert parked == [2]
    assert sorted(ParticipantState.model_validate_json(table["p-1"]).enrollments) == ["e-1", "e-3"]
    assert table.writes == [("p-1", 0)]


def test_kept_states_spare_the_next_batch_its_reads_until_partitions_are_revoked():
    table, parked, kept = Table(), Parked(), FoldedStates(most=10)
    asyncio.run(Batch(PARTICIPANTS, table, parked, kept).fold([_event("p-1", "e-1", 0, 1)]))
    asyncio.run(Batch(PARTICIPANTS, table, parked, kept).fold([_event("p-1", "e-2", 0, 2)]))
    assert table.reads == [("p-1", 0)], "the second batch folded the kept state"
    assert sorted(ParticipantState.model_validate_json(table["p-1"]).enrollments) == ["e-1", "e-2"]
    kept.clear()  # partitions revoked: another worker folds p-1 meanwhile
    asyncio.run(Batch(PARTICIPANTS, table, parked).fold([_event("p-1", "e-9", 0, 9)]))
    asyncio.run(Batch(PARTICIPANTS, table, parked, kept).fold([_event("p-1", "e-3", 0, 3)]))
    assert sorted(ParticipantState.model_validate_json(table["p-1"]).enrollments) == ["e-1", "e-2", "e-3", "e-9"]


def test_a_batch_begun_before_a_rebalance_keeps_nothing_and_a_failed_batch_leaves_nothing():
    kept = FoldedStates(most=10)
    batch = Batch(PARTICIPANTS, Table(), Parked(), kept)
    kept.clear()
    asyncio.run(batch.fold([_event("p-1", "e-1", 0, 1)]))
    assert kept.take("p-1") is None
    table = Table()
    asyncio.run(Batch(PARTICIPANTS, table, Parked(), kept).fold([_event("p-1", "e-1", 0, 1)]))
    taken = kept.take("p-1")
    assert taken is not None and kept.take("p-1") is None, "a batch takes a state out while it folds it"


def test_only_the_most_recently_used_states_are_kept():
    kept = FoldedStates(most=2)
    kept.put_back({"a": 1, "b": 2}, kept.generation)
    kept.put_back({"a": 1}, kept.generation)
    kept.put_back({"c": 3}, kept.generation)
    assert (kept.take("b"), kept.take("a"), kept.take("c")) == (None, 1, 3)
