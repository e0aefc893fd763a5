"""Service processes for tests: started with their real command line, logging to a file, stopped
at the end; a test that waits for one fails with the tail of its log instead of hanging."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def running(args: list[str], *, log: Path, env: Mapping[str, str] | None = None,
            ready: Callable[[str], bool] | None = None, timeout_s: float = 90.0) -> Iterator[subprocess.Popen]:
    """Run ``args`` until the block ends; waits until ``ready(log text)`` holds (if given)."""
    environment = {**os.environ, "OTEL_TRACES_EXPORTER": "none", **(env or {})}
    with log.open("a") as out:
        process = subprocess.Popen(args, env=environment, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout_s
        while ready is not None and not ready(log.read_text()):
            if process.poll() is not None:
                pytest.fail(f"{args[-1]} exited ({process.returncode}):\n{log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"{args[-1]} not ready in {timeout_s:.0f} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
