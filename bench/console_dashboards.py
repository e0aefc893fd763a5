"""The console's two heaviest pages on a program of a realistic size, on the whole platform with
Keycloak: the coordinator's program dashboard (GET /programs/{id}) and the funder's outcome page of
the program (GET /outcomes/{id}: a closed period's report with its trend over the periods).

The program (defaults; --participants scales participants and peers together):
- 2,000 participants (consent, enrollment), 40 peers (caseload cap 60, 5 supervisors); 1 in 20
  participants waits for a peer (the waitlist, enrolled in the last two months), every other one
  is assigned round-robin;
- a year of groups: each peer runs 4 groups of up to 12 of their participants, each group every
  other week for 52 weeks (27 meetings, booked as one series each: 4,320 sessions), 90 minutes;
  attendance is recorded for every meeting that has started (~50,000 records: about 86% attended,
  8-13% no-show by month, 4% cancelled), except 1 in 8 of the last 14 days' meetings, left for the
  peer to record;
- a contact note in the last 14 days for 85% of the assigned participants (~1,600).
Seeding 400 participants took 48 s on the 2 cores; 2,000 took 12 minutes while other test runs
shared the machine (the series with their attendance are nearly all of it).

Seeding: the program, its site, supervisors and peers through scheduling's API (the platform's
scheduling process) with an internal token (peerbridge_shared.identity.issue_internal_token);
the rest through scheduling's own service functions, the code its API runs (every check, record
and outbox event), 25 calls per transaction, 3 threads, as the coordinator for enrollments and
series and as each peer for attendance and notes, on the platform's scheduling database.
Scheduling's outbox relay publishes every event; the platform's metrics worker folds them into its
tables. The feed publisher is held until the fold has caught up (the sum of the program's monthly
attended + no-show counts in metrics' /measures equals what was recorded), then started: it
publishes every closed period (months and quarters; the platform's funder clock runs 40 days
ahead, so the current month counts as closed) in one round, as it would once a month closes.

Measured (each for --seconds, --sessions signed-in sessions at once, the browser's session copied
under new session ids as bench/console_inbox.py does):
1. console GET /programs/{id} as the coordinator (Keycloak's `admin`); baseline: the gateway reads
   that page makes, replayed by the bench with the same access token and the same concurrency, in
   the page's order (program; then peers, active enrollments, this week's sessions, the last 14
   days' sessions, the last 14 days' contact notes and the engagement measures at once, each list
   paged by 500; then every peer's status and, in one read, the participants shown (the first page
   of the quiet list and the 25 longest waiting), at once). The replay's per-read times show where
   the time goes.
2. console GET /outcomes/{id} as the funder (Keycloak's `funder`): with no period the page shows
   the last period as the periods sort, which is the latest quarter (its trend: every quarter's
   report); then ?period= the latest month (its trend: every month's report); baseline for each:
   its gateway reads (/feeds of the program and the program at once, then every report of the
   trend at once), replayed the same way.

Usage: python bench/console_dashboards.py [--participants 2000] [--seconds 15] [--sessions 4]
(needs `make stack-up` and /usr/bin/chromium; starts the platform, the console and Keycloak itself)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import sys
import tempfile
import time
import uuid
import zlib
from collections import defaultdict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import redis
from common import kafka_settings, report_figure
from signal_to_socket_under_load import migrated

from peerbridge_console.coordinator import QUIET_DAYS, WAITLIST_SHOWN, week_of
from peerbridge_console.devrealm import Keycloak, gateway_trust
from peerbridge_console.web import PAGE_SIZE
from peerbridge_scheduling import all_models  # noqa: F401 - every mapper, for the service functions
from peerbridge_scheduling.access import reach
from peerbridge_scheduling.attendance.schemas import AttendanceSubmit
from peerbridge_scheduling.attendance.service import record_attendance
from peerbridge_scheduling.contacts.schemas import ContactCreate
from peerbridge_scheduling.contacts.service import document
from peerbridge_scheduling.matching import service as matching
from peerbridge_scheduling.participants import service as participants
from peerbridge_scheduling.participants.schemas import ConsentCreate, EnrollmentCreate, ParticipantCreate
from peerbridge_scheduling.sessions import service as schedule
from peerbridge_scheduling.sessions.schemas import SeriesCreate
from peerbridge_shared.db import Database
from peerbridge_shared.events import utc_now
from peerbridge_shared.identity import Identity, Role, issue_internal_token
from peerbridge_shared.settings import DEV_SECRET

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.e2e.console.idp import keycloak_server  # noqa: E402 - the Keycloak the browser tests run
from tests.e2e.platform import private_platform, smtp_inbox  # noqa: E402 - the platform the e2e tests run

ZONE = ZoneInfo("America/New_York")
PER_PEER = 50  # participants per peer (2,000 -> 40 peers)
GROUPS, GROUP_SIZE, MEETINGS = 4, 12, 27  # per peer; every other week for 52 weeks
GROUP_DAYS = (0, 2, 7, 9)  # Monday and Wednesday of alternate weeks
WAITLIST_EVERY = 20
CONTACTED = 0.85
IN_FLIGHT = 8  # API requests at once (the program's set-up)
THREADS, BATCH = 3, 25  # bulk writers at once; calls per transaction


def peer_of(n: int, peers: int) -> int | None:
    """The peer (index) of participant ``n``, round-robin over those not on the waitlist; None: waiting."""
    if n % WAITLIST_EVERY == WAITLIST_EVERY - 1:
        return None
    return (n // WAITLIST_EVERY * (WAITLIST_EVERY - 1) + n % WAITLIST_EVERY) % peers


def _fraction(*parts: object) -> float:
    return zlib.crc32("|".join(map(str, parts)).encode()) / 2**32


class Scheduling:
    """Scheduling's API with internal tokens, IN_FLIGHT requests at a time."""

    def __init__(self, base: str, org: str) -> None:
        self.org, self.base = org, base
        self.gate = asyncio.Semaphore(IN_FLIGHT)
        self.http = httpx.AsyncClient(base_url=base, timeout=120,
                                      limits=httpx.Limits(max_connections=IN_FLIGHT * 2))
        self.tokens: dict[tuple[str, Role], str] = {}
        self.calls = 0

    def headers(self, user: str, role: Role) -> dict[str, str]:
        if (user, role) not in self.tokens:
            self.tokens[(user, role)] = issue_internal_token(Identity(self.org, user, frozenset({role})),
                                                             DEV_SECRET, 3 * 3600)
        return {"Authorization": f"Bearer {self.tokens[(user, role)]}"}

    async def post(self, path: str, body: dict, user: str = "coord-bench", role: Role = Role.PROGRAM_ADMIN,
                   method: str = "POST") -> dict:
        async with self.gate:
            response = await self.http.request(method, path, json=body, headers=self.headers(user, role))
        self.calls += 1
        assert response.status_code in (200, 201), (path, response.status_code, response.text[:500])
        return response.json()


async def setup(api: Scheduling, participants: int, now: datetime) -> dict:
    """The program, its site, supervisors and peers, through scheduling's API."""
    peers_wanted = max(1, participants // PER_PEER)
    program = await api.post("/programs", {"name": "Bench county peer program", "time_zone": ZONE.key,
                                           "group_capacity": GROUP_SIZE, "caseload_cap": 60,
                                           "auto_no_show": False, "payer_ids": ["medicaid-nc"]})
    site = await api.post(f"/programs/{program['id']}/sites", {"name": "Main clinic", "place_of_service": "11"})
    supervisors = await asyncio.gather(*(api.post("/supervisors", {
        "display_name": f"Supervisor {n}", "credential": "LCSW", "max_peers": 8})
        for n in range(-(-peers_wanted // 8))))
    peers = await asyncio.gather(*(api.post("/peers", {
        "program_id": program["id"], "display_name": f"Peer {n:03d}", "credential_type": "CPSS",
        "credential_number": f"C-{n}", "credential_expires_on": str(now.date() + timedelta(days=200 + n)),
        "certified_on": "2021-03-01", "languages": ["en", "es"] if n % 4 == 0 else ["en"],
        "supervisor_id": supervisors[n // 8]["id"]}) for n in range(peers_wanted)))
    return {"program": program["id"], "site": site["id"], "peers": [p["id"] for p in peers]}


class Bulk:
    """The year, written through scheduling's own service functions (the code its API runs: checks,
    records and outbox events) in transactions of many calls each, THREADS at once; each thread owns
    a slice of the peers (and their participants), so no two transactions lock the same people."""

    def __init__(self, database_url: str, org: str, made: dict, now: datetime) -> None:
        self.database = Database(database_url)
        self.org, self.now = org, now
        self.program, self.site, self.peers = made["program"], made["site"], made["peers"]
        self.admin = Identity(org, "coord-bench", frozenset({Role.PROGRAM_ADMIN}))
        week_start, _ = week_of(now, ZONE)
        self.first_monday = week_start.date() - timedelta(weeks=52)
        self.clock = utc_now

    def peer(self, peer_id: str) -> Identity:
        return Identity(self.org, peer_id, frozenset({Role.PEER}))

    def enroll(self, numbers: list[int]) -> list[tuple[str, str | None]]:
        done = []
        for chunk in range(0, len(numbers), BATCH):
            with self.database.transaction() as session:
                for n in numbers[chunk:chunk + BATCH]:
                    done.append(self._enroll_one(session, n))
        return done

    def _enroll_one(self, session, n: int) -> tuple[str, str | None]:  # noqa: ANN001
        person = participants.create_participant(session=session, organization_id=self.org, data=ParticipantCreate(
            given_name=f"Given{n}", family_name=f"Family{n:05d}",
            birth_date=date(1960 + n % 40, 1 + n % 12, 1 + n % 28)))
        found = reach(session=session, caller=self.admin, participant_id=person.id, now=self.now)
        participants.record_consent(session=session, caller=self.admin, reach=found, clock=self.clock,
                                    data=ConsentCreate(program_id=self.program, kind="program", granted=True,
                                                       effective_at=datetime(2024, 1, 1, tzinfo=UTC)))
        index = peer_of(n, len(self.peers))
        waiting = index is None
        enrolled_on = (self.now.date() - timedelta(days=n % 60) if waiting
                       else self.first_monday - timedelta(days=1 + n % 14))
        enrollment = participants.enroll(session=session, caller=self.admin, clock=self.clock, data=EnrollmentCreate(
            participant_id=person.id, program_id=self.program, site_id=self.site, payer_id="medicaid-nc",
            enrolled_on=enrolled_on))
        if waiting:
            return person.id, None
        peer = self.peers[index]
        matching.assign(session=session, caller=self.admin, enrollment=enrollment, peer_id=peer, clock=self.clock)
        return person.id, peer

    def groups(self, work: list[tuple[int, str, int, list[str]]]) -> tuple[dict, dict, int, int]:
        """Each group's series and the attendance of its meetings held (one transaction per group)."""
        counts: dict[str, int] = defaultdict(int)
        by_month: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        booked = held = 0
        recent = self.now - timedelta(days=QUIET_DAYS)
        for index, peer, group, people in work:
            first = datetime.combine(self.first_monday + timedelta(days=GROUP_DAYS[group]),
                                     clock_time(9 + index % 8, 0))
            with self.database.transaction() as session:
                _, meetings = schedule.create_series(session=session, caller=self.admin, clock=self.clock,
                                                     data=SeriesCreate(
                    program_id=self.program, site_id=self.site, kind="group", modality="in_person",
                    peer_ids=[peer], participant_ids=people, rrule=f"FREQ=WEEKLY;INTERVAL=2;COUNT={MEETINGS}",
                    first_local_start=first, duration_minutes=90))
                booked += len(meetings)
                for record in meetings:
                    if record.starts_at >= self.now - timedelta(hours=2) or (
                            record.starts_at > recent and _fraction(record.id) < 1 / 8):
                        continue  # to come, or not recorded yet
                    held += 1
                    month = record.starts_at.astimezone(UTC).strftime("%Y-%m")
                    no_show = 0.08 + 0.01 * (record.starts_at.month % 6)
                    rows = []
                    for person in record.participant_ids:
                        u = _fraction(record.id, person)
                        status = ("no_show" if u < no_show else "cancelled_by_participant" if u < no_show + 0.04
                                  else "attended")
                        rows.append({"participant_id": person, "status": status,
                                     "minutes_present": 85 if status == "attended" else 0})
                        counts[status] += 1
                        if status != "cancelled_by_participant":
                            by_month[month][status == "no_show"] += 1
                    record_attendance(session=session, caller=self.peer(peer), record=record, clock=self.clock,
                                      data=AttendanceSubmit(facilitator_peer_id=peer, records=rows))
        return counts, by_month, booked, held

    def notes(self, work: list[tuple[str, str]]) -> int:
        for chunk in range(0, len(work), BATCH):
            with self.database.transaction() as session:
                for person, peer in work[chunk:chunk + BATCH]:
                    caller = self.peer(peer)
                    begins = self.now - timedelta(days=1 + 12 * _fraction(person, "day"), hours=1)
                    document(session=session, caller=caller, clock=self.clock,
                             reach=reach(session=session, caller=caller, participant_id=person, now=self.now),
                             data=ContactCreate(
                                 program_id=self.program, modality="phone" if _fraction(person, "m") < 0.5
                                 else "in_person", place_of_service="11", started_at=begins,
                                 ended_at=begins + timedelta(minutes=40), face_to_face_minutes=35,
                                 note="Check-in call: goals reviewed, next group confirmed."))
        return len(work)


def seed(scheduling: str, database_url: str, org: str, participants_wanted: int) -> dict:
    """The program and its year; returns what was recorded (for the fold check and the report)."""
    timings: dict[str, float] = {}
    started, now = time.monotonic(), datetime.now(UTC)

    async def first() -> dict:
        api = Scheduling(scheduling, org)
        try:
            return await setup(api, participants_wanted, now)
        finally:
            await api.http.aclose()

    made = asyncio.run(first())
    timings["program, site, supervisors, peers (API)"] = time.monotonic() - started
    bulk = Bulk(database_url, org, made, now)
    peers = made["peers"]
    mine = [[n for n in range(participants_wanted) if (n if peer_of(n, len(peers)) is None
                                                       else peer_of(n, len(peers))) % THREADS == k]
            for k in range(THREADS)]
    with ThreadPoolExecutor(THREADS) as pool:
        mark = time.monotonic()
        enrolled = [pair for done in pool.map(bulk.enroll, mine) for pair in done]
        timings[f"{participants_wanted} participants: person, consent, enrollment, peer"] = time.monotonic() - mark
        caseload: dict[str, list[str]] = defaultdict(list)
        for person, peer in enrolled:
            if peer:
                caseload[peer].append(person)
        work = [[(index, peer, g, caseload[peer][g * GROUP_SIZE:(g + 1) * GROUP_SIZE])
                 for index, peer in enumerate(peers) if index % THREADS == k
                 for g in range(GROUPS) if caseload[peer][g * GROUP_SIZE:]] for k in range(THREADS)]
        mark = time.monotonic()
        results = list(pool.map(bulk.groups, work))
        counts: dict[str, int] = defaultdict(int)
        by_month: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for found, months, _, _ in results:
            for status, value in found.items():
                counts[status] += value
            for month, (present, absent) in months.items():
                by_month[month][0] += present
                by_month[month][1] += absent
        booked, held = sum(r[2] for r in results), sum(r[3] for r in results)
        timings[f"{sum(map(len, work))} group series ({booked} sessions), attendance of {held} "
                f"({sum(counts.values())} records)"] = time.monotonic() - mark
        noted = [[(person, peer) for index, peer in enumerate(peers) if index % THREADS == k
                  for person in caseload[peer] if _fraction(person, "contact") < CONTACTED] for k in range(THREADS)]
        mark = time.monotonic()
        notes = sum(pool.map(bulk.notes, noted))
        timings[f"{notes} contact notes"] = time.monotonic() - mark
    bulk.database.engine.dispose()
    timings["seeding, all"] = time.monotonic() - started
    return {"program": made["program"], "peers": len(peers), "participants": participants_wanted,
            "waitlist": sum(1 for _, peer in enrolled if not peer), "sessions": booked, "held": held,
            "counts": dict(counts), "by_month": dict(by_month), "notes": notes, "timings": timings}


def wait_for_fold(metrics: str, org: str, program: str, expected: int, timeout_s: float = 1800) -> float:
    """Until metrics' /measures counts every attended and no-show record of the program."""
    token = issue_internal_token(Identity(org, "coord-bench", frozenset({Role.PROGRAM_ADMIN})), DEV_SECRET, 3600)
    started, last_print, seen = time.monotonic(), 0.0, -1
    while time.monotonic() - started < timeout_s:
        try:
            response = httpx.get(f"{metrics}/measures", params={"program_id": program}, timeout=120,
                                 headers={"Authorization": f"Bearer {token}"})
            if response.status_code == 200:
                seen = sum((r.get("sessions_attended") or 0) + (r.get("no_shows") or 0)
                           for r in response.json()["engagement"] if "Q" not in r["key"][2])
        except httpx.HTTPError:
            pass
        if seen == expected:
            return time.monotonic() - started
        if time.monotonic() - last_print > 20:
            print(f"  metrics has folded {max(seen, 0)}/{expected} attendance records", flush=True)
            last_print = time.monotonic()
        time.sleep(3)
    raise TimeoutError(f"metrics folded {seen} of {expected} attendance records")


def wait_for_feeds(metrics: str, org: str, program: str, timeout_s: float = 600) -> list[dict]:
    """Until the program's published reports are listed, and the list stays the same for 10 s."""
    token = issue_internal_token(Identity(org, "funder-bench", frozenset({Role.FUNDER})), DEV_SECRET, 3600)
    started, previous, since = time.monotonic(), None, time.monotonic()
    while time.monotonic() - started < timeout_s:
        response = httpx.get(f"{metrics}/feeds", params={"program_id": program, "limit": 500}, timeout=60,
                             headers={"Authorization": f"Bearer {token}"})
        listed = response.json() if response.status_code == 200 else []
        marker = sorted((f["period"], f["version"]) for f in listed)
        if marker != previous:
            previous, since = marker, time.monotonic()
        elif listed and time.monotonic() - since >= 10:
            return listed
        time.sleep(2)
    raise TimeoutError(f"no stable list of published reports for {program}: {previous}")


class Replay:
    """A page's gateway reads, made by the bench with the page's access token; every read timed."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.reads: dict[str, list[float]] = defaultdict(list)
        self.stages: dict[str, list[float]] = defaultdict(list)
        self.retried = 0

    async def get(self, label: str, path: str, params: dict | None = None) -> object:
        started = time.perf_counter()
        try:
            response = await self.client.get(path, params=params)
        except (httpx.ReadError, httpx.RemoteProtocolError):  # a kept-alive connection the server closed
            self.retried += 1
            response = await self.client.get(path, params=params)
        self.reads[label].append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        return response.json()

    async def every(self, label: str, path: str, params: dict) -> list:
        found: list = []
        while True:  # as the console's Gateway.every: pages of 500
            page = await self.get(label, path, {**params, "limit": 500, "offset": len(found)})
            found.extend(page)
            if len(page) < 500:
                return found

    async def stage(self, name: str, work: Awaitable) -> object:
        started = time.perf_counter()
        result = await work
        self.stages[name].append((time.perf_counter() - started) * 1000)
        return result

    async def dashboard(self, program_id: str) -> None:
        """coordinator.dashboard's reads, in its order."""
        now = datetime.now(UTC)
        await self.stage("1 program", self.get("program", f"/v1/programs/{program_id}"))
        week_start, week_end = week_of(now, ZONE)
        since = (now - timedelta(days=QUIET_DAYS)).isoformat()
        peers, enrollments, _week, recent, notes, _figures = await self.stage("2 lists and measures", asyncio.gather(
            self.every("peers", "/v1/peers", {"program_id": program_id}),
            self.every("enrollments (active)", "/v1/enrollments", {"program_id": program_id, "active": "true"}),
            self.every("sessions this week", "/v1/sessions", {
                "program_id": program_id, "starts_from": week_start.isoformat(),
                "starts_before": week_end.isoformat()}),
            self.every("sessions last 14 days", "/v1/sessions", {
                "program_id": program_id, "starts_from": since, "starts_before": now.isoformat()}),
            self.every("contacts last 14 days", "/v1/contacts", {"program_id": program_id, "started_from": since}),
            self.get("measures (engagement)", "/v1/measures", {"program_id": program_id, "family": "engagement"})))
        reached = {n["participant_id"] for n in notes} | {
            p for s in recent if s["status"] == "completed" for p in s["participant_ids"]}
        quiet = sorted({e["participant_id"] for e in enrollments} - reached)[:PAGE_SIZE]
        waiting = sorted((e for e in enrollments if not e["peer_id"]), key=lambda e: e["enrolled_on"])[:WAITLIST_SHOWN]
        shown = sorted({*quiet, *(e["participant_id"] for e in waiting)})
        await self.stage("3 peer statuses and the participants shown", asyncio.gather(
            *(self.get("peer status", f"/v1/peers/{p['id']}/status") for p in peers),
            self.get("participants shown (one read)", "/v1/participants", {"participant_id": shown, "limit": 500})))

    async def outcomes(self, program_id: str, period: str = "") -> None:
        """outcomes.program_outcomes' reads, in its order (no period: the last one, as it sorts)."""
        feeds, _program = await self.stage("1 feeds and program", asyncio.gather(
            self.every("feeds of the program", "/v1/feeds", {"program_id": program_id}),
            self.get("program", f"/v1/programs/{program_id}")))
        periods = sorted(f["period"] for f in feeds)
        chosen = period if period in periods else periods[-1]
        same_kind = [p for p in periods if ("Q" in p) == ("Q" in chosen)]
        await self.stage("2 reports", asyncio.gather(
            *(self.get("report of a period", f"/v1/feeds/{program_id}/{p}") for p in same_kind)))


async def _loop(seconds: float, once: Callable[[], Awaitable]) -> list[float]:
    timings = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        await once()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def pages(url: str, cookies: list[dict[str, str]], seconds: float, expect: str) -> list[float]:
    async def one(client: httpx.AsyncClient) -> None:
        response = await client.get(url)
        assert response.status_code == 200 and expect in response.text, (url, response.status_code,
                                                                           response.text[:300])

    clients = [httpx.AsyncClient(timeout=120, headers=c) for c in cookies]
    try:
        results = await asyncio.gather(*(_loop(seconds, lambda c=c: one(c)) for c in clients))
    finally:
        for client in clients:
            await client.aclose()
    return [t for found in results for t in found]


async def replayed(gateway: str, token: str, callers: int, seconds: float, page: str, *arguments: str
                   ) -> tuple[list[float], Replay]:
    # httpx's default limits, as the console's own gateway client
    async with httpx.AsyncClient(base_url=gateway, timeout=120, headers={"Authorization": f"Bearer {token}"}) as client:
        replay = Replay(client)
        results = await asyncio.gather(*(_loop(seconds, lambda: getattr(replay, page)(*arguments))
                                         for _ in range(callers)))
    return [t for found in results for t in found], replay


def signed_in(browser, console: str, path: str, username: str, selector: str):  # noqa: ANN001, ANN201
    context = browser.new_context()
    context.set_default_timeout(120_000)
    page = context.new_page()
    page.goto(f"{console}{path}", timeout=120_000)
    page.fill("#username", username)
    page.fill("#password", f"{username}-dev")
    page.click("#kc-login")
    page.wait_for_selector(selector, timeout=180_000)
    return context, page


def copied_sessions(context, prefix: str, count: int) -> tuple[list[dict[str, str]], str]:  # noqa: ANN001
    """The browser's console session under ``count`` new ids (cookies), and its access token."""
    session_id = next(c["value"] for c in context.cookies() if c["name"] == "pb_console")
    store = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    record = json.loads(store.get(f"{prefix}session:{session_id}"))
    cookies = []
    for _ in range(count):
        copy = {**record, "id": secrets.token_urlsafe(32)}
        store.set(f"{prefix}session:{copy['id']}", json.dumps(copy), ex=900)
        cookies.append({"Cookie": f"pb_console={copy['id']}"})
    store.close()
    return cookies, record["access_token"]


def _in_thread(coroutine):  # noqa: ANN001, ANN202 - Playwright's sync API holds this thread's event loop
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def _p50_p95(samples: list[float]) -> tuple[float, float]:
    if len(samples) < 2:
        return (samples[0], samples[0]) if samples else (float("nan"), float("nan"))
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94]


def _breakdown(replay: Replay, pages_made: int) -> None:
    print(f"  {'replayed read':<34}{'per page':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for label, found in sorted(replay.reads.items(), key=lambda item: -sum(item[1])):
        p50, p95 = _p50_p95(found)
        print(f"  {label:<34}{len(found) / max(pages_made, 1):>9.1f}{p50:>9.1f}{p95:>9.1f}")
    print(f"  {'stage (reads at once)':<34}{'':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for name, found in sorted(replay.stages.items()):
        p50, p95 = _p50_p95(found)
        print(f"  {name:<34}{'':>9}{p50:>9.1f}{p95:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--sessions", type=int, default=4, help="signed-in sessions (and replay callers) at once")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    kafka = kafka_settings()
    tenant = f"org-bench-{uuid.uuid4().hex[:6]}"
    with ExitStack() as stack:
        home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="peerbridge-bench-")))
        keycloak = stack.enter_context(keycloak_server(home / "keycloak.log"))
        _, smtp_port = stack.enter_context(smtp_inbox())
        platform = stack.enter_context(private_platform(
            migrated(stack), kafka, home, smtp_port=smtp_port,
            console_settings={"oidc_issuer": f"{keycloak}/realms/peerbridge"},
            trusted_issuers=json.dumps(gateway_trust(keycloak))))
        # held until the fold has caught up: one round of reports, not a version per fold step
        platform.processes["metrics-feed"].terminate()
        platform.processes["metrics-feed"].wait(60)
        scheduling = platform.specs["scheduling"].ready_url.removesuffix("/readyz")
        metrics = platform.specs["metrics"].ready_url.removesuffix("/readyz")

        print(f"seeding {args.participants} participants into scheduling ...", flush=True)
        made = seed(scheduling, platform.specs["scheduling"].env["SCHEDULING_DATABASE_URL"], tenant,
                    args.participants)
        program = made["program"]
        for step, seconds in made["timings"].items():
            print(f"  {step}: {seconds:.1f} s")
        counted = made["counts"]["attended"] + made["counts"]["no_show"]
        folded = wait_for_fold(metrics, tenant, program, counted)
        print(f"  metrics caught up {folded:.1f} s after seeding ended")
        mark = time.monotonic()
        platform.restart("metrics-feed")
        feeds = wait_for_feeds(metrics, tenant, program)
        print(f"  feed published {len(feeds)} reports ({', '.join(sorted(f['period'] for f in feeds))}) "
              f"in {time.monotonic() - mark - 10:.1f} s")

        admin = Keycloak(keycloak)
        admin.set_claims("admin", organization=tenant, peerbridge_id="coord-bench", programs=[program])
        admin.set_claims("funder", organization=tenant, peerbridge_id="funder-bench")
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        stack.callback(browser.close)
        prefix = platform.specs["console"].env["CONSOLE_REDIS_PREFIX"]

        context, page = signed_in(browser, platform.console, f"/programs/{program}", "admin", "#active")
        shown = {name: page.inner_text(f"#{name}") for name in ("active", "waitlist", "week-count", "quiet-count")}
        print(f"\nA program of {made['participants']} participants ({shown['active']} active, {shown['waitlist']} "
              f"on the waitlist), {made['peers']} peers, {made['sessions']} sessions over a year ({made['held']} "
              f"with attendance: {made['counts']}), {made['notes']} contact notes in the last 14 days; seeded in "
              f"{made['timings']['seeding, all']:.0f} s")
        print(f"the dashboard shows {shown['week-count']} sessions this week, {shown['quiet-count']} with no "
              f"contact in 14 days; {len(feeds)} published reports")
        print(f"\nPage server time, {args.sessions} concurrent signed-in sessions (replay: as many callers), "
              f"{args.seconds:.0f} s each")
        print(f"{'request':<64}{'p50 ms':>9}{'p95 ms':>9}{'count':>7}{'p50 x':>7}{'p95 x':>7}", flush=True)
        figures: dict[str, tuple[float, float]] = {}

        def row(label: str, samples: list[float], baseline: list[float]) -> None:
            p50, p95 = _p50_p95(samples)
            b50, b95 = _p50_p95(baseline)
            figures[label] = (p50, p95)
            print(f"{label:<64}{p50:>9.1f}{p95:>9.1f}{len(samples):>7}{p50 / b50:>7.2f}{p95 / b95:>7.2f}", flush=True)

        cookies, token = copied_sessions(context, prefix, args.sessions)
        dashboard = _in_thread(pages(f"{platform.console}/programs/{program}", cookies, args.seconds,
                                     'id="caseloads"'))
        dash_api, dash_replay = _in_thread(replayed(platform.gateway, token, args.sessions, args.seconds,
                                                    "dashboard", program))
        row("gateway reads of the dashboard, replayed (baseline)", dash_api, dash_api)
        row("console GET /programs/{id} (coordinator dashboard)", dashboard, dash_api)
        context.close()

        context, page = signed_in(browser, platform.console, f"/outcomes/{program}", "funder", "#trend")
        cookies, token = copied_sessions(context, prefix, args.sessions)
        outcome = _in_thread(pages(f"{platform.console}/outcomes/{program}", cookies, args.seconds, 'id="trend"'))
        out_api, _ = _in_thread(replayed(platform.gateway, token, args.sessions, args.seconds, "outcomes", program))
        row("gateway reads of the outcome page, replayed (baseline)", out_api, out_api)
        row("console GET /outcomes/{id} (funder, default: latest quarter)", outcome, out_api)
        latest = max(f["period"] for f in feeds if "Q" not in f["period"])  # the page's default is a quarter
        month_page = _in_thread(pages(f"{platform.console}/outcomes/{program}?period={latest}", cookies,
                                      args.seconds, 'id="trend"'))
        month_api, month_replay = _in_thread(replayed(platform.gateway, token, args.sessions, args.seconds,
                                                      "outcomes", program, latest))
        row(f"gateway reads of ?period={latest}, replayed (baseline)", month_api, month_api)
        row(f"console GET /outcomes/{{id}}?period={latest} (month trend)", month_page, month_api)
        context.close()

    print(f"\nWhere the dashboard's time goes (the replay, same token and concurrency; "
          f"{dash_replay.retried} reads retried on a dropped connection):")
    _breakdown(dash_replay, len(dash_api))
    print(f"\nThe outcome page's reads, ?period={latest} (the replay):")
    _breakdown(month_replay, len(month_api))
    n = args.participants
    report_figure(f"console dashboard, {n:,} participants, {args.sessions} sessions, p95",
                  figures["console GET /programs/{id} (coordinator dashboard)"][1], "ms",
                  "its gateway reads replayed, p95", figures["gateway reads of the dashboard, replayed (baseline)"][1])
    report_figure(f"console funder outcome page (a month), {n:,} participants, {args.sessions} sessions, p95",
                  figures[f"console GET /outcomes/{{id}}?period={latest} (month trend)"][1], "ms",
                  "its gateway reads replayed, p95",
                  figures[f"gateway reads of ?period={latest}, replayed (baseline)"][1])


if __name__ == "__main__":
    main()
