"""A Keycloak of its own for a test session or a benchmark: the pinned distribution (fetched once by
deploy/local/keycloak.sh), started on a free port with an in-memory database, the repo's realm
imported through the admin API."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from peerbridge_console.devrealm import ADMIN_PASSWORD, ADMIN_USER, Keycloak
from peerbridge_shared.testing.processes import running
from peerbridge_shared.testing.servers import free_port

SCRIPT = Path(__file__).resolve().parents[3] / "deploy" / "local" / "keycloak.sh"


@contextmanager
def keycloak_server(log: Path) -> Iterator[str]:
    """Its base URL while the block runs."""
    subprocess.run(["bash", str(SCRIPT), "fetch"], check=True)
    args = subprocess.run(["bash", str(SCRIPT), "command", str(port := free_port())], check=True,
                          capture_output=True, text=True).stdout.split()
    env = {"KC_BOOTSTRAP_ADMIN_USERNAME": ADMIN_USER, "KC_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
           "JAVA_OPTS_KC_HEAP": "-Xms64m -Xmx512m"}
    with running(args, log=log, env=env, ready=lambda text: "Listening on" in text, timeout_s=300):
        base = f"http://127.0.0.1:{port}"
        Keycloak(base).ensure_realm()
        yield base
