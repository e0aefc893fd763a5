"""Gateway settings: environment variables prefixed GATEWAY_."""

from peerbridge_shared.settings import ServiceSettings, settings_loader
from pydantic_settings import SettingsConfigDict


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_")

    service_name: str = "gateway"
    port: int = 8000


get_settings = settings_loader(GatewaySettings)
