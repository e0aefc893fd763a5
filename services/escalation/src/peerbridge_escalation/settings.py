"""Escalation settings: environment variables prefixed ESCALATION_ (nested with __)."""

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from peerbridge_shared.settings import DEV_SECRET, Port, ServiceSettings, settings_loader


class EscalationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ESCALATION_")

    service_name: str = "escalation"
    port: Port = 8002
    database_url: str = "postgresql+psycopg://peerbridge:peerbridge@127.0.0.1:5432/peerbridge_escalation"
    faust_app_id: str = "peerbridge-escalation"
    faust_session_timeout_s: float = Field(default=10.0, ge=6, le=300,
                                           description="how soon a dead worker's partitions move to another")
    faust_store: str = Field(default="memory://", description="rocksdb:// on a volume in production")
    faust_data_dir: str | None = Field(default=None, description="the worker's local state (a writable volume); "
                                       "default: <app id>-data in the working directory")
    faust_web_port: int = Field(default=6066, ge=1, le=65535, description="the worker's own status pages")
    faust_offset_reset: str = Field(default="earliest", pattern="^(earliest|latest)$")
    max_attempts: int = Field(default=3, ge=1, le=10)
    intake_batch_max: int = Field(default=128, ge=1, le=1000, description=(
        "events applied in one transaction; it holds its organizations' audit locks until it commits, so "
        "an acknowledgement waits for the batch in hand (tenths of a second at 128)"))
    intake_stalled_after_s: float = Field(default=120.0, ge=5, description=(
        "an event's intake busy this long without progress stops the worker's heartbeat (a hung call); "
        "waiting out a database outage is progress"))
    scheduling_url: str = Field(default="http://127.0.0.1:8001", description="where safety plans are fetched")
    console_url: str = Field(default="http://127.0.0.1:8010",
                             description="the console; pages link to <console_url>/cases/<case id>")
    webhook_signing_secret: SecretStr = SecretStr(DEV_SECRET)
    webhook_allow_http_localhost: bool = Field(default=False, description="dev and tests: http://127.0.0.1 "
                                               "pager webhooks (never in production)")
    verification_code_minutes: int = Field(default=15, ge=1, le=1440, description="how long a code stays valid")
    verification_max_tries: int = Field(default=5, ge=1, le=20, description="wrong codes before a new one is needed")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_sender: str = "peerbridge-alerts@localhost"
    smtp_starttls: bool = False
    sms_gateway_url: str | None = None
    sms_gateway_token: SecretStr | None = None
    delivery_interval_s: float = Field(default=0.5, gt=0)
    delivery_max_attempts: int = Field(default=3, ge=1, le=20, description="tries of one contact method, then "
                                       "the next method")
    delivery_backoff_s: float = Field(default=5.0, gt=0, le=3600, description="wait after a first failed try "
                                      "(doubles each try)")
    delivery_max_backoff_s: float = Field(default=300.0, gt=0, le=86400)
    delivery_workers: int = Field(default=8, ge=1, le=64, description="tries in flight at once")
    delivery_per_organization: int = Field(default=2, ge=1, le=64,
                                           description="tries in flight at once for one organization")
    step_max_attempts: int = Field(default=5, ge=1, le=50, description="tries of a timer step that keeps failing")
    timer_interval_s: float = Field(default=1.0, gt=0, description="how often due escalation steps are fired")
    watchdog_interval_s: float = Field(default=10.0, gt=0)
    watchdog_grace_s: float = Field(default=30.0, gt=0, description="a step this late means the timer loop is down")


    @model_validator(mode="after")
    def _no_local_webhooks_in_prod(self) -> "EscalationSettings":
        if self.environment == "prod" and self.webhook_allow_http_localhost:
            raise ValueError("webhook_allow_http_localhost is for dev and tests only")
        return self


get_settings = settings_loader(EscalationSettings)
