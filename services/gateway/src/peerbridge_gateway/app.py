"""The gateway HTTP app: `uvicorn peerbridge_gateway.app:create_app --factory --port 8000`."""

from fastapi import FastAPI
from redis import Redis

from peerbridge_shared.web import create_service_app

from .settings import GatewaySettings, get_settings


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    redis = Redis.from_url(settings.redis_url, socket_timeout=2)
    app = create_service_app("PeerBridge gateway", settings=settings, readiness={"redis": redis.ping})
    app.state.redis = redis
    return app
