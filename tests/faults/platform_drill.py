"""One fault drill on the whole platform (tests/e2e/platform.py): the program simulator plays a
program through the gateway while a steady load of safety signals goes to the escalation service;
the fault strikes once the simulator is playing its weeks. After recovery:

- every acknowledged signal has exactly one case, one case-opened event and a page (``settle``);
- every write the gateway acknowledged to the simulator reads back (``ledger.read_back``);
- the metrics service's aggregates and the cases equal the simulator's truth (``Simulation.check``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from peerbridge_shared.db import Database
from peerbridge_simulator import Config, DevTokens, Simulation
from peerbridge_simulator.ledger import LedgerReport, read_back

from ..e2e.platform import Platform
from .harness import Outcome, SignalLoad, Target, settle, staff

PARTICIPANTS, WEEKS = 30, 4  # the fault strikes in week 2; two more weeks are played after it


@dataclass
class DrillResult:
    name: str
    recovery_s: float
    signals: Outcome
    writes: LedgerReport
    figures: int
    mismatches: list
    problems: list[str]
    check_waited_s: float
    struck_in: str  # the simulator's phase when the fault struck
    retried: int  # requests the simulator retried (connection errors, 5xx) in the whole run

    @property
    def lost(self) -> int:
        return (len(self.signals.lost) + len(self.signals.duplicated) + len(self.signals.unpaged)
                + len(self.writes.lost) + len(self.mismatches) + len(self.problems))

    def report(self) -> str:
        return (f"{self.signals.report(self.name, self.recovery_s)}\n"
                f"[drill] {self.name}: the fault struck in {self.struck_in}; the simulator retried {self.retried} "
                f"requests; {self.writes.summary}; {self.figures - len(self.mismatches)} of "
                f"{self.figures} figures equal the simulator's truth {self.check_waited_s:.1f} s after it finished; "
                f"{len(self.problems)} problems; lost {self.lost}")


def run_drill(platform: Platform, kafka, name: str, fault: Callable[[], float], seed: int) -> DrillResult:
    organization = f"org-drill-{uuid.uuid4().hex[:8]}"
    platform.cases.watch(organization)
    target = Target(Database(platform.specs["escalation"].env["ESCALATION_DATABASE_URL"]), f"{organization}-signals")
    staff(target.database, target.tenant)
    sim = Simulation(Config(gateway=platform.gateway, organization=organization, participants=PARTICIPANTS,
                            weeks=WEEKS, seed=seed, case_timeout_s=300, retry_for_s=300),
                     DevTokens(organization, platform.dev_key)).start()
    try:
        with SignalLoad(target, kafka) as load:
            _wait_until_playing(sim)
            struck_in = sim.phase
            recovery_s = fault()
            time.sleep(4)
        assert sim.join(timeout=900), f"the simulation did not finish: {sim.phase}"
        signals = settle(target, kafka, list(load.acknowledged))
        writes = read_back(sim)
        checked = sim.check(timeout_s=300, foreign=lambda: _foreign(platform, organization, sim))
    finally:
        sim.stop()
        target.database.dispose()
    return DrillResult(name, recovery_s, signals, writes, len(checked.rows), checked.mismatches, checked.problems,
                       checked.waited_s, struck_in, sim.gateway.stats.retries)


def _wait_until_playing(sim: Simulation, timeout_s: float = 300) -> None:
    """The fault strikes while the simulator plays its weeks (set-up done, sessions and signals flowing)."""
    deadline = time.monotonic() + timeout_s
    while _week(sim.phase) < 2 and not sim.finished.is_set():
        assert time.monotonic() < deadline, f"the simulation is still {sim.phase}"
        time.sleep(0.2)
    assert not sim.finished.is_set(), f"the simulation ended before the fault: {sim.phase}"


def _week(phase: str) -> int:
    """2 for "week 2 of 4"; 0 before the weeks."""
    return int(phase.split()[1]) if phase.startswith("week ") else 0


def _foreign(platform: Platform, organization: str, sim: Simulation) -> list:
    """Cases other escalation workers on the same Kafka opened from this run's signals (see platform.py)."""
    ours = {case.id for case in sim.desk.cases}
    return [(c.program_id, c.opened_at, c.risk_level) for c in platform.cases.of(organization).values()
            if c.case_id not in ours]
