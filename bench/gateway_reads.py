"""Gateway: authenticated read requests per second, against a bare FastAPI endpoint on the same
machine in the same run.

Three servers, each its own uvicorn process: a bare FastAPI app answering GET /programs/{id}
with a constant; scheduling (real PostgreSQL) answering GET /programs/{id} for an internal token;
the gateway answering GET /v1/programs/{id} for an RS256 user token (verify the token, rate-limit
in Redis, authorize, mint an internal token, call scheduling, relay). The same load generator
(httpx, N concurrent keep-alive connections) runs against each in turn. Beside the rates, the
CPU time each target's own process spends per request: on a shared machine it moves far less
than the rates do.

Usage: python bench/gateway_reads.py [--seconds 10] [--concurrency 16]   (needs `make stack-up`)
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

import httpx
from common import percentiles, report_figure, scratch_database
from gateway_common import bare_server, free_port, gateway_server, load, process, user_token

from peerbridge_shared.identity import Identity, Role, issue_internal_token
from peerbridge_shared.migrations import upgrade
from peerbridge_shared.settings import DEV_SECRET

ALEMBIC = Path(__file__).resolve().parents[1] / "services" / "scheduling" / "alembic.ini"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    organization = f"org-bench-{uuid.uuid4().hex[:6]}"
    internal = issue_internal_token(Identity(organization, "bench", frozenset({Role.PROGRAM_ADMIN})), DEV_SECRET,
                                    3600)
    bare_port, scheduling_port, gateway_port = free_port(), free_port(), free_port()
    rows = []
    with scratch_database("gateway_reads") as url:
        upgrade(ALEMBIC, url)
        scheduling = f"http://127.0.0.1:{scheduling_port}"
        with (bare_server(bare_port) as bare,
              process([sys.executable, "-m", "peerbridge_scheduling"],
                      {"SCHEDULING_DATABASE_URL": url, "SCHEDULING_PORT": str(scheduling_port),
                       "SCHEDULING_LOG_LEVEL": "WARNING"}, f"{scheduling}/readyz") as scheduler,
              gateway_server(gateway_port, f"bench:{uuid.uuid4().hex[:8]}:",
                             GATEWAY_SCHEDULING_URL=scheduling) as gateway):
            program = httpx.post(f"{scheduling}/programs", json={"name": "bench", "time_zone": "America/New_York"},
                                 headers={"Authorization": f"Bearer {internal}"}).json()["id"]
            targets = [
                ("bare FastAPI endpoint", f"http://127.0.0.1:{bare_port}/programs/{program}", {}, bare),
                ("scheduling directly (internal token)", f"{scheduling}/programs/{program}",
                 {"Authorization": f"Bearer {internal}"}, scheduler),
                ("gateway -> scheduling (user token)", f"http://127.0.0.1:{gateway_port}/v1/programs/{program}",
                 {"Authorization": f"Bearer {user_token(organization, 'program_admin')}"}, gateway),
            ]
            for name, target, headers, server in targets:
                rps, errors, latencies, cpu_ms = load(target, headers, args.seconds, args.concurrency, server)
                p50, p99 = percentiles(latencies)
                rows.append((name, rps, errors, p50, p99, cpu_ms))
    bare_rps = rows[0][1]
    print(f"Gateway reads: GET for {args.seconds:.0f} s each, {args.concurrency} concurrent connections")
    print(f"{'target':<40}{'req/s':>9}{'errors':>8}{'p50 ms':>9}{'p99 ms':>9}{'vs bare':>9}{'CPU ms':>8}")
    for name, rps, errors, p50, p99, cpu_ms in rows:
        print(f"{name:<40}{rps:>9.0f}{errors:>8}{p50:>9.1f}{p99:>9.1f}{rps / bare_rps:>9.2f}{cpu_ms:>8.2f}")
    print("CPU ms: CPU time per request of the target's own process (the gateway's without scheduling's)")
    report_figure("gateway authenticated reads", rows[-1][1], "req/s", "bare FastAPI endpoint", bare_rps)


if __name__ == "__main__":
    main()
