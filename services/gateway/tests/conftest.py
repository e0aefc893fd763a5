"""Gateway tests run against real scheduling and escalation servers (their own PostgreSQL
databases), a metrics read API keeping to the agreed contract, real Redis and real Kafka."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from peerbridge_escalation.app import create_app as create_escalation
from peerbridge_escalation.settings import EscalationSettings
from peerbridge_gateway.app import create_app
from peerbridge_gateway.auth.dev_keys import ensure_dev_key
from peerbridge_gateway.auth.dev_token import sign_user_token
from peerbridge_gateway.settings import DEV_ISSUER, GatewaySettings
from peerbridge_scheduling.app import create_app as create_scheduling
from peerbridge_scheduling.settings import SchedulingSettings
from peerbridge_shared.db import Database

from . import metrics_stub

SERVICES = Path(__file__).resolve().parents[2]
AUDIENCE = "peerbridge-api"


@pytest.fixture(scope="session")
def scheduling_base(run_server, migrated_database) -> str:
    url = migrated_database("gw_scheduling", SERVICES / "scheduling" / "alembic.ini")
    return run_server(create_scheduling(SchedulingSettings(database_url=url)))


@pytest.fixture(scope="session")
def escalation_url(migrated_database) -> str:
    return migrated_database("gw_escalation", SERVICES / "escalation" / "alembic.ini")


@pytest.fixture(scope="session")
def escalation_db(escalation_url) -> Iterator[Database]:
    database = Database(escalation_url)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def escalation_base(run_server, escalation_url, scheduling_base) -> str:
    return run_server(create_escalation(EscalationSettings(database_url=escalation_url,
                                                           scheduling_url=scheduling_base)))


@pytest.fixture(scope="session")
def metrics_base(run_server) -> str:
    return run_server(metrics_stub.create_app())


@pytest.fixture(scope="session")
def dev_key_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("gateway-keys") / "dev-signing-key.pem"
    ensure_dev_key(path)
    return path


@pytest.fixture
def gateway_settings(scheduling_base, escalation_base, metrics_base, dev_key_file) -> GatewaySettings:
    return GatewaySettings(environment="test", scheduling_url=scheduling_base, escalation_url=escalation_base,
                           metrics_url=metrics_base, dev_key_file=str(dev_key_file),
                           redis_prefix=f"test:{uuid.uuid4().hex[:10]}:", upstream_retry_backoff_s=0.01)


@pytest.fixture
def gateway(gateway_settings) -> Iterator[TestClient]:
    with TestClient(create_app(gateway_settings)) as client:
        yield client


Token = Callable[..., dict[str, str]]


@pytest.fixture(scope="session")
def token(dev_key_file) -> Token:
    """``token(org, role, user=..., programs=[...])``: Authorization headers with a dev user token."""
    key = ensure_dev_key(dev_key_file)

    def make(organization: str, *roles: str, user: str | None = None, programs: list[str] | tuple = (),
             **claims: object) -> dict[str, str]:
        signed = sign_user_token(key, issuer=DEV_ISSUER, audience=AUDIENCE, organization=organization,
                                 user=user or f"{roles[0]}-user", roles=roles, programs=programs, **claims)
        return {"Authorization": f"Bearer {signed}"}

    return make


@pytest.fixture
def tenant() -> str:
    return f"org-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def gateway_settings_module(scheduling_base, escalation_base, metrics_base, dev_key_file) -> GatewaySettings:
    return GatewaySettings(environment="test", scheduling_url=scheduling_base, escalation_url=escalation_base,
                           metrics_url=metrics_base, dev_key_file=str(dev_key_file),
                           redis_prefix=f"test:{uuid.uuid4().hex[:10]}:", upstream_retry_backoff_s=0.01,
                           rate_limit_per_token=100_000, rate_limit_per_ip=100_000)


@pytest.fixture(scope="module")
def token_module(token) -> Token:
    return token
