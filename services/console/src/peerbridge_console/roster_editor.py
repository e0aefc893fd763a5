"""The on-call roster editor for coordinators: the program's newest published roster as a form
(layers in rotation order, overrides in the program's local time), published as a new version.
When escalation refuses it the form comes back as sent, with each reason beside what caused it:
every stretch with nobody on call in local time, a clinician without a verified contact method at
the layer or override naming them, a malformed value at its input."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, get_day_names
from fastapi import APIRouter, Request
from fastapi.responses import Response

from .api import Problem, form_key, segment
from .web import ADMIN_ROLES, answered, current_session, language_of, paged, posted, render, whole

router = APIRouter()
SPARE_LAYERS, SPARE_OVERRIDES = 1, 2  # empty rows to add to; an empty row is not sent
MOST_ROWS = 20
DEFAULT_DAYS = 28
GAPS_SHOWN = 5
WEEKDAYS = range(7)
OVERRIDE_FIELDS = {"clinician_id": "clinician_id", "starts_at": "starts", "ends_at": "ends"}


def _local_input(instant: str, zone: ZoneInfo) -> str:
    """An instant as the value of a datetime-local input in the program's zone."""
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def _spare_layer(form: dict[str, str], index: int, starts_on: str) -> None:
    form.update({f"layer-{index}-name": "", f"layer-{index}-members": "", f"layer-{index}-starts_on": starts_on,
                 f"layer-{index}-handoff": "08:00", f"layer-{index}-shift_days": "7",
                 **{f"layer-{index}-weekday-{day}": "on" for day in WEEKDAYS}})


def form_of(definition: dict | None, zone: ZoneInfo, today: date) -> dict[str, str]:
    """A published definition (or a first roster's defaults) as the editor's field values."""
    if definition is None:
        form = {"effective_from": today.isoformat(),
                "effective_until": (today + timedelta(days=DEFAULT_DAYS - 1)).isoformat()}
        layers, overrides = [], []
    else:
        form = {"effective_from": definition["effective_from"], "effective_until": definition["effective_until"]}
        layers, overrides = definition["layers"], definition["overrides"]
    for i, layer in enumerate(layers):
        window = layer.get("window") or {}
        form.update({f"layer-{i}-name": layer["name"], f"layer-{i}-members": "\n".join(layer["members"]),
                     f"layer-{i}-starts_on": layer["starts_on"], f"layer-{i}-handoff": layer["handoff"][:5],
                     f"layer-{i}-shift_days": str(layer["shift_days"]),
                     f"layer-{i}-window_start": (window.get("start") or "")[:5],
                     f"layer-{i}-window_end": (window.get("end") or "")[:5],
                     **{f"layer-{i}-weekday-{day}": "on" for day in layer["weekdays"]}})
    for i in range(len(layers), len(layers) + SPARE_LAYERS):
        _spare_layer(form, i, form["effective_from"])
    for j, override in enumerate(overrides):
        form.update({f"override-{j}-clinician_id": override["clinician_id"],
                     f"override-{j}-starts": _local_input(override["starts_at"], zone),
                     f"override-{j}-ends": _local_input(override["ends_at"], zone)})
    form["layer_count"] = str(len(layers) + SPARE_LAYERS)
    form["override_count"] = str(len(overrides) + SPARE_OVERRIDES)
    return form


def rows(form: dict[str, str], kind: str) -> range:
    return range(min(max(whole(form.get(f"{kind}_count"), 0) or 0, 0), MOST_ROWS))


def members_of(text: str) -> list[str]:
    """Clinician ids, one per line or separated by commas, in rotation order."""
    return [member for member in re.split(r"[\s,]+", text) if member]


def _instant(text: str, zone: ZoneInfo) -> str:
    """A local datetime-local value as an instant; anything else as typed (escalation names the field)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC).isoformat()


def body_of(form: dict[str, str], program_id: str, zone: ZoneInfo) -> tuple[dict, list[int], list[int]]:
    """The POST /rosters body, and which form row each sent layer and override came from."""
    layers, layer_rows, overrides, override_rows = [], [], [], []
    for i in rows(form, "layer"):
        members = members_of(form.get(f"layer-{i}-members", ""))
        if not members:
            continue
        layer = {"name": form.get(f"layer-{i}-name", "").strip(), "members": members,
                 "starts_on": form.get(f"layer-{i}-starts_on", ""), "handoff": form.get(f"layer-{i}-handoff", ""),
                 "shift_days": whole(form.get(f"layer-{i}-shift_days")),
                 "weekdays": [day for day in WEEKDAYS if form.get(f"layer-{i}-weekday-{day}")]}
        start, end = form.get(f"layer-{i}-window_start", ""), form.get(f"layer-{i}-window_end", "")
        if start or end:
            layer["window"] = {"start": start, "end": end}
        layers.append(layer)
        layer_rows.append(i)
    for j in rows(form, "override"):
        clinician = form.get(f"override-{j}-clinician_id", "").strip()
        if not clinician:
            continue
        overrides.append({"clinician_id": clinician, "starts_at": _instant(form.get(f"override-{j}-starts", ""), zone),
                          "ends_at": _instant(form.get(f"override-{j}-ends", ""), zone)})
        override_rows.append(j)
    body = {"program_id": program_id, "time_zone": zone.key, "effective_from": form.get("effective_from", ""),
            "effective_until": form.get("effective_until", ""), "layers": layers, "overrides": overrides}
    return body, layer_rows, override_rows


def _field_of(field: str, layer_rows: list[int], override_rows: list[int]) -> str | None:
    """The editor input a service error's field names (``body.layers.0.handoff`` -> ``layer-3-handoff``)."""
    parts = field.split(".")[1:]
    if parts[:1] in (["effective_from"], ["effective_until"]):
        return parts[0]
    if len(parts) >= 2 and parts[0] in ("layers", "overrides") and parts[1].isdigit():
        sent = int(parts[1])
        if parts[0] == "layers" and sent < len(layer_rows):
            name = "_".join(parts[2:4]) if parts[2:3] == ["window"] else (parts[2] if len(parts) > 2 else "members")
            return f"layer-{layer_rows[sent]}-{'weekdays' if name == 'weekdays' else name}"
        if parts[0] == "overrides" and sent < len(override_rows):
            return f"override-{override_rows[sent]}-{OVERRIDE_FIELDS.get(parts[2] if len(parts) > 2 else '', 'ends')}"
    return "effective_until" if parts in ([], ["time_zone"]) else None


def problems_of(problem: Problem, form: dict[str, str], layer_rows: list[int], override_rows: list[int], _
                ) -> dict[str, str]:  # noqa: ANN001
    """Each refusal at the input it concerns; the rest under ``""`` (shown above the form)."""
    at: dict[str, str] = {}
    unreachable = set(problem.body.get("clinicians") or ())
    for i in rows(form, "layer"):
        named = sorted(unreachable & set(members_of(form.get(f"layer-{i}-members", ""))))
        if named:
            at[f"layer-{i}-members"] = _("No verified contact method for %(who)s: each must verify one before "
                                         "they can be on call.") % {"who": ", ".join(named)}
    for j in rows(form, "override"):
        if form.get(f"override-{j}-clinician_id", "").strip() in unreachable:
            at[f"override-{j}-clinician_id"] = _("No verified contact method for %(who)s.") % {
                "who": form[f"override-{j}-clinician_id"].strip()}
    for error in problem.body.get("errors") or ():
        if error.get("rule") in ("full_coverage", "verified_contact"):
            continue
        field = _field_of(str(error.get("field") or ""), layer_rows, override_rows)
        at.setdefault(field or "", str(error.get("message") or problem.detail))
    if not at and not problem.body.get("gaps"):
        at[""] = problem.detail
    return at


def gaps_of(problem: Problem, zone: ZoneInfo, language: str) -> tuple[list[str], int]:
    """The first stretches with nobody on call, as local times, and how many there are in all."""
    gaps = problem.body.get("gaps") or []

    def local(instant: str) -> str:
        return format_datetime(datetime.fromisoformat(instant), "EEE d MMM y HH:mm", tzinfo=zone, locale=language)

    return [f"{local(gap['from'])} – {local(gap['until'])}" for gap in gaps[:GAPS_SHOWN]], len(gaps)


async def _page(request: Request, session, program_id: str, form: dict[str, str] | None = None,  # noqa: ANN001
                problems: dict[str, str] | None = None, gaps: tuple[list[str], int] = ([], 0), page: int = 1,
                by: str = "", status: int = 200) -> Response:
    console = request.app.state.console
    program = await console.gateway.get(session, f"/programs/{segment(program_id)}")
    zone = ZoneInfo(program["time_zone"])
    versions = await console.gateway.every(session, f"/programs/{segment(program_id)}/rosters", limit=100)
    if form is None:
        form = form_of(versions[0]["definition"] if versions else None, zone, datetime.now(zone).date())
    language = language_of(request, session)
    wanted = by.strip().casefold()  # the versions a publisher made
    history, pager = paged([v for v in versions if wanted in v["published_by"].casefold()], page,
                           f"/programs/{segment(program_id)}/roster", by=by)
    for version in history:
        version["local_published"] = format_datetime(datetime.fromisoformat(version["published_at"]),
                                                     "d MMM y HH:mm", tzinfo=zone, locale=language)
    return render(request, "roster_edit.html", status, session=session, program=program, zone=zone.key, form=form,
                  layers=rows(form, "layer"), overrides=rows(form, "override"),
                  weekdays=[(day, get_day_names("wide", locale=language)[day]) for day in WEEKDAYS],
                  problems=problems or {}, gaps=gaps[0], gap_total=gaps[1], history=history, pager=pager,
                  newest=versions[0] if versions else None, by=by, nav="programs")


@router.get("/programs/{program_id}/roster")
async def editor(request: Request, program_id: str, by: str = "", page: int = 1) -> Response:
    session = await current_session(request, ADMIN_ROLES)
    return await _page(request, session, program_id, page=page, by=by)


@router.post("/programs/{program_id}/roster")
async def publish(request: Request, program_id: str) -> Response:
    session, form, _ = await posted(request, ADMIN_ROLES)
    console = request.app.state.console
    program = await console.gateway.get(session, f"/programs/{segment(program_id)}")
    zone = ZoneInfo(program["time_zone"])
    body, layer_rows, override_rows = body_of(form, program_id, zone)
    try:
        roster = await console.gateway.post(session, "/rosters", json=body,
                                            idempotency_key=form_key(form.get("key", ""), "/rosters", body))
    except Problem as problem:
        if problem.status != 422:
            raise
        return await _page(request, session, program_id, form, problems_of(problem, form, layer_rows, override_rows, _),
                           gaps_of(problem, zone, language_of(request, session)), status=422)
    return await answered(request, session, f"/programs/{segment(program_id)}/roster",
                          _("Roster version %(version)s published, %(start)s to %(end)s.") % {
                              "version": roster["version"], "start": roster["definition"]["effective_from"],
                              "end": roster["definition"]["effective_until"]})
