"""Gateway settings: environment variables prefixed GATEWAY_ (nested with __)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, IPvAnyNetwork, model_validator
from pydantic_settings import SettingsConfigDict

from peerbridge_shared.identity import Role
from peerbridge_shared.settings import Port, ServiceSettings, settings_loader

DEV_ISSUER = "peerbridge-dev"
"""Issuer of the tokens ``peerbridge-dev-token`` signs; refused in prod."""


class ClaimNames(BaseModel):
    """Where an issuer puts what the gateway reads. Entra ID, Okta or an EHR's provider send groups
    and their own claim names; ``groups`` (a list of group names) is read only when set."""

    user: str = Field(default="sub", description="the user's PeerBridge id")
    organization: str = "org"
    roles: str = "roles"
    programs: str = "programs"
    groups: str | None = Field(default=None, description="a list of groups, mapped to roles by group_roles")


class TrustedIssuer(BaseModel):
    """One more identity provider whose tokens the gateway accepts (GATEWAY_TRUSTED_ISSUERS, a JSON list)."""

    issuer: str = Field(min_length=1, description="the tokens' iss, exactly")
    jwks_url: str | None = None
    jwks_file: str | None = None
    audience: str | None = Field(default=None, description="default: jwt_audience")
    claims: ClaimNames = ClaimNames()
    group_roles: dict[str, Role] = Field(default={}, description='group name -> PeerBridge role, e.g. '
                                                                 '{"sg-peerbridge-clinicians": "clinician"}')

    @model_validator(mode="after")
    def _has_keys(self) -> "TrustedIssuer":
        if not (self.jwks_url or self.jwks_file):
            raise ValueError(f"trusted issuer {self.issuer!r} needs jwks_url or jwks_file")
        if self.issuer == DEV_ISSUER:
            raise ValueError(f"{DEV_ISSUER!r} is the dev token issuer, trusted through the dev key only")
        return self


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_")

    service_name: str = "gateway"
    port: Port = 8000

    # Who the gateway trusts: an OIDC provider's JWKS URL, or a key set on disk; in dev only,
    # the key `peerbridge-dev-token` creates.
    jwt_issuer: str = DEV_ISSUER
    jwt_audience: str = "peerbridge-api"
    jwks_url: str | None = None
    jwks_file: str | None = Field(default=None, description="a JWKS document (JSON) on disk")
    dev_key_file: str = Field(default=".stack/gateway/dev-signing-key.pem",
                              description="the dev token signing key (created on first use; dev and test only)")
    jwt_leeway_s: int = Field(default=30, ge=0, le=300)
    claims: ClaimNames = Field(default=ClaimNames(), description="claim names of jwt_issuer's tokens")
    group_roles: dict[str, Role] = Field(default={}, description="jwt_issuer's groups -> roles (claims.groups)")
    trusted_issuers: list[TrustedIssuer] = Field(
        default=[], description="more identity providers, each with its keys, audience and claim mapping; in dev the "
                                "dev key stays trusted beside them for peerbridge-dev-token")
    jwks_refresh_min_s: float = Field(default=30.0, ge=0, description="at most one JWKS refetch per interval")
    internal_token_ttl_s: int = Field(default=60, ge=5, le=600)

    scheduling_url: str = "http://127.0.0.1:8001"
    escalation_url: str = "http://127.0.0.1:8002"
    metrics_url: str = "http://127.0.0.1:8003"
    upstream_connect_timeout_s: float = Field(default=1.0, gt=0)
    upstream_timeout_s: float = Field(default=10.0, gt=0, description="per attempt")
    upstream_retries: int = Field(default=2, ge=0, le=5, description="extra attempts for safe requests")
    upstream_retry_backoff_s: float = Field(default=0.1, ge=0)

    redis_prefix: str = Field(default="pb:gw:", description="namespace of every gateway key in Redis")
    rate_limit_per_token: int = Field(default=600, ge=1, description="requests per window per token")
    rate_limit_per_ip: int = Field(default=1200, ge=1, description="requests per window per client address")
    rate_limit_window_s: int = Field(default=60, ge=1)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    idempotency_ttl_s: int = Field(default=24 * 3600, ge=60)
    idempotency_store_wait_s: float = Field(
        default=10.0, ge=0, description="how long a request whose service answered waits for Redis to keep that answer")
    cors_origins: list[str] = Field(default=[], description='JSON list, e.g. ["https://console.example.org"]')
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default=[], max_length=50, description='JSON list of the proxies (addresses or networks, e.g. ["10.0.0.0/8"]) '
        "whose X-Forwarded-For is believed; none by default: the peer's own address is the client's")
    max_token_lifetime_s: int = Field(default=12 * 3600, ge=60, le=7 * 24 * 3600,
                                      description="a user token valid for longer (exp - iat) is refused")

    events_stream_max_len: int = Field(default=10_000, ge=100, description="case events kept per organization")
    events_heartbeat_s: float = Field(default=15.0, gt=0)
    fanout_group_id: str = "peerbridge-gateway-fanout"
    fanout_offset_reset: Literal["earliest", "latest"] = Field(
        default="earliest", description="where a new fan-out group starts (streams are bounded and de-duplicated)")
    webhooks_group_id: str = "peerbridge-gateway-webhooks"
    webhooks_offset_reset: Literal["earliest", "latest"] = "earliest"
    webhook_max_attempts: int = Field(default=6, ge=1, le=20)
    webhook_backoff_s: float = Field(default=2.0, ge=0)
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    webhook_allow_http_localhost: bool = Field(default=False, description="dev and tests: http://127.0.0.1 endpoints")

    @property
    def primary_issuer_trusted(self) -> bool:
        """jwt_issuer is trusted unless prod runs on trusted_issuers only (the dev issuer left unset)."""
        return not (self.environment == "prod" and self.trusted_issuers and self.jwt_issuer == DEV_ISSUER
                    and not (self.jwks_url or self.jwks_file))

    @model_validator(mode="after")
    def _refuse_dev_keys_in_prod(self) -> "GatewaySettings":
        issuers = [self.jwt_issuer, *(trusted.issuer for trusted in self.trusted_issuers)]
        if len(set(issuers)) != len(issuers):
            raise ValueError(f"an issuer is configured twice: {issuers}")
        if self.environment == "prod":
            if self.primary_issuer_trusted and not (self.jwks_url or self.jwks_file):
                raise ValueError("jwks_url or jwks_file is required in prod (the dev signing key is never trusted)")
            if self.primary_issuer_trusted and self.jwt_issuer == DEV_ISSUER:
                raise ValueError(f"jwt_issuer {DEV_ISSUER!r} is the dev token issuer; set the real one in prod")
            if self.webhook_allow_http_localhost:
                raise ValueError("webhook_allow_http_localhost is for dev and tests only")
        return self


get_settings = settings_loader(GatewaySettings)
