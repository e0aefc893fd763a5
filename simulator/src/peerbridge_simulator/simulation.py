"""``Simulation``: plays a program through the gateway, in the foreground or in a thread.

Seeded: the same seed plays the same people, sessions, answers and events (the ids the platform
assigns differ). What it keeps for whoever checks the platform afterwards:
- ``truth``: its own count of what it did, with the metrics service's definitions;
- ``gateway.ledger``: every write the gateway acknowledged (path, record id, idempotency key);
- ``signals``: every safety signal it produced and the case it went to; ``desk.cases``: the cases;
- ``problems``: what did not go as the rules say (a case that never opened, a wrong level).
``check()`` compares the truth with /v1/measures and the cases with /v1/cases.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from datetime import time as clock_time
from typing import Any

from .care import Care
from .cases import CaseDesk
from .check import CheckReport, Foreign, check
from .client import Gateway
from .life import Life
from .model import Program, Signal
from .pager import Pager
from .scenario import Config
from .setup import set_up
from .tokens import DevTokens, User
from .truth import Truth

log = logging.getLogger(__name__)


class Simulation:
    def __init__(self, config: Config, tokens: DevTokens | None = None, *, key_file: str | None = None) -> None:
        self.config, self.scenario = config, config.scenario
        self.rng = random.Random(config.seed)
        self.run_id = uuid.uuid4().hex[:8]
        self.stop_event = threading.Event()
        self.gateway = Gateway(config.gateway, tokens or DevTokens(config.organization, key_file),
                               run_id=self.run_id, retry_for_s=config.retry_for_s, stop=self.stop_event)
        self.admin = User(f"sim-admin-{self.run_id}", ("program_admin",))
        self.truth, self.desk, self.care, self.life = Truth(), CaseDesk(self), Care(self), Life(self)
        self.pager = Pager()  # where the clinicians' pages go (a verified webhook contact each)
        self.programs: list[Program] = []
        self.sizes: dict[str, int] = {}
        self.signals: list[Signal] = []
        self.counts: Counter[str] = Counter()
        self.problems: list[str] = []
        self.start_at = datetime.combine(config.start, clock_time(0), UTC)
        self.end_at = min(datetime.combine(config.end, clock_time(0), UTC), datetime.now(UTC))
        self.clock = self.start_at
        self.phase = "not started"
        self.elapsed_s = 0.0
        self.error: BaseException | None = None
        self.finished = threading.Event()
        self._queue: list[tuple[datetime, int, Callable, tuple]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    # the run
    def run(self) -> Simulation:
        started = time.monotonic()
        try:
            self.phase = "setting up the organization"
            set_up(self)
            self.care.plan()
            self._play()
            self.phase = "done"
        except BaseException as exc:
            self.error, self.phase = exc, f"failed: {exc}"
            raise
        finally:
            self.elapsed_s = time.monotonic() - started
            self.finished.set()
        return self

    def _play(self) -> None:
        while self._queue:
            when, _, action, args = heapq.heappop(self._queue)
            if when >= self.end_at:
                continue  # the future: a discharge or a resolution that has not happened yet
            self.clock = when
            self.phase = f"week {(when - self.start_at).days // 7 + 1} of {self.config.weeks}"
            action(when, *args)

    def at(self, when: datetime, action: Callable, *args: Any) -> None:
        """Do ``action(when, *args)`` at simulated time ``when`` (in time order; ties in order of asking)."""
        heapq.heappush(self._queue, (when.astimezone(UTC), next(self._order), action, args))

    # in the background (fault drills run it while they break things)
    def start(self) -> Simulation:
        def run_quietly() -> None:
            try:
                self.run()
            except BaseException:  # noqa: BLE001 - kept in self.error for whoever joins
                log.debug("simulation failed", exc_info=True)

        self._thread = threading.Thread(target=run_quietly, name="simulation", daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the run to end; True if it has. Raises what stopped it."""
        self.finished.wait(timeout)
        if self.error is not None and not self.stop_event.is_set():
            raise self.error
        return self.finished.is_set()

    def stop(self) -> None:
        self.stop_event.set()

    @property
    def progress(self) -> float:
        """How far the simulated clock is, 0 to 1."""
        if self.finished.is_set():
            return 1.0
        return max(0.0, min(1.0, (self.clock - self.start_at) / (self.end_at - self.start_at)))

    # bookkeeping
    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] += n

    def problem(self, message: str) -> None:
        log.info(message)
        self.problems.append(message)

    def check(self, timeout_s: float = 120.0, interval_s: float = 2.0, foreign: Foreign | None = None
              ) -> CheckReport:
        """Compare the truth with the platform, retrying until it matches or ``timeout_s`` passes."""
        return check(self, timeout_s=timeout_s, interval_s=interval_s, foreign=foreign)
