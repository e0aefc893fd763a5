"""Console settings: environment variables prefixed CONSOLE_ (nested with __)."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from peerbridge_shared.settings import Port, ServiceSettings, settings_loader

DEV_CLIENT_SECRET = "peerbridge-console-dev-secret"
"""The local Keycloak realm's client secret (deploy/local/keycloak/realm-peerbridge.json); refused in prod."""


class ConsoleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONSOLE_")

    service_name: str = "console"
    port: Port = 8010
    public_url: str = Field(default="http://127.0.0.1:8010", description="where browsers reach the console")
    gateway_url: str = Field(default="http://127.0.0.1:8000", description="the gateway; only its /v1 is called")
    gateway_timeout_s: float = Field(default=10.0, gt=0)

    # OpenID Connect: authorization code + PKCE with a confidential client
    oidc_issuer: str = "http://127.0.0.1:8080/realms/peerbridge"
    oidc_client_id: str = "peerbridge-console"
    oidc_client_secret: SecretStr = SecretStr(DEV_CLIENT_SECRET)
    oidc_scope: str = "openid profile"
    oidc_prompt: str | None = Field(default="login", description="ask for credentials at every console sign-in, so "
                                                                 "an idle logoff is not undone by the provider's "
                                                                 "single sign-on session; empty for SSO")

    redis_prefix: str = Field(default="pb:console:", description="namespace of every console key in Redis")
    session_cookie: str = "pb_console"
    cookie_secure: bool = Field(default=True, description="Secure cookies; off only for http://127.0.0.1 in dev")
    idle_timeout_s: int = Field(default=15 * 60, ge=60, description="automatic logoff after this long unused")
    absolute_timeout_s: int = Field(default=12 * 3600, ge=300, description="sign in again after this long")
    login_timeout_s: int = Field(default=600, ge=60, description="time to finish signing in at the provider")
    refresh_before_s: int = Field(default=30, ge=0, description="refresh the access token this long before expiry")
    oncall_horizon_h: int = Field(default=48, ge=1, le=168, description="how far the On call page looks ahead")

    @model_validator(mode="after")
    def _safe_in_prod(self) -> "ConsoleSettings":
        if self.environment == "prod":
            if not self.cookie_secure:
                raise ValueError("cookie_secure must stay on in prod")
            if self.oidc_client_secret.get_secret_value() == DEV_CLIENT_SECRET:
                raise ValueError("oidc_client_secret is the local realm's dev secret; set the real one in prod")
            if not self.public_url.startswith("https://"):
                raise ValueError("public_url must be https:// in prod")
            if not self.oidc_issuer.startswith("https://"):
                raise ValueError("oidc_issuer must be the identity provider's https:// issuer in prod")
        return self


get_settings = settings_loader(ConsoleSettings)
