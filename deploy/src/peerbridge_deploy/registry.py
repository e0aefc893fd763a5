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
    no_probe: str | None = None
    metrics_port: int | None = None
    replicas: int = Field(default=1, ge=1)
    resources: str
    public: bool = False
    autoscale: Autoscale | None = None
    data_env: str | None = None
    env: dict[str, str] = {}
    volume_size: str | None = None
    calls: list[str] = []
    egress: list[Egress] = []
    local: Local = Local()

    @model_validator(mode="after")
    def _consistent(self) -> "Process":
        probes = (self.http is not None) + (self.tcp is not None)
        if probes > 1:
            raise ValueError(f"{self.name}: http or tcp, not both")
        if not probes and not self.no_probe:
            raise ValueError(f"{self.name}: no port: say why it has no probe (no_probe)")
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
