"""Every service installs, reads its own env prefix, serves the operations endpoints the same
way, and migrates a fresh PostgreSQL database to exactly the schema its models describe."""

import importlib
import time
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from kafka.admin import NewTopic
from pydantic import SecretStr, ValidationError
from sqlalchemy import MetaData, create_engine

from peerbridge_metrics.tables import TABLES
from peerbridge_shared.migrations import upgrade
from peerbridge_shared.settings import KafkaSettings
from peerbridge_shared.web import PROBLEM_JSON

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"scheduling": 8001, "escalation": 8002, "metrics": 8003, "gateway": 8000}
DB_SERVICES = ["scheduling", "escalation", "metrics"]
PROD_REQUIRED = {"gateway": {"JWKS_URL": "https://login.example.org/jwks.json", "JWT_ISSUER": "https://login.example.org"}}


def service_module(name: str, module: str):
    return importlib.import_module(f"peerbridge_{name}.{module}")


def settings_class(name: str):
    return getattr(service_module(name, "settings"), f"{name.capitalize()}Settings")


@pytest.mark.parametrize("name", SERVICES)
def test_settings_use_the_service_prefix_and_defaults(name, monkeypatch):
    cls = settings_class(name)
    assert cls().port == SERVICES[name]
    monkeypatch.setenv(f"{name.upper()}_PORT", "9100")
    monkeypatch.setenv(f"{name.upper()}_KAFKA__BOOTSTRAP_SERVERS", "broker-a:9092,broker-b:9092")
    settings = cls()
    assert settings.port == 9100
    assert settings.kafka.client_config()["bootstrap_servers"] == ["broker-a:9092", "broker-b:9092"]


@pytest.mark.parametrize("name", SERVICES)
def test_prod_refuses_placeholder_secrets_and_bad_values(name, monkeypatch):
    cls = settings_class(name)
    monkeypatch.setenv(f"{name.upper()}_ENVIRONMENT", "prod")
    with pytest.raises(ValidationError, match="internal_token_secret"):
        cls()
    for secret in [field for field, info in cls.model_fields.items() if info.annotation is SecretStr]:
        monkeypatch.setenv(f"{name.upper()}_{secret.upper()}", f"a-real-{secret}-from-the-vault-0123456789")
    for setting, value in PROD_REQUIRED.get(name, {}).items():
        monkeypatch.setenv(f"{name.upper()}_{setting}", value)
    assert cls().environment == "prod"
    monkeypatch.setenv(f"{name.upper()}_PORT", "99999")
    with pytest.raises(ValidationError, match="port"):
        cls()


def healthy_and_broken(name, create_database, kafka_admin):
    """Settings whose dependencies are up, settings with one down, and what /readyz must name."""
    cls = settings_class(name)
    if name in ("scheduling", "escalation"):
        return (cls(database_url=create_database(name)),
                cls(database_url="postgresql+psycopg://peerbridge:peerbridge@127.0.0.1:1/none"),
                {"database": "OperationalError"})
    if name == "metrics":  # the read API is ready once it has read the worker's table changelogs
        app_id = f"contract-{uuid.uuid4().hex[:8]}"
        kafka_admin.create_topics([NewTopic(spec.changelog(app_id), spec.partitions, 1) for spec in TABLES])
        unreachable = KafkaSettings(bootstrap_servers="127.0.0.1:1")
        return cls(faust_app_id=app_id), cls(faust_app_id=app_id, kafka=unreachable), {"tables": "RuntimeError"}
    return cls(), cls(redis_url="redis://127.0.0.1:1/0"), {"redis": "ConnectionError"}


def ready_status(client, wait_s: float) -> int:
    deadline = time.monotonic() + wait_s
    while (status := client.get("/readyz").status_code) != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    return status


@pytest.mark.parametrize("name", SERVICES)
def test_operations_endpoints_answer_and_readiness_checks_real_dependencies(name, create_database, kafka_admin):
    create_app = service_module(name, "app").create_app
    healthy, broken, failing = healthy_and_broken(name, create_database, kafka_admin)
    with TestClient(create_app(healthy)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert ready_status(client, wait_s=20) == 200
        assert "openapi" in client.get("/openapi.json").json()
        assert client.get("/metrics").status_code == 200

    with TestClient(create_app(broken)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["dependencies"] == failing


def _merged(metadatas) -> MetaData:
    merged = MetaData()
    for metadata in metadatas:
        for table in metadata.tables.values():
            table.to_metadata(merged)
    return merged


@pytest.mark.parametrize("name", DB_SERVICES)
def test_migrations_build_the_schema_the_models_describe(name, create_database):
    url = create_database(name)
    upgrade(ROOT / "services" / name / "alembic.ini", url)
    engine = create_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection),
                                       _merged(service_module(name, "database").target_metadata()))
    engine.dispose()
    assert differences == []
