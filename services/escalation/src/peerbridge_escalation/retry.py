"""How often a failing notification or timer step is tried again, and when it is parked.

Every failed try is recorded on its own row (attempts, last error, next try), so the row that keeps
failing waits out its backoff while every other row goes on: one bad record never holds a loop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from prometheus_client import Counter

LOOP_ERRORS = Counter("peerbridge_escalation_loop_errors",
                      "Unexpected errors caught around one row (notification, step, event), by loop", ["loop"])


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    first_backoff_s: float = 5.0
    max_backoff_s: float = 300.0

    def next_attempt(self, attempts: int, now: datetime) -> datetime:
        """When try number ``attempts + 1`` is due (exponential, capped)."""
        seconds = min(self.max_backoff_s, self.first_backoff_s * 2 ** max(0, attempts - 1))
        return now + timedelta(seconds=seconds)

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts


def describe(error: BaseException) -> str:
    """What is recorded on the row: the error's kind and message, bounded (never a traceback)."""
    text = f"{type(error).__name__}: {error}"
    return text[:500]
