"""The funder's and analyst's outcome pages, from the gateway's published reports (``/v1/feeds``):
the programs with reports, one program's report of a closed period as charts with the same figures
in tables, a figure's trend over the periods, and the report as CSV or FHIR MeasureReport. Nothing
here is participant-level: the reports are de-identified and suppressed before they are published."""

from __future__ import annotations

import asyncio
import re

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .api import Problem, segment
from .charts import bars
from .figures import TREND_FIGURES, name_of, sections, unit_of
from .figures import trend as trend_of
from .sessions import Session
from .web import OUTCOME_ROLES, current_session, gettext_for, language_of, paged, render

router = APIRouter()
PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2]|Q[1-4])")
PROGRAM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
DOWNLOADS = {"report.csv": ("text/csv", "csv"), "measure-report.json": ("application/fhir+json", "json")}


def by_end(period: str) -> tuple[int, int, int]:
    """Periods in the order they end; a quarter before the month that ends it, so the latest month
    is the default (text order would put 2026-Q4 after 2026-12)."""
    year, part = period.split("-")
    return (int(year), 3 * int(part[1]), 0) if part.startswith("Q") else (int(year), int(part), 1)


@router.get("/outcomes")
async def programs(request: Request, q: str = "", page: int = 1) -> Response:
    session = await current_session(request, OUTCOME_ROLES)
    console = request.app.state.console
    feeds, known = await asyncio.gather(console.gateway.every(session, "/feeds"),
                                        console.gateway.every(session, "/programs"))
    names = {program["id"]: program["name"] for program in known}
    listed: dict[str, dict] = {}
    for feed in feeds:
        entry = listed.setdefault(feed["program_id"], {"id": feed["program_id"], "periods": [], "latest": None,
                                                       "name": names.get(feed["program_id"], "")})
        entry["periods"].append(feed["period"])
        entry["latest"] = max(filter(None, (entry["latest"], feed["published_at"])), default=None)
    wanted = q.strip().casefold()
    found = sorted((p for p in listed.values() if wanted in f"{p['id']} {p['name']}".casefold()),
                   key=lambda p: (p["name"].casefold(), p["id"]))
    shown, pager = paged(found, page, "/outcomes", q=q)
    return render(request, "outcomes.html", session=session, programs=shown, pager=pager, q=q)


@router.get("/outcomes/{program_id}")
async def program_outcomes(request: Request, program_id: str, period: str = "", trend: str = "") -> Response:
    session = await current_session(request, OUTCOME_ROLES)
    _ = gettext_for(request, session)
    console = request.app.state.console
    if not PROGRAM.fullmatch(program_id):
        return _not_found(request, session)
    feeds, program = await asyncio.gather(console.gateway.every(session, "/feeds", {"program_id": program_id}),
                                          _program(console, session, program_id))
    periods = sorted((feed["period"] for feed in feeds if PERIOD.fullmatch(feed["period"])), key=by_end)
    if not periods:
        return _not_found(request, session)
    chosen = period if period in periods else periods[-1]
    same_kind = [p for p in periods if ("Q" in p) == ("Q" in chosen)]  # a trend of months, or of quarters
    reports = await asyncio.gather(*(_report(console, session, program_id, p) for p in same_kind))
    report = next(r for r in reports if r["period"] == chosen)
    language = language_of(request, session)
    drawn = sections(report, language, _)
    for section in drawn:
        section["chart"] = bars(section["charted"], section["unit"])
    figure = trend if trend in TREND_FIGURES else TREND_FIGURES[0]
    over_time = trend_of(list(reports), figure, language, _)
    return render(request, "outcome.html", session=session, program_id=program_id, report=report,
                  program_name=program.get("name") or program_id,
                  periods=periods, sections=drawn, trend_name=figure, trend_label=name_of(figure, _),
                  trend_choices=[(name, name_of(name, _)) for name in TREND_FIGURES],
                  trend_chart=bars(over_time, unit_of(figure)), trend_rows=over_time)


@router.get("/outcomes/{program_id}/{period}/{download}")
async def download(request: Request, program_id: str, period: str, download: str) -> Response:
    """The report exactly as the gateway serves it, as a file."""
    session = await current_session(request, OUTCOME_ROLES)
    if not (PROGRAM.fullmatch(program_id) and PERIOD.fullmatch(period) and download in DOWNLOADS):
        return _not_found(request, session)
    media_type, extension = DOWNLOADS[download]
    answer = await request.app.state.console.gateway.request(
        session, "GET", f"/feeds/{segment(program_id)}/{period}", headers={"Accept": media_type})
    filename = f"peerbridge-{program_id}-{period}.{extension}".replace(":", "-")
    return Response(answer.content, media_type=answer.headers.get("content-type", media_type),
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


async def _program(console, session: Session, program_id: str) -> dict:  # noqa: ANN001
    try:
        return await console.gateway.get(session, f"/programs/{segment(program_id)}")
    except Problem as problem:  # a program gone since its reports were published keeps its reports
        if problem.status == 404:
            return {}
        raise


async def _report(console, session: Session, program_id: str, period: str) -> dict:  # noqa: ANN001
    return await console.gateway.get(session, f"/feeds/{segment(program_id)}/{period}")


def _not_found(request: Request, session: Session) -> Response:
    _ = gettext_for(request, session)
    return render(request, "message.html", 404, session=session, title=_("No such report"),
                  message=_("No outcome report of this program is published for your organization."))
