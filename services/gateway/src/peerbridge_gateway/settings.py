"""Gateway settings: environment variables prefixed GATEWAY_."""

from pydantic_settings import SettingsConfigDict

from peerbridge_shared.settings import Port, ServiceSettings, settings_loader


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_")

    service_name: str = "gateway"
    port: Port = 8000


get_settings = settings_loader(GatewaySettings)
