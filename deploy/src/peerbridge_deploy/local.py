"""The local run's process list (deploy/local/services.sh), from the registry.

One line a process, ``name|readiness URL (empty: none)|heartbeat max age in s (empty: none)|command``
(services.sh gives each process its own heartbeat file, ``.stack/services/<name>.heartbeat``). A
process whose module is not installed yet (a registry entry for work that has not landed) is left
out, with a note on stderr, so the registry can name every process type while the local run starts
only what exists.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from .registry import Process, Registry


def runnable(process: Process, venv: Path) -> bool:
    module = process.module
    if module is None:
        return (venv / "bin" / process.command[0]).exists()
    try:
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.submodule_search_locations is not None:  # a package: needs __main__
            spec = importlib.util.find_spec(module + ".__main__")
    except ImportError:
        return False
    return spec is not None


def local_lines(registry: Registry, venv: Path, postgres: str) -> list[str]:
    lines, skipped = [], []
    for process in registry.processes.values():
        if not runnable(process, venv):
            skipped.append(process.name)
            continue
        database = registry.images[process.image].database

        def fill(part: str, database: str | None = database) -> str:
            return f"{postgres}/{database}" if part == "{database_url}" else part

        command = [fill(part) for part in process.command]
        command[0] = str(venv / "bin" / command[0])
        url = ""
        if process.http and (process.local.readiness or process.http.readiness):
            url = f"http://127.0.0.1:{process.http.port}{process.local.readiness or process.http.readiness}"
        max_age = str(process.heartbeat.max_age_s) if process.heartbeat else ""
        lines.append(f"{process.name}|{url}|{max_age}|{' '.join(command)}")
    if skipped:
        print(f"[stack] not installed yet, skipped: {', '.join(skipped)}", file=sys.stderr)
    return lines
