"""Metrics settings: environment variables prefixed METRICS_ (nested with __)."""

from pydantic_settings import SettingsConfigDict

from peerbridge_shared.settings import Port, ServiceSettings, settings_loader


class MetricsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="METRICS_")

    service_name: str = "metrics"
    port: Port = 8003
    database_url: str = "postgresql+psycopg://peerbridge:peerbridge@127.0.0.1:5432/peerbridge_metrics"


get_settings = settings_loader(MetricsSettings)
