"""What the gateway benchmarks share: service processes on free ports, a dev-signed user token,
and a load loop."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from peerbridge_gateway.auth.dev_keys import ensure_dev_key
from peerbridge_gateway.auth.dev_token import sign_user_token
from peerbridge_gateway.settings import DEV_ISSUER

BARE_APP = """
import uvicorn
from fastapi import FastAPI
app = FastAPI()
@app.get("/programs/{program_id}")
def read(program_id: str) -> dict:
    return {"id": program_id, "name": "bare", "time_zone": "America/New_York"}
uvicorn.run(app, host="127.0.0.1", port=int(__import__("sys").argv[1]), log_level="warning", access_log=False)
"""
KEY_FILE = Path(tempfile.gettempdir()) / "peerbridge-bench-dev-key.pem"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def process(args: list[str], env: dict[str, str], ready_url: str) -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen(args, env={**os.environ, "OTEL_TRACES_EXPORTER": "none", **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(ready_url, timeout=1).status_code < 500:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"{args} did not start")
        time.sleep(0.2)
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(30)


def bare_server(port: int):
    return process([sys.executable, "-c", BARE_APP, str(port)], {}, f"http://127.0.0.1:{port}/programs/x")


def gateway_server(port: int, prefix: str, **env: str):
    settings = {"GATEWAY_PORT": str(port), "GATEWAY_ENVIRONMENT": "test", "GATEWAY_DEV_KEY_FILE": str(KEY_FILE),
                "GATEWAY_REDIS_PREFIX": prefix, "GATEWAY_RATE_LIMIT_PER_TOKEN": "100000000",
                "GATEWAY_RATE_LIMIT_PER_IP": "100000000", "GATEWAY_LOG_LEVEL": "WARNING", **env}
    return process([sys.executable, "-m", "peerbridge_gateway"], settings, f"http://127.0.0.1:{port}/readyz")


def user_token(organization: str, role: str, **claims: object) -> str:
    key = ensure_dev_key(KEY_FILE)
    return sign_user_token(key, issuer=DEV_ISSUER, audience="peerbridge-api", organization=organization,
                           user=f"{role}-bench", roles=[role], ttl_s=3600, **claims)


async def _load(url: str, headers: dict[str, str], seconds: float, concurrency: int) -> tuple[int, list[float]]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:
        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                response = await client.get(url)
                if response.status_code == 200:
                    latencies.append((time.perf_counter() - start) * 1000)
                else:
                    errors += 1
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return errors, latencies


def cpu_seconds(proc: subprocess.Popen) -> float:
    """User and system CPU time the process has used so far (Linux)."""
    fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(url: str, headers: dict[str, str], seconds: float, concurrency: int,
         server: subprocess.Popen | None = None) -> tuple[float, int, list[float], float | None]:
    """(requests per second that answered 200, errors, latencies in ms, and the CPU ms per request
    that ``server`` spent meanwhile, when given) for GETs of ``url``. The CPU time per request moves
    much less than the rate when other work shares the machine."""
    asyncio.run(_load(url, headers, 1.0, concurrency))  # warm-up: connections, caches
    before = cpu_seconds(server) if server else 0.0
    errors, latencies = asyncio.run(_load(url, headers, seconds, concurrency))
    cpu_ms = 1000 * (cpu_seconds(server) - before) / max(1, len(latencies) + errors) if server else None
    return len(latencies) / seconds, errors, latencies, cpu_ms
