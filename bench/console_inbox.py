"""The console on the whole platform with Keycloak: a safety signal until its case row is visible in
a signed-in browser's inbox, and the console's page server time with 20 signed-in sessions.

1. Signal -> browser inbox: a clinician signed in through Keycloak's form holds the inbox open in
   Chromium; each sample is a PHQ-9 item 9 = 2 screen for a new participant produced to the safety
   topic, timed until the inbox shows one more case row: safety topic -> escalation worker ->
   PostgreSQL + outbox -> relay -> case topic -> gateway fan-out -> Redis -> gateway SSE -> console
   relay -> browser EventSource -> htmx refresh (console -> gateway /v1/cases) -> DOM. One signal in
   flight at a time. Baseline: the raw Kafka produce-to-consume round trip, in the same run.
2. Page server time: 20 signed-in sessions (the browser's session, copied under 20 session ids)
   each GET /inbox in a loop; baseline: the same 20 callers on the gateway's GET /v1/cases with the
   same token (the page reads it twice, with more, and renders).

Usage: python bench/console_inbox.py [--samples 50] [--seconds 15]
(needs `make stack-up` and /usr/bin/chromium; starts the platform, the console and Keycloak itself)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import date
from pathlib import Path

import httpx
import redis
from common import kafka_settings, percentiles, raw_round_trip, report_figure
from escalation_signal_to_page import staff
from signal_to_socket_under_load import migrated

from peerbridge_console.devrealm import Keycloak, gateway_trust
from peerbridge_escalation.cases.intake import handle
from peerbridge_shared.db import Database
from peerbridge_shared.events import new_envelope, utc_now
from peerbridge_shared.events.safety import RiskScreenCompleted, ScreenInstrument
from peerbridge_shared.events.scheduling import ParticipantEnrolled
from peerbridge_shared.messaging import create_producer, publish

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.e2e.console.idp import keycloak_server  # noqa: E402 - the Keycloak the browser tests run
from tests.e2e.platform import private_platform, smtp_inbox  # noqa: E402 - the platform the e2e tests run


def signal_to_inbox(page, producer, database: Database, tenant: str, samples: int) -> list[float]:  # noqa: ANN001
    latencies = []
    for i in range(samples + 3):
        participant = f"p-{uuid.uuid4().hex[:10]}"
        with database.transaction() as session:
            handle(session, new_envelope(ParticipantEnrolled(
                participant_id=participant, enrollment_id="e", program_id="prog", site_id="s",
                enrolled_on=date(2026, 1, 1), clinician_id="own-1"), tenant=tenant, source="/bench",
                subject=participant), utc_now())
        rows = page.locator("li.case").count()
        signal = RiskScreenCompleted(participant_id=participant, screen_id=str(uuid.uuid4()), program_id="prog",
                                     instrument=ScreenInstrument.PHQ9_ITEM9, phq9_item9=2, completed_at=utc_now(),
                                     screened_by="bench", positive=True, rule_version="phq9@1:item9>0")
        started = time.perf_counter()
        publish(producer, new_envelope(signal, tenant=tenant, source="/bench", subject=participant))
        page.wait_for_function("(n) => document.querySelectorAll('li.case').length > n", arg=rows,
                               polling="raf", timeout=60_000)
        if i >= 3:  # warm-up
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def _loop(url: str, headers: dict[str, str], seconds: float) -> list[float]:
    timings = []
    async with httpx.AsyncClient(timeout=30, headers=headers) as client:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = await client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return timings


async def _many(calls: list[tuple[str, dict[str, str]]], seconds: float) -> list[float]:
    results = await asyncio.gather(*(_loop(url, headers, seconds) for url, headers in calls))
    return [timing for timings in results for timing in timings]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--sessions", type=int, default=20)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    kafka = kafka_settings()
    raw_p50, raw_p99 = percentiles(raw_round_trip(kafka, 200))
    tenant = f"org-bench-{uuid.uuid4().hex[:6]}"
    with ExitStack() as stack:
        home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="peerbridge-bench-")))
        keycloak = stack.enter_context(keycloak_server(home / "keycloak.log"))
        Keycloak(keycloak).set_claims("clinician", organization=tenant, peerbridge_id="own-1", programs=["prog"])
        _, smtp_port = stack.enter_context(smtp_inbox())
        platform = stack.enter_context(private_platform(
            migrated(stack), kafka, home, smtp_port=smtp_port,
            console_settings={"oidc_issuer": f"{keycloak}/realms/peerbridge"},
            trusted_issuers=json.dumps(gateway_trust(keycloak))))
        database = Database(platform.specs["escalation"].env["ESCALATION_DATABASE_URL"])
        stack.callback(database.dispose)
        staff(database, tenant)
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        stack.callback(browser.close)
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{platform.console}/inbox")
        page.fill("#username", "clinician")
        page.fill("#password", "clinician-dev")
        page.click("#kc-login")
        page.wait_for_selector("#live-state:has-text('on')", timeout=60_000)
        producer = create_producer(kafka, linger_ms=0)
        stack.callback(producer.close)
        to_inbox = signal_to_inbox(page, producer, database, tenant, args.samples)

        # 20 signed-in sessions: the browser's session record under 20 new ids
        prefix = platform.specs["console"].env["CONSOLE_REDIS_PREFIX"]
        session_id = next(c["value"] for c in context.cookies() if c["name"] == "pb_console")
        store = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        record = json.loads(store.get(f"{prefix}session:{session_id}"))
        cookies = []
        for _ in range(args.sessions):
            copy = {**record, "id": secrets.token_urlsafe(32)}
            store.set(f"{prefix}session:{copy['id']}", json.dumps(copy), ex=600)
            cookies.append({"Cookie": f"pb_console={copy['id']}"})
        bearer = {"Authorization": f"Bearer {record['access_token']}"}
        pages = _in_thread(_many([(f"{platform.console}/inbox", c) for c in cookies], args.seconds))
        api = _in_thread(_many([(f"{platform.gateway}/v1/cases?status=open&limit=500", bearer)] * args.sessions,
                               args.seconds))
        cases_listed = page.locator("li.case").count()
    inbox_p50, inbox_p99 = percentiles(to_inbox)
    page_p50, page_p95 = _p50_p95(pages)
    api_p50, api_p95 = _p50_p95(api)
    print(f"Signal -> case row in a signed-in browser inbox, {args.samples} signals one at a time")
    print(f"{'path':<48}{'p50 ms':>9}{'p99 ms':>9}{'p50 x':>8}{'p99 x':>8}")
    print(f"{'raw Kafka produce -> consume (baseline)':<48}{raw_p50:>9.2f}{raw_p99:>9.2f}{1:>8.2f}{1:>8.2f}")
    print(f"{'signal -> browser inbox row':<48}{inbox_p50:>9.1f}{inbox_p99:>9.1f}"
          f"{inbox_p50 / raw_p50:>8.1f}{inbox_p99 / raw_p99:>8.1f}")
    print(f"\nPage server time, {args.sessions} concurrent signed-in sessions, {args.seconds:.0f} s each, "
          f"an inbox of {cases_listed} open cases")
    print(f"{'request':<48}{'p50 ms':>9}{'p95 ms':>9}{'count':>8}{'p50 x':>8}")
    print(f"{'gateway GET /v1/cases (baseline)':<48}{api_p50:>9.1f}{api_p95:>9.1f}{len(api):>8}{1:>8.2f}")
    print(f"{'console GET /inbox':<48}{page_p50:>9.1f}{page_p95:>9.1f}{len(pages):>8}{page_p50 / api_p50:>8.1f}")
    report_figure("signal -> browser inbox row, p50", inbox_p50, "ms", "raw Kafka round trip p50", raw_p50)
    report_figure("console GET /inbox with 20 sessions, p95", page_p95, "ms", "gateway GET /v1/cases p95", api_p95)


def _in_thread(coroutine):  # noqa: ANN001, ANN202 - Playwright's sync API holds this thread's event loop
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def _p50_p95(samples: list[float]) -> tuple[float, float]:
    import statistics

    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94]


if __name__ == "__main__":
    main()
