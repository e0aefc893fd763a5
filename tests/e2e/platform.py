"""A private PeerBridge for end-to-end tests: every process of deploy/processes.yaml, started with
its real command line (``peerbridge_shared.testing.processes.running``).

Isolation from other runs on the same Kafka, PostgreSQL and Redis: its own databases, free ports
(never 8000-8003), its own Faust app ids and consumer groups (each group committed at the end of
its topics before the process starts, so it reads only what this run produces), and its own Redis
prefix. Test clock: none is needed; escalation deadlines are the program's policy (1 minute is
the shortest a policy allows) and the timer loop runs every 0.5 s.

Topic names are global, so escalation workers of other runs on the same Kafka (another test
session, a developer's `make up`, a fault drill) also classify this run's signals and publish
cases of their own for its organization. ``Platform.cases`` reads the case topic so a test can tell
those cases (not in this platform's /v1/cases) from its own.

The fault drills can reuse it: ``Platform.processes`` names each process, ``Platform.restart``
starts a killed one again with the same command and environment.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from subprocess import Popen

import pytest
from aiosmtpd.controller import Controller

from peerbridge_gateway.auth.dev_keys import ensure_dev_key
from peerbridge_metrics.tables import TABLES
from peerbridge_shared.events import decode
from peerbridge_shared.events.escalation import EscalationOpened
from peerbridge_shared.settings import KafkaSettings
from peerbridge_shared.testing.kafka_reader import KafkaReader, commit_group_at_end
from peerbridge_shared.testing.processes import running
from peerbridge_shared.testing.servers import free_port
from peerbridge_shared.topics import CARE, CASES, ENROLLMENTS, HOSPITAL, OUTCOME_FEED, SAFETY

SERVICES = Path(__file__).resolve().parents[2] / "services"
PY = sys.executable


class Inbox:
    """E-mails the delivery worker sent: (recipients, raw message)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802 - aiosmtpd's hook
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode()))
        return "250 OK"

    def to(self, address: str) -> list[str]:
        return [message for recipients, message in self.messages if address in recipients]


@contextmanager
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    """A local SMTP server the escalation delivery worker pages into: (inbox, port)."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@dataclass
class Spec:
    args: list[str]
    env: dict[str, str]
    ready_url: str | None = None  # else ready when started (or when ``ready_text`` is in its log)
    ready_text: str | None = None
    ready_command: list[str] | None = None  # ready once it exits 0 (a container's exec probe)


@dataclass(frozen=True)
class SeenCase:
    case_id: str
    program_id: str
    opened_at: datetime
    risk_level: str  # of the case's latest event, as metrics counts it


class CaseLog:
    """Every case on the shared case topic since the platform started, for the organizations watched."""

    def __init__(self, kafka: KafkaSettings) -> None:
        self._reader = KafkaReader(kafka, [CASES.name])
        self._tenants: set[bytes] = set()
        self._latest: dict[str, tuple] = {}  # case id -> (time, event id, tenant, program, level)
        self._opened: dict[str, datetime] = {}

    def close(self) -> None:
        self._reader.close()

    def watch(self, organization: str) -> None:
        self._tenants.add(organization.encode())

    def of(self, organization: str) -> dict[str, SeenCase]:
        for record in self._reader.read_to_end(timeout_s=120):
            if dict(record.headers or []).get("ce_tenant") not in self._tenants:
                continue
            envelope = decode(record.key, record.value, record.headers)
            data = envelope.data
            if isinstance(data, EscalationOpened):
                self._opened[data.case_id] = data.opened_at
            latest = (envelope.time, envelope.id, envelope.tenant, data.program_id, data.risk_level.value)
            if data.case_id not in self._latest or latest[:2] > self._latest[data.case_id][:2]:
                self._latest[data.case_id] = latest
        return {case_id: SeenCase(case_id, program, self._opened[case_id], level)
                for case_id, (_, _, tenant, program, level) in self._latest.items()
                if tenant == organization and case_id in self._opened}


@dataclass
class Platform:
    gateway: str
    dev_key: Path
    logs: Path
    specs: dict[str, Spec]
    stack: ExitStack
    cases: CaseLog
    processes: dict[str, Popen] = field(default_factory=dict)
    log_offsets: dict[str, int] = field(default_factory=dict)
    console: str | None = None  # the console's URL, when started with console_settings

    def start(self, name: str) -> None:
        spec, log = self.specs[name], self.logs / f"{name}.log"
        self.log_offsets[name] = log.stat().st_size if log.exists() else 0  # a restart's readiness is in new lines
        self.processes[name] = self.stack.enter_context(running(spec.args, log=log, env=spec.env))

    def wait_ready(self, name: str, timeout_s: float = 120.0) -> None:
        spec, log = self.specs[name], self.logs / f"{name}.log"
        deadline = time.monotonic() + timeout_s
        while not _ready(spec, log, self.log_offsets.get(name, 0)):
            if self.processes[name].poll() is not None:
                pytest.fail(f"{name} exited ({self.processes[name].returncode}):\n{log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"{name} not ready in {timeout_s:.0f} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)

    def restart(self, name: str) -> None:
        self.start(name)
        self.wait_ready(name)

    def tail(self, name: str, chars: int = 3000) -> str:
        return (self.logs / f"{name}.log").read_text()[-chars:]


def _ready(spec: Spec, log: Path, offset: int) -> bool:
    if spec.ready_command is not None:
        return subprocess.run(spec.ready_command, capture_output=True, timeout=30).returncode == 0
    if spec.ready_text is not None:
        return spec.ready_text in log.read_bytes()[offset:].decode(errors="replace")
    if spec.ready_url is None:
        return True
    try:
        with urllib.request.urlopen(spec.ready_url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@dataclass
class Settings:
    """One private platform's settings: ports and URLs, its databases, its own Faust app ids and
    consumer groups (committed at the end of their topics), and each image's environment."""

    tag: str
    port: dict[str, int]
    url: dict[str, str]
    databases: dict[str, str]
    dev_key: Path
    env: dict[str, dict[str, str]]
    """Per image: its settings, with the image's prefix."""
    relay_env: dict[str, str]


def platform_settings(databases: dict[str, str], kafka: KafkaSettings, home: Path, *, smtp_port: int,
                      metrics_feed_interval_s: float = 1.0, **gateway_settings: object) -> Settings:
    tag = uuid.uuid4().hex[:8]
    port = {name: free_port() for name in ("gateway", "scheduling", "escalation", "metrics", "metrics_web",
                                           "escalation_web", "console", "mllp")}
    url = {name: f"http://127.0.0.1:{p}" for name, p in port.items()}
    escalation_app, metrics_app = f"e2e-escalation-{tag}", f"e2e-metrics-{tag}"
    fanout_group, webhooks_group = f"e2e-gateway-fanout-{tag}", f"e2e-gateway-webhooks-{tag}"
    commit_group_at_end(kafka, escalation_app, [t.name for t in (SAFETY, CARE, HOSPITAL, ENROLLMENTS)])
    commit_group_at_end(kafka, metrics_app, sorted({t.name for spec in TABLES for t in spec.topics}))
    commit_group_at_end(kafka, fanout_group, [CASES.name])
    commit_group_at_end(kafka, webhooks_group, [OUTCOME_FEED.name])
    dev_key = home / "dev-signing-key.pem"
    ensure_dev_key(dev_key)
    kafka_env = {"KAFKA__BOOTSTRAP_SERVERS": kafka.bootstrap_servers}

    def env(prefix: str, **values: object) -> dict[str, str]:
        return {f"{prefix}{key.upper()}": str(value) for key, value in {**kafka_env, **values}.items()}

    scheduling = env("SCHEDULING_", database_url=databases["scheduling"], port=port["scheduling"],
                     mllp_port=port["mllp"], environment="test")
    escalation = env("ESCALATION_", database_url=databases["escalation"], port=port["escalation"],
                     environment="test", scheduling_url=url["scheduling"], faust_app_id=escalation_app,
                     faust_offset_reset="earliest", faust_web_port=port["escalation_web"], smtp_port=smtp_port,
                     timer_interval_s=0.5, delivery_interval_s=0.2, console_url=url["console"],
                     webhook_allow_http_localhost="true")  # the simulator's pager, test receivers
    metrics = env("METRICS_", port=port["metrics"], environment="test", faust_app_id=metrics_app,
                  faust_web_port=port["metrics_web"], faust_data_dir=home / "metrics-faust",
                  feed_interval_s=metrics_feed_interval_s, funder_clock_offset_days=40,
                  funder_correction_interval_s=0)
    gateway = env("GATEWAY_", **{
        "port": port["gateway"], "environment": "test", "scheduling_url": url["scheduling"],
        "escalation_url": url["escalation"], "metrics_url": url["metrics"], "dev_key_file": dev_key,
        "redis_prefix": f"e2e:{tag}:", "rate_limit_per_token": 1_000_000, "rate_limit_per_ip": 1_000_000,
        "fanout_group_id": fanout_group, "webhooks_group_id": webhooks_group, "webhook_allow_http_localhost": "true",
        "webhook_backoff_s": 0.5, "events_heartbeat_s": 1, **gateway_settings})
    console = {f"CONSOLE_{key.upper()}": str(value) for key, value in {
        "port": port["console"], "environment": "test", "public_url": url["console"], "gateway_url": url["gateway"],
        "redis_prefix": f"e2e:{tag}:console:", "cookie_secure": "false"}.items()}
    return Settings(tag, port, url, databases, dev_key,
                    {"scheduling": scheduling, "escalation": escalation, "metrics": metrics, "gateway": gateway,
                     "console": console},
                    {"PEERBRIDGE_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers})


@contextmanager
def started(settings: Settings, specs: dict[str, Spec], home: Path, kafka: KafkaSettings) -> Iterator[Platform]:
    """Every spec started, then each waited for until ready; all stopped when the block ends."""
    logs = home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        platform = Platform(settings.url["gateway"], settings.dev_key, logs, specs, stack, CaseLog(kafka),
                            console=settings.url["console"] if "console" in specs else None)
        stack.callback(platform.cases.close)
        for name in specs:
            platform.start(name)
        for name in specs:
            platform.wait_ready(name)
        yield platform


@contextmanager
def private_platform(migrated_database: Callable[[str, Path], str], kafka: KafkaSettings, home: Path, *,
                     smtp_port: int, metrics_feed_interval_s: float = 1.0, console_settings: dict | None = None,
                     metrics_settings: dict | None = None, **gateway_settings: object) -> Iterator[Platform]:
    """``gateway_settings``: GATEWAY_* values to use instead of the test ones (rate limits off...);
    ``metrics_settings``: METRICS_* values likewise (the correction interval...).
    ``console_settings``: CONSOLE_* values; when given, the console runs too (``Platform.console``) and
    escalation's pages link to its case page."""
    databases = {name: migrated_database(f"e2e_{name}", SERVICES / name / "alembic.ini")
                 for name in ("scheduling", "escalation")}
    settings = platform_settings(databases, kafka, home, smtp_port=smtp_port,
                                 metrics_feed_interval_s=metrics_feed_interval_s, **gateway_settings)
    scheduling, escalation, metrics, gateway = (settings.env[name] for name in
                                                ("scheduling", "escalation", "metrics", "gateway"))
    metrics = {**metrics, **{f"METRICS_{key.upper()}": str(value) for key, value in (metrics_settings or {}).items()}}
    url, relay, tag = settings.url, settings.relay_env, settings.tag
    scheduling_db, escalation_db = databases["scheduling"], databases["escalation"]
    specs = {
        "scheduling": Spec([PY, "-m", "peerbridge_scheduling"], scheduling, f"{url['scheduling']}/readyz"),
        "scheduling-relay": Spec([PY, "-m", "peerbridge_shared.outbox", "--database-url", scheduling_db,
                                  "--service", f"e2e-scheduling-relay-{tag}"], relay),
        "scheduling-worker": Spec([PY, "-m", "peerbridge_scheduling.worker"], scheduling),
        "escalation": Spec([PY, "-m", "peerbridge_escalation"], escalation, f"{url['escalation']}/readyz"),
        "escalation-relay": Spec([PY, "-m", "peerbridge_shared.outbox", "--database-url", escalation_db,
                                  "--service", f"e2e-escalation-relay-{tag}"], relay),
        "escalation-worker": Spec([PY, "-m", "peerbridge_escalation.worker", "--datadir",
                                   str(home / "escalation-faust"), "worker", "--loglevel", "info", "--without-web"],
                                  escalation, ready_text="Ready"),
        "escalation-timers": Spec([PY, "-m", "peerbridge_escalation.routing.timers"], escalation),
        "escalation-delivery": Spec([PY, "-m", "peerbridge_escalation.notify"], escalation),
        "escalation-watchdog": Spec([PY, "-m", "peerbridge_escalation.routing.timers", "--watchdog",
                                     "--metrics-port", str(free_port())], escalation),
        "metrics-worker": Spec([PY, "-m", "peerbridge_metrics.worker", "worker", "--loglevel", "info"], metrics,
                               f"{url['metrics_web']}/readyz"),
        "metrics": Spec([PY, "-m", "peerbridge_metrics"], metrics, f"{url['metrics']}/readyz"),
        "metrics-feed": Spec([PY, "-m", "peerbridge_metrics.feed"], metrics),
        "gateway": Spec([PY, "-m", "peerbridge_gateway"], gateway, f"{url['gateway']}/readyz"),
        "gateway-fanout": Spec([PY, "-m", "peerbridge_gateway.fanout"], gateway),
        "gateway-webhooks": Spec([PY, "-m", "peerbridge_gateway.webhooks"], gateway),
    }
    if console_settings is not None:
        console = {**settings.env["console"],
                   **{f"CONSOLE_{key.upper()}": str(value) for key, value in console_settings.items()}}
        specs["console"] = Spec([PY, "-m", "peerbridge_console"], console, f"{url['console']}/readyz")
    with started(settings, specs, home, kafka) as platform:
        yield platform
