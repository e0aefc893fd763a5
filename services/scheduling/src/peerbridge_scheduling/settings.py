"""Scheduling settings: environment variables prefixed SCHEDULING_ (nested with __)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from peerbridge_shared.settings import Port, ServiceSettings, settings_loader


class SchedulingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SCHEDULING_")

    service_name: str = "scheduling"
    port: Port = 8001
    database_url: str = "postgresql+psycopg://peerbridge:peerbridge@127.0.0.1:5432/peerbridge_scheduling"
    worker_interval_s: float = Field(default=30.0, gt=0, description="reminder and no-show pass interval")


get_settings = settings_loader(SchedulingSettings)
