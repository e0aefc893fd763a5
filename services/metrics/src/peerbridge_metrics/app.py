"""The metrics read API: `python -m peerbridge_metrics` (port 8003, internal identity required).

Answers from a :class:`FactsView` of the worker's tables (ready once it has caught up):
- ``GET /measures``: the measure families asked for (``family=``; default every one) as JSON rows
  for the caller's organization, by month (or by quarter with ``period=2026-Q4``), optionally for
  one program and one period;
- ``GET /feeds``: the funder reports published for the caller's organization (closed periods only,
  latest version of each);
- ``GET /feeds/{program_id}/{period}``: one published report (its latest version, or
  ``?version=N``) as JSON, CSV (``text/csv``) or a FHIR R4 MeasureReport
  (``application/fhir+json``), by the Accept header. Exactly what the feed published, read back from
  the published history (history.py); a period not published yet is 404 saying from when it will be.
- ``GET /fhir/Measure/{id}``: the FHIR R4 Measure those MeasureReports point at (its canonical URL).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse

from peerbridge_shared.deps import Now, Paging
from peerbridge_shared.identity import CurrentIdentity
from peerbridge_shared.web import FhirJSONResponse, Problem, create_service_app, not_found

from . import formats
from .answers import FeedListed, FeedReport
from .billing.rules import load_policies
from .feed import reportable
from .history import PublishedHistory
from .measures import FAMILIES, MeasureFamily, Measures, as_json, compute
from .measures.periods import bounds, granularity, month_of
from .publication import publishable_from
from .settings import MetricsSettings, get_settings
from .view import FactsView


def create_app(settings: MetricsSettings | None = None, view: FactsView | None = None,
               history: PublishedHistory | None = None) -> FastAPI:
    settings = settings or get_settings()
    view = view or FactsView(settings.kafka, settings.faust_app_id)
    history = history or PublishedHistory(settings.kafka, settings.faust_app_id, settings.faust_replication_factor)
    payers = load_policies(settings.payer_policies)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        view.start()
        history.start()
        yield
        history.stop()
        view.stop()

    def view_ready() -> None:
        if not view.ready.is_set():
            raise RuntimeError("the view of the worker's tables is still catching up")
        if not history.ready.is_set():
            raise RuntimeError("the published reports are still being read")

    app = create_service_app("PeerBridge metrics", settings=settings, readiness={"tables": view_ready},
                             lifespan=lifespan)

    @app.get("/measures", tags=["measures"], response_model=Measures, response_model_exclude_unset=True)
    def measures(caller: CurrentIdentity, now: Now, program_id: str | None = None, period: str | None = None,
                 family: Annotated[list[MeasureFamily] | None, Query(
                     max_length=len(FAMILIES), description="only these families (default: every one)")] = None,
                 ) -> dict:
        period_of = _granularity(period) if period else month_of
        view_ready_or_503(view)
        families = as_json(compute(view.facts(caller.organization_id), payers, now().date(), period_of,
                                   [f.value for f in family or ()]))
        return {"organization_id": caller.organization_id, "program_id": program_id, "period": period,
                **{family: [row for row in rows if _matches(row["key"], program_id, period)]
                   for family, rows in families.items()}}

    @app.get("/feeds", tags=["feeds"], response_model=list[FeedListed])
    def feeds(caller: CurrentIdentity, page: Paging, program_id: str | None = None) -> list[dict]:
        ready_or_503(view, history)
        org = caller.organization_id
        return page.slice([
            {"feed_id": r.feed_id, "program_id": program, "period": r.period, "version": r.version,
             "corrects": r.corrects, "published_at": r.published_at.isoformat() if r.published_at else None}
            for o, program in history.programs() if o == org and program_id in (None, program)
            for _period, r in sorted(history.latest(org, program).items())])

    @app.get("/feeds/{program_id}/{period}", tags=["feeds"],
             responses={200: {"model": FeedReport, "content": {"text/csv": {}, "application/fhir+json": {}}}})
    def feed(program_id: str, period: str, request: Request, caller: CurrentIdentity,
             version: int | None = None) -> Response:
        _granularity(period, field="path.period")
        ready_or_503(view, history)
        org = caller.organization_id
        published = [r for r in history.of(org, program_id) if r.period == period]
        if not published and not any(p == program_id for _o, p, _period in reportable(view.facts(org))):
            raise not_found("path.program_id", "program", program_id)
        if not published:
            raise Problem(404, f"{period} is published to funders from "
                          f"{publishable_from(period, settings.funder_grace_days).isoformat()} (closed periods only)",
                          field="path.period", rule="not_published")
        chosen = [r for r in published if version in (None, r.version)]
        if not chosen:
            raise Problem(404, f"{program_id}:{period} has versions 1 to {published[-1].version}",
                          field="query.version", rule="unknown_version")
        report = chosen[-1]
        accept = request.headers.get("accept", "")
        if "text/csv" in accept:
            return Response(formats.as_csv(report), media_type="text/csv")
        if "application/fhir+json" in accept:
            return JSONResponse(formats.as_measure_report(report), media_type="application/fhir+json")
        return JSONResponse(formats.as_json(report))

    @app.get("/fhir/Measure/{measure_id}", tags=["feeds"], response_class=FhirJSONResponse,
             responses={200: {"description": "a FHIR R4 Measure"}})
    def fhir_measure(measure_id: str, caller: CurrentIdentity) -> FhirJSONResponse:
        """The Measure of the outcome reports' MeasureReports (``MeasureReport.measure``)."""
        if measure_id != formats.MEASURE_ID:
            raise not_found("path.measure_id", "Measure", measure_id)
        return FhirJSONResponse(formats.measure())

    return app


def view_ready_or_503(view: FactsView) -> None:
    if not view.ready.is_set():
        raise Problem(503, "measures are not available until the worker's tables are read", rule="not_ready")


def ready_or_503(view: FactsView, history: PublishedHistory) -> None:
    view_ready_or_503(view)
    if not history.ready.is_set():
        raise Problem(503, "reports are not available until the published ones are read", rule="not_ready")


def _granularity(period: str, field: str = "query.period"):  # noqa: ANN202
    try:
        period_of = granularity(period)
        bounds(period)
    except ValueError as exc:
        raise Problem(422, str(exc), field=field, rule="period_format") from exc
    return period_of


def _matches(key: list, program_id: str | None, period: str | None) -> bool:
    """Rows of the program; of the period if the row has one (cumulative rows have none)."""
    periods = [part for part in key if _is_period(part)]
    return (program_id is None or key[1] == program_id) and (period is None or not periods or period in periods)


def _is_period(part: object) -> bool:
    try:
        granularity(str(part))
        return True
    except ValueError:
        return False

