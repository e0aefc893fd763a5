"""The simulator against the real processes: a small program played through the gateway only,
then the metrics service's aggregates and the escalation cases equal the simulator's truth."""

from __future__ import annotations

import uuid

from peerbridge_simulator import Config, DevTokens, Simulation
from peerbridge_simulator.summary import summary_lines


def test_a_simulated_program_adds_up_in_metrics_and_cases(platform):
    organization = f"org-sim-{uuid.uuid4().hex[:8]}"
    platform.cases.watch(organization)
    config = Config(gateway=platform.gateway, organization=organization, participants=40, weeks=5, seed=11,
                    case_timeout_s=300)
    sim = Simulation(config, DevTokens(organization, platform.dev_key)).start()
    assert sim.join(timeout=900), "the simulation did not finish in 15 minutes"
    print("\n".join(summary_lines(sim)))
    assert not sim.problems
    assert sim.counts["attendance:attended"] > 0 and sim.desk.cases, "a program this size has sessions and cases"
    assert all(signal.case_id for signal in sim.signals), "every safety signal went to a case"

    def foreign():  # cases other runs' escalation workers opened from our signals (shared topics)
        ours = {case.id for case in sim.desk.cases}
        return [(c.program_id, c.opened_at, c.risk_level) for c in platform.cases.of(organization).values()
                if c.case_id not in ours]

    report = sim.check(timeout_s=300, foreign=foreign)
    print(f"check after {report.waited_s:.1f} s: {len(report.rows)} figures, {len(foreign())} foreign cases")
    assert report.ok, [row for row in report.mismatches][:20] + report.problems
    replayed = sum(1 for write in sim.gateway.ledger if write.idempotency_key) == sum(
        1 for write in sim.gateway.ledger if write.method == "POST")
    assert replayed, "every POST carried an idempotency key"
