"""Run a service's HTTP app the same way everywhere: JSON logs, tracing, uvicorn."""

from __future__ import annotations

from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from .logs import configure_logging
from .settings import ServiceSettings
from .telemetry import setup_tracing

UVICORN_OPTIONS = {"proxy_headers": False, "forwarded_allow_ips": "", "loop": "uvloop", "http": "httptools"}
"""uvicorn would otherwise take X-Forwarded-For from any loopback peer as the client's address; the
gateway decides itself which proxies it believes (GATEWAY_TRUSTED_PROXIES). The libuv loop and the
C HTTP parser (dependencies of this package), named so that a missing one fails at start instead of
silently serving at a fraction of the rate."""


def serve(create_app: Callable[[ServiceSettings], FastAPI], settings: ServiceSettings) -> None:
    """Validate settings (already done by constructing them), set up logs and traces, serve."""
    configure_logging(settings.service_name, settings.log_level)
    setup_tracing(settings.service_name)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None, access_log=False,
                **UVICORN_OPTIONS)
