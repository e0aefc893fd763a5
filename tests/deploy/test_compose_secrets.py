"""No secret silently defaults in the production-like docker-compose.yml: the PostgreSQL password
is required (compose stops with a message without it), and the dev override gives every place
that uses it the development value, so the merged dev configuration needs no variable."""

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


def merged(base: dict, override: dict) -> dict:
    """Compose's merge for what the override sets: mappings merged, anything else replaced."""
    result = dict(base)
    for key, value in override.items():
        result[key] = merged(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) \
            else value
    return result


def test_the_password_has_no_default_anywhere():
    uses = [(path, text) for path, text in strings(BASE) if "POSTGRES_PASSWORD" in text]
    assert len(uses) > 5  # postgres itself, the migrations, every process with a database
    for path, text in uses:
        assert REQUIRED in text and "${POSTGRES_PASSWORD:-" not in text, path
    defaults = [(path, text) for path, text in strings(BASE) for name in re.findall(r"\$\{(\w+):-", text)
                if re.search("PASSWORD|SECRET|TOKEN|KEY", name)]
    assert defaults == []


def test_the_dev_override_supplies_every_use_of_the_password():
    dev = merged(BASE, OVERRIDE)
    assert [path for path, text in strings(dev) if "POSTGRES_PASSWORD:?" in text] == []
    assert dev["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"] == "peerbridge"
    assert "peerbridge:peerbridge@postgres" in dev["services"]["scheduling-relay"]["command"][-1]


def test_third_party_images_are_variables_with_the_registrys_defaults():
    for service, variable in {"kafka": "KAFKA_IMAGE", "postgres": "POSTGRES_IMAGE", "redis": "REDIS_IMAGE",
                              "otel-collector": "OTEL_COLLECTOR_IMAGE", "trace-ui": "TRACE_UI_IMAGE"}.items():
        assert re.fullmatch(rf"\$\{{{variable}:-[\w./:-]+\}}", BASE["services"][service]["image"]), service
