"""The metrics HTTP app: `uvicorn peerbridge_metrics.app:create_app --factory --port 8003`."""

from fastapi import FastAPI

from peerbridge_shared.db import Database
from peerbridge_shared.web import create_service_app

from .settings import MetricsSettings, get_settings


def create_app(settings: MetricsSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    database = Database(settings.database_url)
    app = create_service_app("PeerBridge metrics", settings=settings, readiness={"database": database.ping})
    app.state.database = database
    return app
