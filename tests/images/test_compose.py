"""docker-compose.yml for real (`make compose-smoke`): the production-like file run by podman-compose
with a PostgreSQL password of this run (it has no default), the third-party images replaced through
their variables by the stand-ins built here (deploy/images/build.sh --infra), only the gateway's
port published; then a PHQ-9 item 9 answer reaches the clinician's WebSocket through the
containerized gateway, and the funder gets the program's outcome report.

Skipped unless PEERBRIDGE_COMPOSE_SMOKE is set (CI sets it after `make images`)."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from peerbridge_deploy.registry import REPO_ROOT
from peerbridge_shared.testing.servers import free_port
from peerbridge_simulator.tokens import DevTokens, User

from ..e2e.test_safety_signal_to_funder_feed import Api, Socket, month, wait_until
from .platform import PODMAN_ENV, podman

pytestmark = pytest.mark.skipif(not os.environ.get("PEERBRIDGE_COMPOSE_SMOKE"),
                                reason="make compose-smoke (needs `make images` and `build.sh --infra`)")
STAND_INS = {"KAFKA_IMAGE": "kafka", "POSTGRES_IMAGE": "postgres", "REDIS_IMAGE": "redis",
             "OTEL_COLLECTOR_IMAGE": "otlp-sink", "TRACE_UI_IMAGE": "otlp-sink"}
COMPOSE = os.environ.get("PODMAN_COMPOSE") or shutil.which("podman-compose") or "podman-compose"


def compose(project: str, files: list[Path], env: dict[str, str], *args: str,
            timeout: float = 900) -> subprocess.CompletedProcess:
    named = [part for path in files for part in ("-f", str(path))]
    command = [COMPOSE, "--in-pod", "false", "-p", project, *named, *args]
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def compose_gateway(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    home = tmp_path_factory.mktemp("compose")
    project, port = f"pbsmoke{uuid.uuid4().hex[:6]}", free_port()
    published = home / "publish-gateway.yml"
    published.write_text(yaml.safe_dump({"services": {"gateway": {"ports": [f"127.0.0.1:{port}:8000"]}}}))
    files = [REPO_ROOT / "docker-compose.yml", published]
    env = {**os.environ, **PODMAN_ENV, "POSTGRES_PASSWORD": secrets.token_urlsafe(18), "PEERBRIDGE_TAG": "dev",
           **{variable: f"localhost/peerbridge/{name}:local" for variable, name in STAND_INS.items()}}
    missing = {variable: image for variable, image in env.items() if variable in STAND_INS
               and podman("image", "exists", image).returncode != 0}
    if missing:
        pytest.fail(f"stand-in images not built: {missing}; run deploy/images/build.sh --infra")
    without_secret = {key: value for key, value in env.items() if key != "POSTGRES_PASSWORD"}
    refused = compose(project, files, without_secret, "up", "-d", timeout=120)
    assert refused.returncode != 0 and "set POSTGRES_PASSWORD" in refused.stdout + refused.stderr
    try:
        up = compose(project, files, env, "up", "-d")
        (home / "up.log").write_text(up.stdout + up.stderr)
        assert up.returncode == 0, (up.stdout + up.stderr)[-3000:]
        deadline = time.monotonic() + 600
        while not answers(f"http://127.0.0.1:{port}/readyz"):
            if time.monotonic() > deadline:
                logs = compose(project, files, env, "logs", "--tail", "40", timeout=120)
                pytest.fail(f"the compose gateway is not ready in 600 s:\n{(logs.stdout + logs.stderr)[-6000:]}")
            time.sleep(2)
        key = home / "dev-signing-key.pem"
        read = podman("exec", f"{project}_gateway_1", "cat", "/var/lib/peerbridge/data/dev-signing-key.pem")
        assert read.returncode == 0, read.stderr
        key.write_text(read.stdout)
        yield f"http://127.0.0.1:{port}", key
    finally:
        logs = compose(project, files, env, "logs", timeout=300)
        (home / "compose.log").write_text(logs.stdout + logs.stderr)
        compose(project, files, env, "down", "-v", timeout=600)


@pytest.mark.timeout(1500)
def test_a_phq9_signal_reaches_the_clinician_and_the_funder_report_through_compose(compose_gateway):
    base, key = compose_gateway
    org = f"org-compose-{uuid.uuid4().hex[:8]}"
    tokens = DevTokens(org, key)
    admin = Api(base, tokens, User("admin-compose", ("program_admin",)))
    funder = Api(base, tokens, User("funder-compose", ("funder",)))
    program = admin("POST", "/programs", 201, json={"name": "Compose program", "time_zone": "America/New_York",
                                                     "payer_ids": ["medicaid-nc"]})["id"]
    site = admin("POST", f"/programs/{program}/sites", 201, json={"name": "Main clinic"})["id"]
    clinician = admin("POST", "/clinicians", 201, json={"display_name": "Dr Own", "license_type": "LCSW",
                                                        "license_number": "NC-1", "jurisdiction": "NC"})["id"]
    person = admin("POST", "/participants", 201, json={"given_name": "Ada", "family_name": "Compose",
                                                       "birth_date": "1980-04-02"})["id"]
    admin("POST", f"/participants/{person}/consents", 201, json={
        "program_id": program, "kind": "program", "granted": True, "effective_at": datetime.now(UTC).isoformat()})
    admin("POST", "/enrollments", 201, json={
        "participant_id": person, "program_id": program, "site_id": site, "payer_id": "medicaid-nc",
        "enrolled_on": str((datetime.now(UTC) - timedelta(days=7)).date()), "clinician_id": clinician})
    own = User(clinician, ("clinician",), (program,))
    with Socket(base, tokens.headers(own)) as socket:
        response = admin("POST", f"/participants/{person}/questionnaire-responses", 201, json={
            "program_id": program, "instrument": "phq9", "answers": {str(i): 2 for i in range(1, 10)},
            "completed_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()})
        assert response["safety_signal"]
        opened = socket.wait_for(lambda e: e["name"] == "case.opened"
                                 and e["event"]["data"]["participant_id"] == person, timeout_s=300)
        assert opened["event"]["risk_level"] == "high"
    period = month(opened["event"]["data"]["opened_at"])
    listed = wait_until(lambda: funder("GET", "/feeds", params={"program_id": program}),
                        lambda feeds: any(f["period"] == period for f in feeds), 300, "the program's report")
    assert {f["program_id"] for f in listed} == {program}
    report = funder("GET", f"/feeds/{program}/{period}")
    assert report["program_id"] == program and "measures" in report
    assert person not in str(report)
