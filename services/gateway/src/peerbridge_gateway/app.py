"""The gateway HTTP app: `python -m peerbridge_gateway` (or `uvicorn peerbridge_gateway.app:create_app
--factory --port 8000`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI
from pydantic import BaseModel, Field
from redis.asyncio import Redis as AsyncRedis
from starlette.middleware.cors import CORSMiddleware

from peerbridge_shared.web import create_service_app, problem_responses

from .audit import PhiAudit
from .auth.issuers import TrustedIssuers, trusted_issuers
from .auth.tokens import VerifiedTokens
from .callers import CurrentCaller
from .catalog import ROUTES
from .edge import REQUEST_ID, EdgeMiddleware
from .idempotency import IdempotencyKeys
from .openapi import document_contracts
from .proxy import PREFIX, build_router
from .ratelimit import RateLimiter
from .realtime import views as realtime
from .realtime.hub import Hub
from .realtime.streams import EventLog, Keys
from .redis_clients import RETRIED as REDIS_DOWN
from .redis_clients import async_redis_client, redis_client
from .settings import GatewaySettings, get_settings
from .upstream import Upstreams
from .webhooks import views as webhooks
from .webhooks.store import WebhookStore


@dataclass
class Gateway:
    """What the request path shares, kept on ``app.state.gateway``."""

    settings: GatewaySettings
    keys: TrustedIssuers
    upstreams: Upstreams
    redis: AsyncRedis
    events: EventLog
    hub: Hub
    limiter: RateLimiter
    idempotency: IdempotencyKeys
    audit: PhiAudit
    webhooks: WebhookStore
    verified: VerifiedTokens = field(default_factory=VerifiedTokens)


class Me(BaseModel):
    """The caller as the gateway verified them."""

    organization_id: str
    user_id: str
    roles: list[str] = Field(description="platform roles: peer, supervisor, clinician, program_admin, funder, ...")
    programs: list[str] = Field(description="the programs the caller works in (none: see docs/gateway.md)")


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    redis = redis_client(settings.redis_url, timeout_s=2)
    async_redis = async_redis_client(settings.redis_url, timeout_s=5)
    keys = Keys(settings.redis_prefix)
    gateway = Gateway(settings=settings, keys=trusted_issuers(settings), upstreams=Upstreams(settings),
                      redis=async_redis, events=EventLog(keys, settings.events_stream_max_len),
                      hub=Hub(async_redis, keys), limiter=RateLimiter(async_redis, settings),
                      idempotency=IdempotencyKeys(async_redis, settings),
                      audit=PhiAudit(settings.kafka),
                      webhooks=WebhookStore(redis, settings.redis_prefix))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await gateway.keys.refresh(gateway.upstreams.provider_client)
        await gateway.hub.start()
        yield
        await gateway.hub.stop()
        await gateway.upstreams.aclose()
        await async_redis.aclose()
        gateway.audit.close()
        redis.close()

    app = create_service_app("PeerBridge gateway", settings=settings, lifespan=lifespan,
                             readiness={"redis": redis.ping, "signing_keys": gateway.keys.check_ready},
                             dependency_errors={error: "Redis" for error in REDIS_DOWN},
                             request_examples={webhooks.SubscriptionCreate: webhooks.SUBSCRIPTION_EXAMPLE},
                             description="The public PeerBridge API. Every route needs a bearer token; see "
                                         "docs/gateway.md for roles, scopes, real-time events and limits.")
    app.state.gateway = gateway
    app.state.redis = redis
    app.include_router(build_router(max_body_bytes=settings.max_body_bytes))
    app.include_router(realtime.router)
    app.include_router(webhooks.router)
    document_contracts(app, ROUTES, PREFIX)

    @app.get("/v1/me", tags=["identity"], summary="Who you are, as the gateway verified you",
             responses=problem_responses(401, 429))
    def who_am_i(caller: CurrentCaller) -> Me:
        """The identity the gateway verified: organization, user, roles, programs."""
        return Me(organization_id=caller.organization_id, user_id=caller.user_id,
                  roles=sorted(caller.roles), programs=sorted(caller.programs or ()))

    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=False,
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "If-Match",
                                          "If-None-Match", "Last-Event-ID", REQUEST_ID],
                           expose_headers=["ETag", "Link", "Location", "Retry-After", REQUEST_ID], max_age=600)
    app.add_middleware(EdgeMiddleware, max_body_bytes=settings.max_body_bytes)
    return app
