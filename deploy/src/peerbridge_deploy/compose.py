"""docker-compose.yml (the whole platform, prod-like) and docker-compose.override.yml (dev: ports, reload).

`docker compose up` reads both: Kafka (KRaft, the official Apache image), PostgreSQL, Redis, an
OpenTelemetry collector with Jaeger as the trace UI, topic creation and migrations as one-shot
services, then every process of the registry with the same command as the local run.

Each third-party image is a variable (``KAFKA_IMAGE``...) defaulting to the registry's, so a machine
that cannot pull them runs stand-ins built from Debian packages (deploy/images/infra). The
PostgreSQL password has no default: compose stops and says so when ``POSTGRES_PASSWORD`` is unset.
Compose interpolates a file's environment before merging the override into it, so the development
value is in deploy/compose/dev.env (``docker compose --env-file deploy/compose/dev.env up``).
"""

from __future__ import annotations

from typing import Any

from .dockerfiles import DATA_DIR
from .registry import HEARTBEAT_START_S, Process, Registry

PG_PASSWORD = "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD to the PostgreSQL password}"
IMAGE_VARIABLES = {"kafka": "KAFKA_IMAGE", "postgres": "POSTGRES_IMAGE", "redis": "REDIS_IMAGE",
                   "otel_collector": "OTEL_COLLECTOR_IMAGE", "trace_ui": "TRACE_UI_IMAGE"}
DEV_KEY_FILE = f"{DATA_DIR}/data/dev-signing-key.pem"  # the gateway's dev signing key, on a volume
KAFKA = "kafka:9092"
OTLP = "http://otel-collector:4318"
TAG = "${PEERBRIDGE_TAG:-dev}"


def database_url(registry: Registry, image: str) -> str:
    return f"postgresql+psycopg://peerbridge:{PG_PASSWORD}@postgres:5432/{registry.databases[image]}"


def third_party(registry: Registry, name: str) -> str:
    return f"${{{IMAGE_VARIABLES[name]}:-{getattr(registry.infrastructure, name)}}}"


def signs_dev_tokens(process: Process) -> bool:
    return process.image == "gateway" and process.kind == "api"


def healthcheck(process: Process) -> dict[str, Any]:
    start = "120s" if process.kind == "stateful" else "20s"
    timing = {"interval": "10s", "timeout": "5s", "retries": 6, "start_period": start}
    if process.http and process.http.readiness:
        url = f"http://127.0.0.1:{process.http.port}{process.http.readiness}"
        return {"test": ["CMD", "python", "-m", "peerbridge_shared.probe", url], **timing}
    if process.port:
        return {"test": ["CMD", "python", "-m", "peerbridge_shared.probe", "tcp", str(process.port.port)], **timing}
    # The same command as the Kubernetes liveness probe. Compose only reports an unhealthy container
    # (`docker compose ps`); it restarts a process that exits.
    return {"test": ["CMD", *process.heartbeat_check], "interval": "10s", "timeout": "5s", "retries": 3,
            "start_period": f"{HEARTBEAT_START_S}s"}


def _image(registry: Registry, image: str) -> dict[str, Any]:
    return {"image": f"peerbridge/{image}:{TAG}",
            "build": {"context": ".", "dockerfile": f"services/{image}/Dockerfile"}}


HARDENING: dict[str, Any] = {
    "read_only": True,
    "tmpfs": ["/tmp"],
    "cap_drop": ["ALL"],
    "security_opt": ["no-new-privileges:true"],
}


def environment(registry: Registry, process: Process) -> dict[str, str]:
    image = registry.images[process.image]
    prefix = image.env_prefix
    env = {
        f"{prefix}ENVIRONMENT": "${PEERBRIDGE_ENVIRONMENT:-dev}",
        f"{prefix}HOST": "0.0.0.0",
        f"{prefix}KAFKA__BOOTSTRAP_SERVERS": KAFKA,
        "PEERBRIDGE_KAFKA_BOOTSTRAP_SERVERS": KAFKA,
        f"{prefix}REDIS_URL": "redis://redis:6379/0",
        "OTEL_EXPORTER_OTLP_ENDPOINT": OTLP,
    }
    if image.database:
        env[f"{prefix}DATABASE_URL"] = database_url(registry, process.image)
    if signs_dev_tokens(process):  # outside prod: created on first start, kept on the volume
        env[f"{prefix}DEV_KEY_FILE"] = DEV_KEY_FILE
    env.update({f"{prefix}{key}": value for key, value in image.config.items()})
    env.update({f"{prefix}{key}": value for key, value in process.env.items()})
    if process.data_env:
        env[f"{prefix}{process.data_env}"] = f"{DATA_DIR}/data"
    return env


def command(registry: Registry, process: Process) -> list[str]:
    def fill(part: str) -> str:
        return database_url(registry, process.image) if part == "{database_url}" else part
    return [fill(part) for part in process.command]


def depends_on(registry: Registry, process: Process) -> dict[str, dict[str, str]]:
    needs: dict[str, dict[str, str]] = {}
    if "kafka" in process.egress:
        needs["kafka"] = {"condition": "service_healthy"}
        needs["topics"] = {"condition": "service_completed_successfully"}
    if "postgres" in process.egress:
        needs["postgres"] = {"condition": "service_healthy"}
        if process.image in registry.databases:
            needs[f"migrate-{process.image}"] = {"condition": "service_completed_successfully"}
    if "redis" in process.egress:
        needs["redis"] = {"condition": "service_healthy"}
    if "otlp" in process.egress:
        needs["otel-collector"] = {"condition": "service_started"}
    for callee in process.calls:  # every callee has a port, and a healthcheck on it
        needs[callee] = {"condition": "service_healthy"}
    return needs


def infrastructure(registry: Registry) -> dict[str, Any]:
    return {
        "kafka": {
            "image": third_party(registry, "kafka"),
            "environment": {
                "KAFKA_NODE_ID": "1",
                "KAFKA_PROCESS_ROLES": "broker,controller",
                "KAFKA_LISTENERS": "PLAINTEXT://:9092,CONTROLLER://:9093,HOST://:29092",
                "KAFKA_ADVERTISED_LISTENERS": "PLAINTEXT://kafka:9092,HOST://localhost:29092",
                "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,HOST:PLAINTEXT",
                "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
                "KAFKA_INTER_BROKER_LISTENER_NAME": "PLAINTEXT",
                "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@kafka:9093",
                "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "false",
                "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
                "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
                "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
                "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
                "KAFKA_LOG_DIRS": "/var/lib/kafka/data",
            },
            "volumes": ["kafka-data:/var/lib/kafka/data"],
            "healthcheck": {
                "test": ["CMD-SHELL", "/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server 127.0.0.1:9092"
                         " >/dev/null 2>&1"],
                "interval": "10s", "timeout": "10s", "retries": 12, "start_period": "20s",
            },
            "restart": "unless-stopped",
        },
        "postgres": {
            "image": third_party(registry, "postgres"),
            "environment": {"POSTGRES_USER": "peerbridge", "POSTGRES_PASSWORD": PG_PASSWORD,
                            "POSTGRES_DB": "peerbridge"},
            "volumes": ["postgres-data:/var/lib/postgresql/data",
                        "./deploy/compose/postgres-init.sql:/docker-entrypoint-initdb.d/10-databases.sql:ro"],
            "healthcheck": {"test": ["CMD-SHELL", "pg_isready -U peerbridge -d peerbridge"],
                            "interval": "5s", "timeout": "5s", "retries": 12},
            "restart": "unless-stopped",
        },
        "redis": {
            "image": third_party(registry, "redis"),
            "command": ["redis-server", "--appendonly", "yes"],
            "volumes": ["redis-data:/data"],
            "healthcheck": {"test": ["CMD", "redis-cli", "ping"], "interval": "5s", "timeout": "5s", "retries": 12},
            "restart": "unless-stopped",
        },
        "otel-collector": {
            "image": third_party(registry, "otel_collector"),
            "command": ["--config=/etc/otelcol/config.yaml"],
            "volumes": ["./deploy/compose/otel-collector.yaml:/etc/otelcol/config.yaml:ro"],
            "depends_on": {"trace-ui": {"condition": "service_started"}},
            "restart": "unless-stopped",
        },
        "trace-ui": {
            "image": third_party(registry, "trace_ui"),
            "restart": "unless-stopped",
        },
    }


def one_shots(registry: Registry) -> dict[str, Any]:
    services: dict[str, Any] = {
        "topics": {
            **_image(registry, registry.topics_image),
            "command": ["peerbridge-topics", "create"],
            "environment": {"PEERBRIDGE_KAFKA_BOOTSTRAP_SERVERS": KAFKA},
            "depends_on": {"kafka": {"condition": "service_healthy"}},
            **HARDENING,
            "restart": "no",
        },
    }
    for image, _database in registry.databases.items():
        prefix = registry.images[image].env_prefix
        services[f"migrate-{image}"] = {
            **_image(registry, image),
            "command": ["alembic", "-c", f"services/{image}/alembic.ini", "upgrade", "head"],
            "environment": {f"{prefix}DATABASE_URL": database_url(registry, image)},
            "depends_on": {"postgres": {"condition": "service_healthy"}},
            **HARDENING,
            "restart": "no",
        }
    return services


def render_compose(registry: Registry) -> dict[str, Any]:
    services = {**infrastructure(registry), **one_shots(registry)}
    for name, process in registry.processes.items():
        service: dict[str, Any] = {
            **_image(registry, process.image),
            "command": command(registry, process),
            "environment": environment(registry, process),
            "depends_on": depends_on(registry, process),
            "healthcheck": healthcheck(process),
            **HARDENING,
            "restart": "unless-stopped",
        }
        if process.data_env:
            service["volumes"] = [f"{name}-data:{DATA_DIR}/data"]
        if signs_dev_tokens(process):
            service["volumes"] = [f"{name}-dev-key:{DATA_DIR}/data"]
        services[name] = service
    volumes = ["kafka-data", "postgres-data", "redis-data"] + [
        f"{name}-data" for name, process in registry.processes.items() if process.data_env] + [
        f"{name}-dev-key" for name, process in registry.processes.items() if signs_dev_tokens(process)]
    return {"name": "peerbridge", "services": services, "volumes": {volume: {} for volume in volumes}}


def render_override(registry: Registry) -> dict[str, Any]:
    """Dev: published ports on loopback, and API processes that reload on a source change."""
    services: dict[str, Any] = {
        "kafka": {"ports": ["127.0.0.1:29092:29092"]},
        "postgres": {"ports": ["127.0.0.1:15432:5432"]},
        "redis": {"ports": ["127.0.0.1:16379:6379"]},
        "trace-ui": {"ports": ["127.0.0.1:16686:16686"]},
    }
    for name, process in registry.processes.items():
        service: dict[str, Any] = {}
        if process.http:
            service["ports"] = [f"127.0.0.1:{process.http.port}:{process.http.port}"]
        if process.tcp and process.tcp.external:
            service["ports"] = [f"127.0.0.1:{process.tcp.port}:{process.tcp.port}"]
        if process.kind == "api" and process.module:
            image = process.image
            service["command"] = ["uvicorn", "--factory", f"{process.module}.app:create_app", "--host", "0.0.0.0",
                                  "--port", str(process.http.port), "--reload", "--reload-dir", "/app/src"]
            service["environment"] = {"PYTHONPATH": f"/app/src/{image}:/app/src/shared"}
            service["volumes"] = [f"./services/{image}/src:/app/src/{image}:ro", "./shared/src:/app/src/shared:ro"]
        if service:
            services[name] = service
    return {"services": services}


def render_postgres_init(registry: Registry, header: str) -> str:
    lines = [f"CREATE DATABASE {database} OWNER peerbridge;" for database in registry.databases.values()]
    return header.replace("# ", "-- ").replace("#\n", "--\n") + "\n".join(lines) + "\n"
