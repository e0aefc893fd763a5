"""The scheduling HTTP app: `uvicorn peerbridge_scheduling.app:create_app --factory --port 8001`."""

from fastapi import FastAPI

from peerbridge_shared.db import Database
from peerbridge_shared.web import create_service_app

from .attendance.views import router as attendance
from .contacts.views import router as contacts
from .examples import EXAMPLES
from .fhir.views import router as fhir
from .goals.views import router as goals
from .hospital.views import router as hospital
from .participants.views import router as participants
from .programs.views import router as programs
from .questionnaires.retire_views import router as instrument_retirement
from .questionnaires.views import router as questionnaires
from .reminders.views import router as reminders
from .safety.views import router as safety
from .sessions.views import router as sessions
from .settings import SchedulingSettings, get_settings
from .workforce.views import router as workforce


def create_app(settings: SchedulingSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    database = Database.for_requests(settings.database_url, settings.request_threads)
    app = create_service_app("PeerBridge scheduling", settings=settings, readiness={"database": database.ping},
                             request_examples=EXAMPLES)
    app.state.database = database
    for router in (programs, workforce, participants, sessions, attendance, contacts, goals, questionnaires,
                   instrument_retirement, safety, hospital, fhir, reminders):
        app.include_router(router)
    return app
