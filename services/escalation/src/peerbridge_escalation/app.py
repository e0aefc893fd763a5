"""The escalation HTTP app: `uvicorn peerbridge_escalation.app:create_app --factory --port 8002`."""

from fastapi import FastAPI

from peerbridge_shared.db import Database
from peerbridge_shared.web import create_service_app

from .cases.views import router as cases_router
from .examples import EXAMPLES
from .notify.setup import channels_from
from .rosters.contact_views import router as contacts_router
from .rosters.views import router as rosters_router
from .settings import EscalationSettings, get_settings


def create_app(settings: EscalationSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    database = Database.for_requests(settings.database_url, settings.request_threads)
    app = create_service_app("PeerBridge escalation", settings=settings, readiness={"database": database.ping},
                             request_examples=EXAMPLES)
    app.state.database = database
    app.state.channels = channels_from(settings)
    app.include_router(cases_router)
    app.include_router(rosters_router)
    app.include_router(contacts_router)
    return app
