"""Every process without a port beats its heartbeat under its real command (the registry's, as the
local run starts it), so its liveness probe passes, and keeps beating while its database or Redis is
down: a probe must not restart a process that is waiting out an outage.

Needs Kafka (the local stack); PostgreSQL and Redis are deliberately unreachable. Consumers use
groups of their own starting at the end of their topics, and the feed a table name no worker
writes, so nothing here reads or writes another run's data."""

from __future__ import annotations

import socket
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from peerbridge_deploy.local import local_lines
from peerbridge_deploy.registry import REPO_ROOT, load
from peerbridge_shared import heartbeat
from peerbridge_shared.testing.processes import running

UNREACHABLE_POSTGRES = "postgresql+psycopg://peerbridge:peerbridge@127.0.0.1:1"
REGISTRY = load()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh(path: Path, max_age_s: float) -> bool:
    return heartbeat.check(path, max_age_s)[0]


def test_every_portless_process_beats_while_its_database_and_redis_are_down(tmp_path, kafka_admin):
    run = uuid.uuid4().hex[:8]
    env = {
        "SCHEDULING_DATABASE_URL": f"{UNREACHABLE_POSTGRES}/peerbridge_scheduling",
        "ESCALATION_DATABASE_URL": f"{UNREACHABLE_POSTGRES}/peerbridge_escalation",
        "GATEWAY_REDIS_URL": "redis://127.0.0.1:1/0",
        "GATEWAY_FANOUT_GROUP_ID": f"test-fanout-{run}", "GATEWAY_FANOUT_OFFSET_RESET": "latest",
        "GATEWAY_WEBHOOKS_GROUP_ID": f"test-webhooks-{run}", "GATEWAY_WEBHOOKS_OFFSET_RESET": "latest",
        "METRICS_FAUST_APP_ID": f"test-feed-{run}",  # no changelogs: the view waits, nothing is published
        # the escalation worker: a group of its own at the topics' end, its own web port and state
        "ESCALATION_FAUST_APP_ID": f"test-escalation-{run}", "ESCALATION_FAUST_OFFSET_RESET": "latest",
        "ESCALATION_FAUST_WEB_PORT": str(free_port()), "ESCALATION_FAUST_DATA_DIR": str(tmp_path / "faust"),
    }
    commands = {line.split("|")[0]: line.split("|")[3].replace("--metrics-port 9102", f"--metrics-port {free_port()}")
                for line in local_lines(REGISTRY, REPO_ROOT / ".venv", UNREACHABLE_POSTGRES)}
    beating = {name: process.heartbeat.max_age_s for name, process in REGISTRY.processes.items() if process.heartbeat}
    assert set(beating) <= set(commands), "every heartbeat process is installed"
    files = {name: tmp_path / f"{name}.heartbeat" for name in beating}

    with ExitStack() as stack:
        processes = {name: stack.enter_context(running(
            commands[name].split(), log=tmp_path / f"{name}.log", env={**env, heartbeat.ENV: str(files[name])}))
            for name in beating}

        def wait_for_beats(what: str) -> None:
            deadline = time.monotonic() + 90
            while not all(fresh(files[name], beating[name]) for name in beating):
                exited = {name: p.returncode for name, p in processes.items() if p.poll() is not None}
                late = [name for name in beating if not fresh(files[name], beating[name])]
                if exited or time.monotonic() > deadline:
                    logs = "\n".join(f"--- {name}\n{(tmp_path / f'{name}.log').read_text()[-1500:]}" for name in late)
                    raise AssertionError(f"{what}: no beat from {late}; exited: {exited}\n{logs}")
                time.sleep(0.2)

        wait_for_beats("first beat")
        for path in files.values():  # and they keep beating, through their failing passes and waits
            path.unlink()
        wait_for_beats("beat again")
