"""The private platform of tests/e2e, run from the images as Kubernetes would run them: every
workload of the rendered base (deploy/k8s/base) as a podman container with its manifest's command,
environment, user, read-only root, dropped capabilities, no privilege escalation and volumes
(peerbridge_deploy.containers), the migration Jobs first; ready by the manifest's probes (an exec
probe through ``podman exec``, an HTTP probe on the host port).

What differs from a cluster, and why: every container shares the host's network (the local Kafka
advertises 127.0.0.1), so each listening port is the run's own free port (APIs and Faust web
ports through their settings, the watchdog's metrics port in its arguments), and a Service name
in the images' ConfigMaps is 127.0.0.1 and that port. The ConfigMaps and Secrets hold this run's
values (its databases, Kafka, Redis, test timings), as an overlay would; the gateway's dev signing
key is mounted read-only, as a dev cluster would mount it from a Secret.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from peerbridge_deploy.containers import BASE, Cluster, probe_of, run_args, workloads
from peerbridge_deploy.registry import REPO_ROOT, load, secret_key
from peerbridge_shared.settings import KafkaSettings
from peerbridge_shared.testing.servers import free_port

from ..e2e.platform import Platform, Settings, Spec, platform_settings, started

REGISTRY = load()
CONTAINERS_CONF = REPO_ROOT / "deploy" / "images" / "containers.conf"
PODMAN = ["podman", "--runtime", "runc"]
PODMAN_ENV = {"CONTAINERS_CONF": str(CONTAINERS_CONF)}
DEV_KEY_PATH = "/etc/peerbridge/dev-key/dev-signing-key.pem"
TAG = os.environ.get("PEERBRIDGE_IMAGE_TAG", "dev")


def image(name: str) -> str:
    return f"localhost/peerbridge/{name}:{TAG}"


def podman(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*PODMAN, *args], env={**os.environ, **PODMAN_ENV}, capture_output=True, text=True,
                          timeout=timeout)


def images_missing() -> list[str]:
    return [image(name) for name in REGISTRY.images if podman("image", "exists", image(name)).returncode != 0]


def base_config_maps() -> dict[str, dict[str, str]]:
    documents = yaml.safe_load_all((BASE / "config.yaml").read_text(encoding="utf-8"))
    return {d["metadata"]["name"]: dict(d["data"]) for d in documents if d and d["kind"] == "ConfigMap"}


def cluster_for(settings: Settings, kafka: KafkaSettings, redis_url: str, home: Path) -> Cluster:
    """This run's ConfigMaps and Secrets: the base's, with the run's addresses and settings."""
    config = base_config_maps()
    config["peerbridge-platform"] = {"environment": "dev", "log-level": "INFO"}  # the dev overlay's
    config["peerbridge-kafka"] = {"bootstrap-servers": kafka.bootstrap_servers, "security-protocol": "PLAINTEXT"}
    token_secret = secrets.token_urlsafe(32)
    secret_values: dict[str, dict[str, str]] = {}
    run_secrets = {"INTERNAL_TOKEN_SECRET": token_secret, "REDIS_URL": redis_url,
                   "WEBHOOK_SIGNING_SECRET": secrets.token_urlsafe(32), "OIDC_CLIENT_SECRET": secrets.token_urlsafe(32)}
    for name, spec in REGISTRY.images.items():
        prefix = spec.env_prefix
        run_values = {key: value for key, value in settings.env[name].items()
                      if not key.endswith(("FAUST_DATA_DIR", "DEV_KEY_FILE"))}  # host paths, not the pod's
        config[f"peerbridge-{name}"] = {**config[f"peerbridge-{name}"], **run_values, f"{prefix}HOST": "127.0.0.1",
                                        "OTEL_TRACES_EXPORTER": "none"}
        values = {**run_secrets, "DATABASE_URL": settings.databases.get(name, "")}
        secret_values[f"peerbridge-{name}"] = {secret_key(key): values[key] for key in spec.secrets}
    config["peerbridge-gateway"]["GATEWAY_DEV_KEY_FILE"] = DEV_KEY_PATH
    gateway_pods = [name for name, process in REGISTRY.processes.items() if process.image == "gateway"]
    return Cluster(config, secret_values, home / "volumes",
                   extra_mounts={name: [(pod_readable(settings.dev_key, home), DEV_KEY_PATH)] for name in gateway_pods})


def pod_readable(key: Path, home: Path) -> Path:
    """A copy of the dev key the pods' user can read (a Secret volume with the pod's fsGroup)."""
    copy = home / "pod-secrets" / key.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(key.read_bytes())
    copy.chmod(0o440)
    if os.geteuid() == 0:
        os.chown(copy, 0, 10001)
    return copy


def host_port(settings: Settings, name: str) -> int | None:
    """The run's port for a process's listening port (None: it listens on none)."""
    process = REGISTRY.processes[name]
    if process.kind == "api":
        return settings.port[name]
    if name == "metrics-worker":
        return settings.port["metrics_web"]
    if name == "scheduling-mllp":
        return settings.port["mllp"]
    return None


def ready_command(settings: Settings, name: str, container: str, workload: dict) -> tuple[str | None, list | None]:
    """(URL, command) from the manifest's readiness, else startup, else liveness probe."""
    probe = probe_of(workload, "readinessProbe", "startupProbe", "livenessProbe")
    assert probe is not None, f"{name}: no probe in its manifest"
    if "exec" in probe:
        return None, [*PODMAN, "exec", container, *probe["exec"]["command"]]
    if "httpGet" in probe:
        return f"http://127.0.0.1:{host_port(settings, name)}{probe['httpGet']['path']}", None
    if "tcpSocket" in probe:  # as the kubelet checks it: a connection from outside the container
        connect = f"import socket; socket.create_connection(('127.0.0.1', {host_port(settings, name)}), 2).close()"
        return None, [sys.executable, "-c", connect]
    raise AssertionError(f"{name}: probe {sorted(probe)} is not run here")


def container_spec(settings: Settings, cluster: Cluster, name: str, workload: dict) -> Spec:
    process = REGISTRY.processes[name]
    container = f"pb-{settings.tag}-{name}"
    args = run_args(name, workload, image(process.image), cluster, container_name=container)
    if process.metrics_port:  # its own port on the shared host network
        args = [str(free_port()) if part == str(process.metrics_port) else part for part in args]
    url, command = ready_command(settings, name, container, workload)
    return Spec([*PODMAN, *args], PODMAN_ENV, ready_url=url, ready_command=command)


def migrate(cluster: Cluster, all_workloads: dict[str, dict], logs: Path, tag: str) -> None:
    """The migration Jobs, each run to completion from its image."""
    for name, workload in all_workloads.items():
        if workload["kind"] != "Job" or not name.startswith("migrate-"):
            continue
        service = name.removeprefix("migrate-")
        args = run_args(name, workload, image(service), cluster, container_name=f"pb-{tag}-{name}")
        done = podman(*args, timeout=300)
        (logs / f"{name}.log").write_text(done.stdout + done.stderr)
        if done.returncode != 0:
            pytest.fail(f"{name} failed ({done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}")


@contextmanager
def container_platform(create_database: Callable[[str], str], kafka: KafkaSettings, home: Path, *,
                       smtp_port: int, redis_url: str = "redis://127.0.0.1:6379/0") -> Iterator[Platform]:
    missing = images_missing()
    if missing:
        pytest.fail(f"images not built: {missing}; run `make images`")
    databases = {name: create_database(f"img_{name}") for name, spec in REGISTRY.images.items() if spec.database}
    settings = platform_settings(databases, kafka, home, smtp_port=smtp_port)
    cluster = cluster_for(settings, kafka, redis_url, home)
    all_workloads = workloads()
    logs = home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    migrate(cluster, all_workloads, logs, settings.tag)
    specs = {name: container_spec(settings, cluster, name, all_workloads[name]) for name in REGISTRY.processes}
    try:
        with started(settings, specs, home, kafka) as platform:
            yield platform
    finally:
        for name in specs:  # a container whose podman was killed is removed too
            podman("rm", "--force", "--ignore", f"pb-{settings.tag}-{name}", timeout=120)
