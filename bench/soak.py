"""Soak: the whole platform for a long steady run with a Kafka broker restart in the middle; shows
whether anything leaks, stalls or loses a real-time event.

A private platform (every process of deploy/processes.yaml, tests/e2e/platform.py) on the local
stack. The program simulator plays programs through the gateway without pause, one organization
after another, held to a steady rate by the gateway's own per-address rate limit (``--rate``
requests/s; loopback only). A clinician holds a WebSocket to the gateway; every ``--every``
seconds a probe produces a PHQ-9 item 9 = 2 screen for a new participant to the safety topic and
times it until the case-opened event reaches that socket. Halfway through, the broker is stopped
and started again (deploy/local/kafka.sh). Every 15 s the resident memory of each platform
process is read from /proc.

The metrics processes run as in production (a funder report corrected at most once a day) but
with the worker's folded-state cache bounded at 100 states per table, so that cache is full after
the warm-up and what still grows is not it; the metrics API's gauges of the data it holds are read
with each memory sample.

It prints, per five-minute window, the probe's p50/p99 signal -> WebSocket; the probes lost (their
signal was accepted by Kafka but no case-opened event came within 120 s) and stalled (slower than
10 s), each stalled one with its time from the restart; each process's resident memory after
warm-up (the first fifth of the run) and at the end, with its growth, and the data the metrics API
holds then. Baseline: the raw Kafka round trip, measured before and after, in the same run.

Usage: python bench/soak.py [--minutes 30] [--every 2] [--rate 20] [--home DIR]   (`make soak`; needs
`make stack-up`, and nothing else using the local broker: it is restarted). With --home, every
process's log is kept in DIR/logs (else in a temporary directory removed at the end).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from common import kafka_settings, percentiles, raw_round_trip, report_figure
from escalation_signal_to_page import staff
from prometheus_client.parser import text_string_to_metric_families
from signal_to_socket_under_load import migrated, new_participant_signal
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from peerbridge_metrics.settings import MetricsSettings
from peerbridge_shared.db import Database
from peerbridge_shared.messaging import create_producer, publish
from peerbridge_simulator import Config, DevTokens, Simulation
from peerbridge_simulator.tokens import User

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.e2e.platform import private_platform, smtp_inbox  # noqa: E402 - the platform the e2e tests run

LOST_AFTER_S, STALLED_AFTER_S, WINDOW_S, RSS_EVERY_S = 120.0, 10.0, 300.0, 15.0
# a funder report is corrected at most once a day in production; the tests' 0 would keep every version made
PRODUCTION_CORRECTIONS = MetricsSettings.model_fields["funder_correction_interval_s"].default
# the worker's cache of folded states is bounded (20,000 per table by default); bounded below the soak's
# keys, it is full after the warm-up, so what still grows is not that cache
FOLD_STATES_KEPT = 100
HELD_GAUGES = ("peerbridge_metrics_view_keys", "peerbridge_metrics_view_bytes", "peerbridge_metrics_published_versions")


@dataclass
class Probe:
    sent_at: float  # seconds into the run
    participant: str
    accepted: bool = True
    latency_ms: float | None = None


@dataclass
class Soak:
    started: float = field(default_factory=time.monotonic)
    probes: list[Probe] = field(default_factory=list)
    rss_kb: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    held: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # the metrics API's gauges of its data
    simulated_requests: int = 0
    restart_at: float | None = None
    reconnects: int = 0

    def now(self) -> float:
        return time.monotonic() - self.started


def resident_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def held_data(metrics_url: str) -> dict[str, float]:
    """What the metrics API holds in memory, from its Prometheus gauges (view.py, history.py)."""
    try:
        text = httpx.get(f"{metrics_url}/metrics", timeout=5).text
    except httpx.HTTPError:
        return {}
    return {sample.name: sample.value for family in text_string_to_metric_families(text)
            for sample in family.samples if sample.name in HELD_GAUGES}


def sample_memory(platform, soak: Soak, stop: threading.Event) -> None:  # noqa: ANN001
    metrics_url = platform.specs["metrics"].ready_url.removesuffix("/readyz")
    while not stop.wait(RSS_EVERY_S):
        for name, process in platform.processes.items():
            kb = resident_kb(process.pid)
            if kb is not None:
                soak.rss_kb.setdefault(name, []).append((soak.now(), kb))
        for name, value in held_data(metrics_url).items():
            soak.held.setdefault(name, []).append((soak.now(), value))


def simulate(platform, soak: Soak, stop: threading.Event) -> None:  # noqa: ANN001
    """Program after program through the gateway, until stopped (the rate limit keeps it steady)."""
    while not stop.is_set():
        organization = f"org-soak-sim-{uuid.uuid4().hex[:6]}"
        sim = Simulation(Config(gateway=platform.gateway, organization=organization, participants=30, weeks=4,
                                seed=int(time.time()) % 1000, case_timeout_s=300),
                         DevTokens(organization, platform.dev_key)).start()
        while not sim.finished.wait(1.0):
            if stop.is_set():
                sim.stop()
        soak.simulated_requests += sim.gateway.stats.requests


class Socket:
    """The clinician's WebSocket, opened again if the gateway closes it (each time counted)."""

    def __init__(self, url: str, headers: dict[str, str], soak: Soak) -> None:
        self.url, self.headers, self.soak = url, headers, soak
        self.opened = ExitStack()
        self.connection = self._open()

    def _open(self):  # noqa: ANN202
        return self.opened.enter_context(connect(self.url, additional_headers=self.headers, open_timeout=10))

    def recv(self, timeout: float) -> str:
        try:
            return self.connection.recv(timeout=timeout)
        except ConnectionClosed:
            self.soak.reconnects += 1
            self.opened.close()
            self.connection = self._open()
            return "{}"

    def close(self) -> None:
        self.opened.close()


def probe(socket: Socket, producer, database: Database, tenant: str, soak: Soak) -> Probe:  # noqa: ANN001
    participant, signal = new_participant_signal(database, tenant)
    found = Probe(soak.now(), participant)
    started = time.perf_counter()
    try:
        publish(producer, signal)
    except Exception:  # noqa: BLE001 - the broker is down: not accepted, so not a lost event
        found.accepted = False
        return found
    deadline = started + LOST_AFTER_S
    while time.perf_counter() < deadline:
        try:
            message = json.loads(socket.recv(timeout=max(0.1, deadline - time.perf_counter())))
        except TimeoutError:
            break
        event = message.get("event") or {}
        if message.get("name") == "case.opened" and event.get("data", {}).get("participant_id") == participant:
            found.latency_ms = (time.perf_counter() - started) * 1000
            break
    return found


def restart_broker() -> float:
    started = time.monotonic()
    for step in (["stop"], ["start", "single"]):
        subprocess.run(["bash", str(ROOT / "deploy" / "local" / "kafka.sh"), *step], check=True,
                       stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def report(soak: Soak, raw: tuple[float, float], raw_after: tuple[float, float], restart_s: float,
           minutes: float) -> None:
    accepted = [p for p in soak.probes if p.accepted]
    lost = [p for p in accepted if p.latency_ms is None]
    stalled = [p for p in accepted if p.latency_ms is not None and p.latency_ms > STALLED_AFTER_S * 1000]
    print(f"Soak: {minutes:g} min, the broker restarted at {soak.restart_at or 0:.0f} s (took {restart_s:.0f} s); "
          f"simulator: {soak.simulated_requests / soak.now():.1f} gateway requests/s")
    print(f"raw Kafka round trip (baseline): before p50 {raw[0]:.2f} / p99 {raw[1]:.2f} ms, "
          f"after p50 {raw_after[0]:.2f} / p99 {raw_after[1]:.2f} ms")
    print(f"probes: {len(soak.probes)} sent, {len(accepted)} accepted by Kafka, {len(lost)} lost, "
          f"{len(stalled)} stalled (> {STALLED_AFTER_S:.0f} s); the socket was opened again {soak.reconnects} times")
    for slow in stalled:
        since = f", {slow.sent_at - soak.restart_at:.0f} s after the restart began" if soak.restart_at else ""
        print(f"  stalled: sent at {slow.sent_at:.0f} s{since}, {slow.latency_ms / 1000:.1f} s to the socket")
    print(f"{'window':<14}{'probes':>8}{'p50 ms':>10}{'p99 ms':>10}{'p99 / raw':>11}")
    windows = int(soak.now() // WINDOW_S) + 1
    for index in range(windows):
        inside = [p.latency_ms for p in accepted if p.latency_ms is not None
                  and index * WINDOW_S <= p.sent_at < (index + 1) * WINDOW_S]
        if inside:
            p50, p99 = percentiles(inside)
            label = f"{index * 5}-{index * 5 + 5} min"
            print(f"{label:<14}{len(inside):>8}{p50:>10.1f}{p99:>10.1f}{p99 / raw[1]:>11.1f}")
    warm = soak.now() / 5
    print(f"{'process':<24}{'RSS after warm-up MB':>22}{'RSS at end MB':>15}{'growth':>9}")
    growths = []
    for name, readings in sorted(soak.rss_kb.items()):
        after = [kb for at, kb in readings if at >= warm]
        if len(after) < 2:
            continue
        growth = (after[-1] - after[0]) / after[0]
        growths.append(growth)
        print(f"{name:<24}{after[0] / 1024:>22.1f}{after[-1] / 1024:>15.1f}{growth:>9.1%}")
    print("data the metrics processes hold by design (the metrics API's gauges; the worker and the feed hold the same)")
    for name, readings in sorted(soak.held.items()):
        after = [value for at, value in readings if at >= warm]
        if len(after) >= 2 and after[0]:
            print(f"{name:<40}{after[0]:>14,.0f}{after[-1]:>14,.0f}{(after[-1] - after[0]) / after[0]:>9.1%}")
    latencies = [p.latency_ms for p in accepted if p.latency_ms is not None]
    if latencies:
        report_figure("soak: signal -> clinician WebSocket p99 over the run", percentiles(latencies)[1], "ms",
                      "raw Kafka round trip p99", raw[1])
    if growths:
        report_figure("soak: largest resident-memory growth after warm-up", max(growths) * 100, "%",
                      "goal", 10.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between probes")
    parser.add_argument("--rate", type=float, default=20.0, help="the simulator's gateway requests/s at most")
    parser.add_argument("--home", type=Path, help="keep the processes' logs in HOME/logs")
    args = parser.parse_args()
    kafka = kafka_settings()
    raw = percentiles(raw_round_trip(kafka, 200))
    tenant, soak, stop = f"org-soak-{uuid.uuid4().hex[:6]}", Soak(), threading.Event()
    window_s = 5
    with ExitStack() as stack:
        _, smtp_port = stack.enter_context(smtp_inbox())
        home = args.home or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="peerbridge-soak-")))
        platform = stack.enter_context(private_platform(
            migrated(stack), kafka, home, smtp_port=smtp_port, rate_limit_per_ip=int(args.rate * window_s),
            rate_limit_window_s=window_s, metrics_settings={"funder_correction_interval_s": PRODUCTION_CORRECTIONS,
                                                        "fold_states_kept": FOLD_STATES_KEPT}))
        database = Database(platform.specs["escalation"].env["ESCALATION_DATABASE_URL"])
        stack.callback(database.dispose)
        staff(database, tenant)
        clinician = User("clin-bench", ("clinician",), programs=("prog",))
        socket = Socket(platform.gateway.replace("http://", "ws://") + "/v1/events/ws",
                        DevTokens(tenant, platform.dev_key).headers(clinician), soak)
        stack.callback(socket.close)
        producer = create_producer(kafka, linger_ms=0)
        stack.callback(producer.close)
        stack.callback(stop.set)
        for work in (lambda: sample_memory(platform, soak, stop), lambda: simulate(platform, soak, stop)):
            threading.Thread(target=work, daemon=True).start()
        soak.started = time.monotonic()
        restart_s, end = 0.0, args.minutes * 60
        while soak.now() < end:
            if soak.restart_at is None and soak.now() >= end / 2:
                soak.restart_at = soak.now()
                restart_s = restart_broker()
            began = time.monotonic()
            soak.probes.append(probe(socket, producer, database, tenant, soak))
            time.sleep(max(0.0, args.every - (time.monotonic() - began)))
        stop.set()
        raw_after = percentiles(raw_round_trip(kafka, 200))
        report(soak, raw, raw_after, restart_s, args.minutes)


if __name__ == "__main__":
    main()
