"""A report as JSON, CSV, or a FHIR R4 MeasureReport (summary) of the published Measure
(:func:`measure`, at its canonical URL), checked with the fhir.resources models (the tests hold both
to HL7's R4 validator).

Each says which version it is and which version it corrects, and lists the suppressed cells with the
rule that hid each (JSON and FHIR also list the equations the suppression considered). No format
carries the value of a hidden cell."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from fhir.resources.R4B.measurereport import MeasureReport

from .report import Report

MEASURE_URL = "https://peerbridge.org/fhir/Measure/peer-support-program-outcomes"
ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
CODE_SYSTEM = "https://peerbridge.org/fhir/CodeSystem/program-measures"
EXTENSION = "https://peerbridge.org/fhir/StructureDefinition/"
MEASURE_ID = MEASURE_URL.rsplit("/", 1)[-1]
MEASURE_VERSION = "1"
POPULATION = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population",
                          "code": "initial-population", "display": "Initial Population"}]}
SCORING = "http://terminology.hl7.org/CodeSystem/measure-scoring"


def measure() -> dict:
    """The Measure every MeasureReport points at: one group per measure name (``group.code`` in the
    program-measures code system); a count is the group's initial population, a rate or median its
    score."""
    return {
        "resourceType": "Measure", "id": MEASURE_ID, "url": MEASURE_URL, "version": MEASURE_VERSION,
        "name": "PeerBridgeProgramOutcomes", "title": "Peer support program outcomes", "status": "active",
        "experimental": False, "publisher": "PeerBridge",
        "text": {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">Peer support program '
                                               'outcomes: one group per measure</div>'},
        "description": "De-identified, small-cell suppressed engagement, outcome, safety and billing figures "
                       "of one peer-support program and period (docs/metrics.md).",
        "scoring": {"coding": [{"system": SCORING, "code": "cohort", "display": "Cohort"}]},
        "group": [{"description": "Each report group is one measure, named by its code in " + CODE_SYSTEM,
                   "population": [{"code": POPULATION, "description": "The participants, sessions or events "
                                   "counted by the measure", "criteria": {"language": "text/cql",
                                                                          "expression": "Initial Population"}}]}],
    }


def as_json(report: Report, published_at: datetime | None = None) -> dict:
    published_at = published_at or report.published_at or datetime.now(UTC)
    return {"feed_id": report.feed_id, "program_id": report.program_id, "period": report.period,
            "period_start": report.period_start.isoformat(), "period_end": report.period_end.isoformat(),
            "version": report.version, "corrects": report.corrects, "correction": report.corrects is not None,
            "measures": report.measures, "suppressed": sorted(report.suppression),
            "suppression": dict(sorted(report.suppression.items())), "audit": report.audit(),
            "published_at": published_at.isoformat()}


def as_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["program_id", "period", "measure", "value", "suppressed_by", "version", "corrects"])
    for name, value in sorted(report.measures.items()):
        writer.writerow([report.program_id, report.period, name, "" if value is None else value,
                         report.suppression.get(name, ""), report.version, report.corrects or ""])
    return out.getvalue()


def as_measure_report(report: Report, generated: datetime | None = None) -> dict:
    """One group per measure: counts as a population count, rates as the measure score. A value left
    out carries the data-absent-reason extension: "masked" when suppressed, "not-applicable" when
    there is nothing to derive it from (no denominator)."""
    groups = []
    for name, value in sorted(report.measures.items()):
        code = {"coding": [{"system": CODE_SYSTEM, "code": name}], "text": name}
        absent = {"extension": [{"url": ABSENT, "valueCode": "masked" if name in report.suppression
                                 else "not-applicable"}]}
        rule = [{"url": EXTENSION + "suppression-rule", "valueString": report.suppression[name]}] \
            if name in report.suppression else []
        if isinstance(value, int) and not isinstance(value, bool) or (value is None and _is_count(report, name)):
            groups.append({"code": code, "population": [{"code": POPULATION, **({"count": value} if value is not None
                                                                                 else absent)}], **_ext(rule)})
        else:
            groups.append({"code": code, "measureScore": {"value": value} if value is not None else absent,
                           **_ext(rule)})
    about = [{"url": EXTENSION + "report-version", "valueInteger": report.version},
             *([{"url": EXTENSION + "corrects", "valueString": report.corrects}] if report.corrects else []),
             {"url": EXTENSION + "protection-width", "valueInteger": report.protection_width},
             *({"url": EXTENSION + "suppression-equation", "valueString": text} for text in report.equations)]
    resource = {
        "resourceType": "MeasureReport", "id": report.feed_id.replace(":", "-").replace("_", "-")[:64],
        "extension": about, "status": "complete", "type": "summary", "measure": MEASURE_URL,
        "identifier": [{"system": EXTENSION + "report-version-id", "value": report.version_id}],
        "date": (generated or report.published_at or datetime.now(UTC)).isoformat(),
        "period": {"start": report.period_start.isoformat(), "end": report.period_end.isoformat()},
        "group": groups,
    }
    MeasureReport.model_validate(resource)
    return resource


def _ext(extensions: list[dict]) -> dict:
    return {"extension": extensions} if extensions else {}


def _is_count(report: Report, name: str) -> bool:
    return name in report.suppression and not report.suppression[name].startswith("derived")
