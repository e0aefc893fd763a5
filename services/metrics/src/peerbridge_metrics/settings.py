"""Metrics settings: environment variables prefixed METRICS_ (nested with __)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from peerbridge_shared.settings import Port, ServiceSettings, settings_loader


class MetricsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="METRICS_")

    service_name: str = "metrics"
    port: Port = 8003
    database_url: str = "postgresql+psycopg://peerbridge:peerbridge@127.0.0.1:5432/peerbridge_metrics"
    faust_app_id: str = "peerbridge-metrics"
    faust_session_timeout_s: float = Field(default=10.0, ge=6, le=300,
                                           description="how soon a dead worker's partitions move to another")
    faust_store: str = Field(default="memory://", description="rocksdb:// on a volume in production")
    faust_data_dir: str = Field(default=".stack/faust/metrics", description="the worker's local state (a volume)")
    faust_web_port: int = Field(default=6067, ge=1, le=65535, description="the worker's read API")
    faust_replication_factor: int = Field(default=1, ge=1, le=5, description="of the table changelog topics")
    fold_batch_max: int = Field(default=1000, ge=1, le=20_000, description=(
        "events folded at a time: each key's state is read and written once per batch"))
    fold_states_kept: int = Field(default=20_000, ge=0, le=10_000_000, description=(
        "folded states kept in memory per table between batches (the most recently used), so each is "
        "read back from the table only the first time and after a rebalance"))
    fold_batch_wait_s: float = Field(default=0.05, ge=0.001, le=5.0, description=(
        "how long a batch waits to fill before it is folded"))
    feed_interval_s: float = Field(default=5.0, gt=0, le=3600, description="how often the feed publisher looks")
    payer_policies: str | None = Field(default=None, description="a YAML file of payer rules (default: built in)")
    funder_grace_days: int = Field(default=7, ge=0, le=366,
                                   description="days after a period ends before its funder report is published")
    funder_correction_interval_s: float = Field(default=86_400, ge=0, le=31 * 86_400,
                                                description="at most one correction of a report per this long")
    protection_width: int = Field(default=3, ge=1, le=1000,
                                  description="narrowest interval a reader may bound a primary suppressed cell to")
    funder_clock_offset_days: int = Field(default=0, ge=0, le=400,
                                          description="tests and drills only (refused in prod): the feed publisher "
                                                      "decides which periods are closed this many days ahead")

    @model_validator(mode="after")
    def _no_clock_offset_in_prod(self) -> "MetricsSettings":
        if self.environment == "prod" and self.funder_clock_offset_days:
            raise ValueError("funder_clock_offset_days: must be 0 in prod (a funder would see open periods)")
        return self

    @property
    def funder_clock(self) -> Callable[[], datetime]:
        offset = timedelta(days=self.funder_clock_offset_days)
        return lambda: datetime.now(UTC) + offset


get_settings = settings_loader(MetricsSettings)
