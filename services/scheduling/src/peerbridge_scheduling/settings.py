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
    # the HL7v2 ADT listener (hospital/mllp.py)
    mllp_host: str = "0.0.0.0"  # noqa: S104 - a listener for hospital interface engines
    mllp_port: Port = 2575
    mllp_facilities: dict[str, str] = Field(default_factory=dict,
                                            description="MSH-4 sending facility -> organization id (JSON)")
    mllp_timezone: str = Field(default="UTC", description="the zone of HL7 times sent without an offset")
    mllp_tls_cert: str | None = None
    mllp_tls_key: str | None = None


get_settings = settings_loader(SchedulingSettings)
