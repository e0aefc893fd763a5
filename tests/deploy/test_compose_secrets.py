"""No secret silently defaults in docker-compose.yml: the PostgreSQL password is required (compose
stops with a message without it); the development value is in deploy/compose/dev.env, which a
developer names (`--env-file`), never read by itself."""

from __future__ import annotations

import re
from typing import Any

import yaml

from peerbridge_deploy.registry import REPO_ROOT

BASE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
OVERRIDE = yaml.safe_load((REPO_ROOT / "docker-compose.override.yml").read_text())
REQUIRED = "${POSTGRES_PASSWORD:?"


def strings(node: Any, path: tuple = ()) -> list[tuple[tuple, str]]:
    if isinstance(node, dict):
        return [item for key, value in node.items() for item in strings(value, (*path, key))]
    if isinstance(node, list):
        return [item for index, value in enumerate(node) for item in strings(value, (*path, index))]
    return [(path, node)] if isinstance(node, str) else []


def test_the_password_has_no_default_anywhere():
    uses = [(path, text) for path, text in strings(BASE) if "POSTGRES_PASSWORD" in text]
    assert len(uses) > 5  # postgres itself, the migrations, every process with a database
    for path, text in uses:
        assert REQUIRED in text and "${POSTGRES_PASSWORD:-" not in text, path
    defaults = [(path, text) for path, text in strings(BASE) for name in re.findall(r"\$\{(\w+):-", text)
                if re.search("PASSWORD|SECRET|TOKEN|KEY", name)]
    assert defaults == []


def test_the_development_password_is_named_only_by_its_env_file():
    dev = dict(line.split("=", 1) for line in (REPO_ROOT / "deploy/compose/dev.env").read_text().splitlines()
               if line and not line.startswith("#"))
    assert dev == {"POSTGRES_PASSWORD": "peerbridge"}
    assert not (REPO_ROOT / ".env").exists(), "compose would read a .env by itself"
    assert "POSTGRES_PASSWORD" not in (REPO_ROOT / "docker-compose.override.yml").read_text()


def test_third_party_images_are_variables_with_the_registrys_defaults():
    for service, variable in {"kafka": "KAFKA_IMAGE", "postgres": "POSTGRES_IMAGE", "redis": "REDIS_IMAGE",
                              "otel-collector": "OTEL_COLLECTOR_IMAGE", "trace-ui": "TRACE_UI_IMAGE"}.items():
        assert re.fullmatch(rf"\$\{{{variable}:-[\w./:-]+\}}", BASE["services"][service]["image"]), service
