"""docker-compose.yml for real (`make compose-smoke`): docker compose (v2, built from its Go module)
against podman's Docker API, the production-like file with a PostgreSQL password of this run (it
has no default; compose must refuse to start without one), the third-party images replaced through
their variables by the stand-ins built here (deploy/images/build.sh --infra), only the gateway's
port published (and the feed publisher's clock 40 days ahead, so this month's report is
published now); then a PHQ-9 item 9 answer reaches the clinician's WebSocket through the
containerized gateway, and the funder gets the program's outcome report.

Podman runs healthchecks from systemd timers; on a machine without systemd a thread here runs
each at its interval instead (``podman healthcheck run``), so compose's ``service_healthy``
conditions mean what they say.

Skipped unless PEERBRIDGE_COMPOSE_SMOKE is set; DOCKER_COMPOSE names the compose binary."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from peerbridge_deploy.registry import REPO_ROOT
from peerbridge_shared.testing.servers import free_port
from peerbridge_simulator.tokens import DevTokens, User

from ..e2e.test_safety_signal_to_funder_feed import Api, Socket, month, wait_until
from .platform import PODMAN, PODMAN_ENV, podman

pytestmark = pytest.mark.skipif(not os.environ.get("PEERBRIDGE_COMPOSE_SMOKE"),
                                reason="make compose-smoke (needs `make images` and `build.sh --infra`)")
STAND_INS = {"KAFKA_IMAGE": "kafka", "POSTGRES_IMAGE": "postgres", "REDIS_IMAGE": "redis",
             "OTEL_COLLECTOR_IMAGE": "otlp-sink", "TRACE_UI_IMAGE": "otlp-sink"}
DEV_KEY = "/var/lib/peerbridge/data/dev-signing-key.pem"
COMPOSE = os.environ.get("DOCKER_COMPOSE") or shutil.which("docker-compose") or "docker-compose"


def compose(project: str, files: list[Path], env: dict[str, str], *args: str,
            timeout: float = 900) -> subprocess.CompletedProcess:
    named = [part for path in files for part in ("-f", str(path))]
    command = [COMPOSE, "-p", project, *named, *args]
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)


@contextmanager
def docker_api(home: Path) -> Iterator[str]:
    """podman's Docker-compatible API on a socket of this run: the DOCKER_HOST for compose."""
    socket = home / "podman.sock"
    service = subprocess.Popen([*PODMAN, "system", "service", "--time=0", f"unix://{socket}"],
                               env={**os.environ, **PODMAN_ENV}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not socket.exists():
            assert time.monotonic() < deadline and service.poll() is None, "podman system service did not start"
            time.sleep(0.2)
        yield f"unix://{socket}"
    finally:
        service.terminate()
        service.wait(timeout=30)


def go_duration_s(text: str) -> float:
    """``10s``, ``1m0s``, ``500ms`` (podman's Go durations) in seconds; a bare number is nanoseconds."""
    if text.isdigit():
        return int(text) / 1e9
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
    return sum(float(number) * units[unit] for number, unit in re.findall(r"([\d.]+)(ms|us|µs|ns|h|m|s)", text))


@contextmanager
def health_ticker(project: str) -> Iterator[None]:
    """What systemd's timers do for podman: run each container's healthcheck at its interval."""
    stop, due = threading.Event(), {}

    def interval_s(name: str) -> float:
        seen = podman("inspect", "--format", "{{.Config.Healthcheck.Interval}}", name, timeout=60).stdout.strip()
        return go_duration_s(seen) or 30.0

    def tick() -> None:
        while not stop.wait(1):
            names = podman("ps", "--filter", f"label=com.docker.compose.project={project}",
                           "--format", "{{.Names}}", timeout=60).stdout.split()
            for name in names:
                if name not in due:
                    due[name] = (time.monotonic(), interval_s(name))
                started, every = due[name]
                if time.monotonic() >= started:
                    podman("healthcheck", "run", name, timeout=60)
                    due[name] = (time.monotonic() + every, every)

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=120)


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
    # the feed publisher looks 40 days ahead, so this month counts as closed and its funder report is
    # published now (as in tests/e2e), not after the month and its grace have passed
    published.write_text(yaml.safe_dump({"services": {
        "gateway": {"ports": [f"127.0.0.1:{port}:8000"]},
        "metrics-feed": {"environment": {"METRICS_FUNDER_CLOCK_OFFSET_DAYS": "40", "METRICS_FEED_INTERVAL_S": "1"}}}}))
    files = [REPO_ROOT / "docker-compose.yml", published]
    with ExitStack() as stack:
        env = {**os.environ, **PODMAN_ENV, "DOCKER_HOST": stack.enter_context(docker_api(home)),
               "POSTGRES_PASSWORD": secrets.token_urlsafe(18), "PEERBRIDGE_TAG": "dev",
               **{variable: f"localhost/peerbridge/{name}:local" for variable, name in STAND_INS.items()}}
        missing = {variable: image for variable, image in env.items() if variable in STAND_INS
                   and podman("image", "exists", image).returncode != 0}
        if missing:
            pytest.fail(f"stand-in images not built: {missing}; run deploy/images/build.sh --infra")
        without_secret = {key: value for key, value in env.items() if key != "POSTGRES_PASSWORD"}
        refused = compose(project, files, without_secret, "up", "-d", timeout=120)
        assert refused.returncode != 0 and "set POSTGRES_PASSWORD" in refused.stdout + refused.stderr
        dev = compose(project, [REPO_ROOT / "docker-compose.yml", REPO_ROOT / "docker-compose.override.yml"],
                      without_secret, "--env-file", str(REPO_ROOT / "deploy/compose/dev.env"), "config", "--quiet",
                      timeout=120)
        assert dev.returncode == 0, "deploy/compose/dev.env supplies the password: " + dev.stderr
        stack.enter_context(health_ticker(project))
        stack.callback(lambda: compose(project, files, env, "down", "-v", timeout=600))
        stack.callback(lambda: (home / "compose.log").write_text(_logs(project, files, env)))
        yield up_and_ready(project, files, env, home, port)


def _logs(project: str, files: list[Path], env: dict[str, str]) -> str:
    done = compose(project, files, env, "logs", timeout=300)
    return done.stdout + done.stderr


def up_and_ready(project: str, files: list[Path], env: dict[str, str], home: Path, port: int) -> tuple[str, Path]:
    up = compose(project, files, env, "up", "-d", "--no-build", "--pull", "never")
    (home / "up.log").write_text(up.stdout + up.stderr)
    assert up.returncode == 0, (up.stdout + up.stderr)[-3000:]
    deadline = time.monotonic() + 600
    while not answers(f"http://127.0.0.1:{port}/readyz"):
        if time.monotonic() > deadline:
            pytest.fail(f"the compose gateway is not ready in 600 s:\n{_logs(project, files, env)[-6000:]}")
        time.sleep(2)
    read = compose(project, files, env, "exec", "-T", "gateway", "cat", DEV_KEY, timeout=60)
    assert read.returncode == 0, read.stderr
    key = home / "dev-signing-key.pem"
    key.write_text(read.stdout)
    return f"http://127.0.0.1:{port}", key


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
