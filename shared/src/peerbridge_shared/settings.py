"""Settings base for every service.

Each service subclasses :class:`ServiceSettings` with its own env prefix
(``SCHEDULING_``, ``ESCALATION_``...) and reads it through a cached ``get_settings()``
built by :func:`settings_loader`. Validation runs at start, so a bad value stops the
process before it serves anything.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any, Literal, TypeVar

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-internal-token-secret-not-for-production"

Environment = Literal["dev", "test", "prod"]
Port = Annotated[int, Field(ge=1, le=65535)]


class KafkaSettings(BaseSettings):
    """Client settings for Kafka; TLS/SASL fields pass straight to the clients."""

    model_config = SettingsConfigDict(extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: str | None = None

    def client_config(self) -> dict[str, object]:
        """Keyword arguments accepted by kafka-python producers, consumers and admin clients."""
        config: dict[str, object] = {
            "bootstrap_servers": self.bootstrap_servers.split(","),
            "security_protocol": self.security_protocol,
        }
        if self.sasl_mechanism:
            config["sasl_mechanism"] = self.sasl_mechanism
            config["sasl_plain_username"] = self.sasl_username
            config["sasl_plain_password"] = (
                self.sasl_password.get_secret_value() if self.sasl_password else None
            )
        if self.ssl_cafile:
            config["ssl_cafile"] = self.ssl_cafile
        return config

    def faust_credentials(self) -> Any:
        """The same security settings for a Faust app (``broker_credentials``); None for PLAINTEXT."""
        if self.security_protocol == "PLAINTEXT":
            return None
        import ssl

        from faust.auth import SASLCredentials, SSLCredentials

        context = None
        if self.security_protocol in ("SSL", "SASL_SSL"):
            context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=self.ssl_cafile or None)
        if self.security_protocol == "SSL":
            return SSLCredentials(context)
        return SASLCredentials(
            username=self.sasl_username,
            password=self.sasl_password.get_secret_value() if self.sasl_password else None,
            ssl_context=context, mechanism=self.sasl_mechanism or "PLAIN",
        )


class ServiceSettings(BaseSettings):
    """What every service needs. Nested values use ``__``: ``SCHEDULING_KAFKA__BOOTSTRAP_SERVERS``."""

    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore")

    service_name: str = "peerbridge"
    environment: Environment = "dev"
    host: str = "127.0.0.1"
    port: Port = 8000
    log_level: str = "INFO"
    database_url: str = "postgresql+psycopg://peerbridge:peerbridge@127.0.0.1:5432/peerbridge"
    request_threads: int = Field(default=16, ge=1, le=128, description=(
        "requests an HTTP process works on at once in its thread pool (the routes that read the "
        "database); its database pool keeps one connection per thread (and 4 more)"))
    redis_url: str = "redis://127.0.0.1:6379/0"
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    internal_token_secret: SecretStr = SecretStr(DEV_SECRET)

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_prod(self) -> "ServiceSettings":
        if self.environment == "prod":
            for name, value in self.secret_fields().items():
                if value == DEV_SECRET or "change-me" in value:
                    raise ValueError(f"{name} still holds a placeholder; set a real secret in prod")
                if len(value) < 32:
                    raise ValueError(f"{name} must be at least 32 characters in prod")
        return self

    def secret_fields(self) -> dict[str, str]:
        return {
            name: value.get_secret_value()
            for name, value in self.__dict__.items()
            if isinstance(value, SecretStr)
        }


S = TypeVar("S", bound=ServiceSettings)


def settings_loader(cls: type[S]) -> Callable[[], S]:
    """A cached ``get_settings()`` for ``cls``; tests call ``get_settings.cache_clear()``."""

    @lru_cache(maxsize=1)
    def get_settings() -> S:
        return cls()

    return get_settings
