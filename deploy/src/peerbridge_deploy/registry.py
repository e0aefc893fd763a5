"""The process registry (deploy/processes.yaml), read and validated.

Everything else in this package renders from :func:`load` and the topic registry.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

REPO_ROOT = Path(__file__).resolve().parents[3]
REGISTRY_PATH = REPO_ROOT / "deploy" / "processes.yaml"

Kind = Literal["api", "worker", "relay", "singleton", "stateful"]
Egress = Literal["kafka", "postgres", "redis", "otlp", "https", "smtp"]
NAME = r"^[a-z][a-z0-9-]{0,40}[a-z0-9]$"
# How long a heartbeat process has to beat for the first time (joining a consumer group, reading a
# topic) before its probe counts: the Kubernetes startup probe, the compose start period.
HEARTBEAT_START_S = 300


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Image(Strict):
    env_prefix: str = Field(pattern=r"^[A-Z]+_$")
    database: str | None = None
    secrets: list[str] = []
    optional_secrets: list[str] = []
    config: dict[str, str] = {}
    extra_requirements: list[str] = []


class Resources(Strict):
    cpu: str
    memory: str
    cpu_limit: str
    memory_limit: str


class Http(Strict):
    port: int = Field(ge=1024, le=65535)
    name: str = "http"
    liveness: str | None = None
    readiness: str | None = None


class Tcp(Strict):
    port: int = Field(ge=1024, le=65535)
    name: str
    external: bool = Field(default=False, description="reached from outside the cluster (e.g. hospital interface "
                                                      "engines): its NetworkPolicy admits any source on the port")


class Heartbeat(Strict):
    """A process without a port beats a file (peerbridge_shared.heartbeat); the probe asks that the
    last beat is at most ``max_age_s`` old: longer than the longest legitimate gap between beats."""

    max_age_s: int = Field(default=60, ge=10, le=900)


class Autoscale(Strict):
    min: int = Field(ge=1)
    max: int = Field(ge=1)
    cpu_percent: int = Field(ge=10, le=100)


class Local(Strict):
    readiness: str | None = None


class Process(Strict):
    name: str = ""
    image: str
    kind: Kind
    command: list[str]
    http: Http | None = None
    tcp: Tcp | None = None
    heartbeat: Heartbeat | None = None
    metrics_port: int | None = None
    replicas: int = Field(default=1, ge=1)
    resources: str
    public: bool = False
    ingress_host: str = Field(default="peerbridge.example.org", description="its Ingress host (public processes)")
    ingress_path: str = Field(default="/", pattern=r"^/")
    autoscale: Autoscale | None = None
    data_env: str | None = None
    env: dict[str, str] = {}
    volume_size: str | None = None
    calls: list[str] = []
    egress: list[Egress] = []
    local: Local = Local()

    @model_validator(mode="after")
    def _consistent(self) -> "Process":
        probes = (self.http is not None) + (self.tcp is not None) + (self.heartbeat is not None)
        if probes > 1:
            raise ValueError(f"{self.name}: one of http, tcp or heartbeat")
        if not probes:
            raise ValueError(f"{self.name}: no probe: a process without a port beats a heartbeat (heartbeat:)")
        if self.kind == "singleton" and self.replicas != 1:
            raise ValueError(f"{self.name}: a singleton has one replica")
        if self.kind == "stateful" and not (self.data_env and self.volume_size):
            raise ValueError(f"{self.name}: a stateful worker needs data_env and volume_size")
        if self.kind == "api" and not (self.http and self.http.liveness and self.http.readiness):
            raise ValueError(f"{self.name}: an API serves liveness and readiness paths")
        return self

    @property
    def port(self) -> Http | Tcp | None:
        return self.http or self.tcp

    @property
    def heartbeat_check(self) -> list[str] | None:
        """The liveness command of a heartbeat process (Kubernetes exec probe, compose healthcheck)."""
        if self.heartbeat is None:
            return None
        return ["python", "-m", "peerbridge_shared.heartbeat", "check", "--max-age-s", str(self.heartbeat.max_age_s)]

    @property
    def module(self) -> str | None:
        """The module run by ``python -m MODULE``, if that is the command."""
        if self.command[:2] == ["python", "-m"]:
            return self.command[2]
        return None


class Infrastructure(Strict):
    kafka: str
    postgres: str
    redis: str
    otel_collector: str
    trace_ui: str
    python: str


class Registry(Strict):
    images: dict[str, Image]
    infrastructure: Infrastructure
    resources: dict[str, Resources]
    processes: dict[str, Process]
    topics_image: str

    @model_validator(mode="before")
    @classmethod
    def _name_processes(cls, data: dict) -> dict:
        for name, process in (data.get("processes") or {}).items():
            if isinstance(process, dict):
                process.setdefault("name", name)
        return data

    @model_validator(mode="after")
    def _references(self) -> "Registry":
        import re

        for name, process in self.processes.items():
            if not re.match(NAME, name):
                raise ValueError(f"process name {name!r} is not a DNS label")
            if process.image not in self.images:
                raise ValueError(f"{name}: unknown image {process.image!r}")
            if process.resources not in self.resources:
                raise ValueError(f"{name}: unknown resources preset {process.resources!r}")
            for callee in process.calls:
                if callee not in self.processes or self.processes[callee].port is None:
                    raise ValueError(f"{name}: calls {callee!r}, which has no port")
            if "{database_url}" in process.command and not self.images[process.image].database:
                raise ValueError(f"{name}: {{database_url}} but image {process.image} has no database")
        if self.topics_image not in self.images:
            raise ValueError(f"topics_image: unknown image {self.topics_image!r}")
        return self

    @cached_property
    def databases(self) -> dict[str, str]:
        """image -> database name, for the images that have one."""
        return {name: image.database for name, image in self.images.items() if image.database}

    def callers_of(self, callee: str) -> list[str]:
        return [name for name, process in self.processes.items() if callee in process.calls]


def load(path: Path = REGISTRY_PATH) -> Registry:
    return Registry.model_validate(yaml.safe_load(path.read_text()))


def secret_key(env_name: str) -> str:
    """DATABASE_URL -> database-url: the key in the image's Secret."""
    return env_name.lower().replace("_", "-")
