"""`make up` from a checkout the postgres user cannot traverse (cloned under /root as root): the
local PostgreSQL keeps its cluster outside the checkout, and start, status and stop agree on where.
Runs a cluster of its own on a free port (the shared stack is not touched)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("runuser") is None,
                                reason="the postgres user's view of a root-only checkout needs root")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(checkout: Path, env: dict[str, str], action: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(checkout / "deploy/local/postgres.sh"), action], env=env,
                          capture_output=True, text=True, timeout=180)


def test_a_checkout_under_a_root_only_directory_gets_a_cluster_outside_it(tmp_path):
    home = tmp_path / "root-home"
    checkout = home / "peerbridge"
    shutil.copytree(ROOT / "deploy/local", checkout / "deploy/local")
    home.chmod(0o700)  # like /root: the postgres user cannot enter
    port = free_port()
    env = {**os.environ, "PEERBRIDGE_PG_PORT": str(port)}
    env.pop("PEERBRIDGE_STACK_DIR", None)
    env.pop("PEERBRIDGE_PG_DIR", None)
    outside = None
    try:
        started = run(checkout, env, "start")
        assert started.returncode == 0, started.stderr
        status = run(checkout, env, "status")
        assert f"running on 127.0.0.1:{port}" in status.stdout
        data = Path(status.stdout.split("data in ")[1].rstrip(")\n"))
        outside = data.parent
        assert outside.parent == Path("/var/lib/peerbridge") and (data / "PG_VERSION").exists()
        assert not (checkout / ".stack/postgres/data").exists()
        with psycopg.connect(f"postgresql://peerbridge:peerbridge@127.0.0.1:{port}/peerbridge_scheduling") as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert run(checkout, env, "start").returncode == 0  # again: the same cluster, already running
    finally:
        stopped = run(checkout, env, "stop")
        if outside is not None:
            shutil.rmtree(outside, ignore_errors=True)
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped" in run(checkout, env, "status").stdout

