"""The worker takes a batch of events in one transaction, in their order: a participant's signals
in one batch open and then upgrade their case as they would one by one; a batch with an event
that fails is undone and each event goes again on its own (the bad one dead-lettered, the others
applied, in order); an event delivered twice in one batch counts once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from peerbridge_escalation.cases.models import Case
from peerbridge_escalation.settings import EscalationSettings
from peerbridge_escalation.worker import Intake, Record
from peerbridge_shared.events import encode
from peerbridge_shared.events.safety import RiskScreenCompleted, ScreenInstrument

from .conftest import envelope


class Parked:
    def __init__(self) -> None:
        self.offsets: list[int] = []

    def park(self, *, offset: int, **_: object) -> None:
        self.offsets.append(offset)


def _intake(escalation_db) -> Intake:  # noqa: ANN001
    intake = Intake(EscalationSettings(), escalation_db, producer=None)  # type: ignore[arg-type]
    intake.dead_letters = Parked()  # type: ignore[assignment]
    return intake


def _screen(participant: str, item9: int, tenant: str, offset: int) -> Record:
    signal = RiskScreenCompleted(participant_id=participant, screen_id=str(uuid.uuid4()), program_id="prog-1",
                                 instrument=ScreenInstrument.PHQ9_ITEM9, phq9_item9=item9,
                                 completed_at=datetime(2026, 3, 4, 14, tzinfo=UTC), screened_by="peer-1",
                                 positive=True, rule_version="phq9@1:item9>0")
    key, value, headers = encode(envelope(signal, tenant))
    return ("peerbridge.safety", 0, offset, key, value, headers)


def _cases(escalation_db, tenant: str) -> list[tuple[str, str]]:  # noqa: ANN001
    with escalation_db.transaction() as session:
        return [(c.participant_id, c.risk_level) for c in session.scalars(
            select(Case).where(Case.organization_id == tenant).order_by(Case.participant_id))]


def test_a_participants_signals_in_one_batch_open_then_upgrade_their_case(escalation_db, tenant):
    intake = _intake(escalation_db)
    again = _screen("p-a", 1, tenant, 2)
    outcomes = intake.process_batch([_screen("p-a", 1, tenant, 1), again, _screen("p-a", 3, tenant, 3),
                                     _screen("p-b", 2, tenant, 4), again])
    assert outcomes[0] != "duplicate" and outcomes[-1] == "duplicate", outcomes
    assert _cases(escalation_db, tenant) == [("p-a", "high"), ("p-b", "high")], "p-a's moderate case upgraded"
    one_by_one = _intake(escalation_db)
    other = f"{tenant}-alone"
    for offset, item9 in enumerate((1, 3)):
        one_by_one.process_in_order([_screen("p-a", item9, other, offset)])
    assert _cases(escalation_db, tenant)[0][1] == _cases(escalation_db, other)[0][1], "the same as one by one"
    assert intake.stalled_s() == 0


def test_a_batch_with_a_bad_event_is_undone_and_each_event_goes_again_on_its_own(escalation_db, tenant):
    intake = _intake(escalation_db)
    poison = ("peerbridge.safety", 0, 2, b"p-c", b"\xff not an event", [])
    outcomes = intake.process_batch([_screen("p-c", 2, tenant, 1), poison, _screen("p-d", 2, tenant, 3)])
    assert outcomes[1] == "dead_lettered" and intake.dead_letters.offsets == [2]  # type: ignore[attr-defined]
    assert [participant for participant, _risk in _cases(escalation_db, tenant)] == ["p-c", "p-d"]
