"""PeerBridge program simulator: plays a realistic peer-support program through the gateway's
public API (seeded, repeatable) and checks the platform's aggregates against its own truth.

    from peerbridge_simulator import Config, Simulation
    sim = Simulation(Config(gateway="http://127.0.0.1:8000", participants=50, weeks=4)).start()
    sim.join()
    report = sim.check(timeout_s=120)
"""

from .check import CheckReport
from .scenario import Config, Scenario
from .simulation import Simulation
from .tokens import DevTokens, User

__all__ = ["CheckReport", "Config", "DevTokens", "Scenario", "Simulation", "User"]
