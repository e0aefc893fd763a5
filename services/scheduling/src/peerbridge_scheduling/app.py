"""The scheduling HTTP app: `uvicorn peerbridge_scheduling.app:create_app --factory --port 8001`."""

from fastapi import FastAPI

from peerbridge_shared.db import Database
from peerbridge_shared.web import create_service_app

from .settings import SchedulingSettings, get_settings


def create_app(settings: SchedulingSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    database = Database(settings.database_url)
    app = create_service_app("PeerBridge scheduling", readiness={"database": database.ping})
    app.state.settings = settings
    app.state.database = database
    return app
