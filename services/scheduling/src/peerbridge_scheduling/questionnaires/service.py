from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from peerbridge_shared.events.care import AssessmentCompleted
from peerbridge_shared.events.safety import RiskScreenCompleted
from peerbridge_shared.identity import Identity
from peerbridge_shared.web import Problem

from ..access import Reach
from ..deps import Clock, publish
from ..participants.service import enrolled_program, own_clinician
from . import catalogue
from .definitions import InstrumentDefinition, built_in
from .models import CustomInstrument, QuestionnaireResponse
from .schemas import ResponseCreate
from .scoring import AnswerError, safety_signal, score, validate


def instruments(*, session: Session, organization_id: str) -> dict[str, list[InstrumentDefinition]]:
    """Every instrument the organization can use, code -> versions (oldest first); see ``catalogue``."""
    return catalogue.catalogue(session, organization_id)


def get_instrument(*, session: Session, organization_id: str, code: str, version: str | None = None,
                   field: str = "path.code", status: int = 404) -> InstrumentDefinition:
    return catalogue.pick(session, organization_id, code, version, field=field, status=status,
                          for_new_response=status == 422)


def add_instrument(*, session: Session, organization_id: str, definition: InstrumentDefinition) -> None:
    if definition.code in built_in():
        raise Problem(409, f"{definition.code} is a built-in instrument; choose another code", field="body.code",
                      rule="unique")
    session.add(CustomInstrument(organization_id=organization_id, code=definition.code, version=definition.version,
                                 definition=definition.model_dump(mode="json")))
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Problem(409, f"{definition.code} version {definition.version} exists; publish a new version",
                      field="body.version", rule="unique") from None


def record_response(*, session: Session, caller: Identity, reach: Reach, data: ResponseCreate,
                    clock: Clock) -> QuestionnaireResponse:
    participant = reach.participant
    program = enrolled_program(session=session, caller=caller, reach=reach, program_id=data.program_id)
    if data.completed_at > clock():
        raise Problem(422, "a questionnaire cannot be completed in the future", field="body.completed_at",
                      rule="not_future")
    definition = get_instrument(session=session, organization_id=caller.organization_id, code=data.instrument,
                                version=data.version, field="body.instrument", status=422)
    try:
        validate(definition, data.answers)
    except AnswerError as exc:
        raise Problem(422, f"item {exc.item}: {exc.message}", field=f"body.answers.{exc.item}", rule=exc.rule) from None
    scored = score(definition, data.answers)
    signal = safety_signal(definition, data.answers)
    response = QuestionnaireResponse(
        organization_id=caller.organization_id, participant_id=participant.id, program_id=program.id,
        instrument=definition.code, instrument_version=definition.version, answers=data.answers,
        total_score=scored.total, band=scored.band, subscales=scored.subscales,
        safety_signal=bool(signal and signal["positive"]), completed_at=data.completed_at,
        administered_by=caller.actor)
    session.add(response)
    session.flush()
    _publish(session, caller, definition, response, scored.item_scores, signal, clock)
    return response


def _publish(session: Session, caller: Identity, definition: InstrumentDefinition, response: QuestionnaireResponse,
             item_scores: dict[str, int], signal: dict[str, object] | None, clock: Clock) -> None:
    if response.total_score is not None:
        publish(session, caller, AssessmentCompleted(
            participant_id=response.participant_id, assessment_id=response.id, program_id=response.program_id,
            instrument=definition.code, instrument_version=definition.version, loinc=definition.loinc,
            item_scores=item_scores, total_score=response.total_score, band=response.band,
            subscales=response.subscales, completed_at=response.completed_at,
            administered_by=response.administered_by), clock)
    if signal is not None:
        publish(session, caller, RiskScreenCompleted(
            participant_id=response.participant_id, screen_id=response.id, program_id=response.program_id,
            instrument=definition.safety.screen, completed_at=response.completed_at,
            screened_by=response.administered_by, assessment_id=response.id, rule_version=definition.rule_version,
            clinician_id=own_clinician(session=session, participant_id=response.participant_id,
                                       program_id=response.program_id), **signal), clock)


def list_responses(*, session: Session, reach: Reach, instrument: str | None) -> list[QuestionnaireResponse]:
    query = select(QuestionnaireResponse).where(QuestionnaireResponse.participant_id == reach.participant.id,
                                                reach.readable(QuestionnaireResponse.program_id))
    if instrument:
        query = query.where(QuestionnaireResponse.instrument == instrument)
    return list(session.scalars(query.order_by(QuestionnaireResponse.completed_at)))
