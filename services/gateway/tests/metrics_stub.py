"""A small real metrics read API for the gateway's tests, keeping to the contract agreed with the
metrics service (internal token required, scoped to its organization): GET /measures, GET /feeds,
GET /feeds/{program_id}/{period} as JSON, CSV or a FHIR R4 MeasureReport by Accept. Its answers have
the contract's shapes (schemathesis checks them against the public document)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from peerbridge_gateway import contracts
from peerbridge_shared.identity import CurrentIdentity
from peerbridge_shared.settings import ServiceSettings
from peerbridge_shared.web import Problem, create_service_app

FEEDS: dict[tuple[str, str, str], dict[str, Any]] = {}


def publish(organization: str, program_id: str, period: str, measures: dict[str, Any]) -> None:
    FEEDS[(organization, program_id, period)] = {
        "feed_id": f"{program_id}:{period}", "program_id": program_id, "period": period,
        "period_start": "2026-10-01", "period_end": "2026-12-31", "version": 1, "corrects": None, "correction": False,
        "measures": measures, "suppressed": [], "suppression": {},
        "audit": {"protection_width": 3, "suppressed": [], "equations": []},
        "published_at": datetime.now(UTC).isoformat()}


def create_app() -> FastAPI:
    app = create_service_app("metrics (test double)", settings=ServiceSettings())

    @app.get("/measures")
    def measures(caller: CurrentIdentity, program_id: str | None = None, period: str | None = None) -> dict[str, Any]:
        families = [name for name in contracts.load("metrics")["components"]["schemas"]["Measures"]["required"]
                    if name not in ("organization_id", "program_id", "period")]
        return {"organization_id": caller.organization_id, "program_id": program_id, "period": period,
                **{family: [] for family in families}}

    @app.get("/feeds")
    def feeds(caller: CurrentIdentity, program_id: str | None = None) -> list[dict[str, Any]]:
        return [{k: f[k] for k in ("feed_id", "program_id", "period", "version", "corrects", "published_at")}
                for (org, p, _), f in sorted(FEEDS.items())
                if org == caller.organization_id and program_id in (None, p)]

    @app.get("/feeds/{program_id}/{period}")
    def feed(program_id: str, period: str, caller: CurrentIdentity, request: Request) -> Response:
        found = FEEDS.get((caller.organization_id, program_id, period))
        if found is None:
            raise Problem(404, f"no feed for {program_id} {period}", field="path.period", rule="exists")
        accept = request.headers.get("accept", "application/json")
        if "text/csv" in accept:
            rows = "".join(f"{name},{value}\n" for name, value in sorted(found["measures"].items()))
            return Response("measure,value\n" + rows, media_type="text/csv")
        if "application/fhir+json" in accept:
            groups = [{"code": {"text": name}, "measureScore": {"value": value}}
                      for name, value in sorted(found["measures"].items())]
            return JSONResponse({"resourceType": "MeasureReport", "status": "complete", "type": "summary",
                                 "group": groups}, media_type="application/fhir+json")
        return JSONResponse(found)

    @app.get("/fhir/Measure/{measure_id}")
    def measure(measure_id: str, caller: CurrentIdentity) -> JSONResponse:
        return JSONResponse({"resourceType": "Measure", "id": measure_id, "status": "active"},
                            media_type="application/fhir+json")

    return app
