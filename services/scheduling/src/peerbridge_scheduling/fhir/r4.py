"""The FHIR R4 (4.0.1) rules an incoming resource must keep that the fhir.resources R4B models do not
check: JSON without null, empty objects or empty arrays (ele-1 and R4's JSON rules), resource ids of
at most 64 characters, Period start before end (per-1), an XHTML narrative, and the required
bindings of the elements PeerBridge reads. Each breach is named by its element path
(``period.start``, ``identifier.0.use``), the way the rest of the API names fields."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

XHTML_DIV = "{http://www.w3.org/1999/xhtml}div"
MAX_ID = 64
IDENTIFIER_USE = {"usual", "official", "temp", "secondary", "old"}
NARRATIVE_STATUS = {"generated", "extensions", "additional", "empty"}
QUANTITY_COMPARATOR = {"<", "<=", ">=", ">"}
ENCOUNTER_STATUS = {"planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled",
                    "entered-in-error", "unknown"}
ENCOUNTER_LOCATION_STATUS = {"planned", "active", "reserved", "completed"}
REQUIRED_BINDINGS = {  # path (list positions as *) -> the codes its required ValueSet allows
    "Encounter": {"status": ENCOUNTER_STATUS, "statusHistory.*.status": ENCOUNTER_STATUS,
                  "location.*.status": ENCOUNTER_LOCATION_STATUS},
}
Breach = tuple[str, str, str]
"""(element path, what is wrong, rule)"""


def breaches(resource: dict[str, Any]) -> list[Breach]:
    found = list(_json_shape(resource, ""))
    found += _resource_rules(resource, "")
    return found


def _json_shape(value: Any, path: str) -> Iterator[Breach]:
    if value is None:
        yield path, "null is not allowed in FHIR JSON; leave the element out", "no_null"
    elif isinstance(value, dict):
        if not value:
            yield path, "an element needs a value or children (ele-1)", "ele-1"
        for key, item in value.items():
            yield from _json_shape(item, _join(path, key))
    elif isinstance(value, list):
        if not value:
            yield path, "an array cannot be empty; leave the element out", "no_empty_array"
        for index, item in enumerate(value):
            yield from _json_shape(item, _join(path, str(index)))


def _resource_rules(resource: dict[str, Any], path: str) -> list[Breach]:
    found: list[Breach] = []
    resource_id = resource.get("id")
    if isinstance(resource_id, str) and len(resource_id) > MAX_ID:
        found.append((_join(path, "id"), f"a resource id has at most {MAX_ID} characters", "id_length"))
    text = resource.get("text")
    if isinstance(text, dict):
        found += _narrative(text, _join(path, "text"))
    for binding, codes in REQUIRED_BINDINGS.get(resource.get("resourceType", ""), {}).items():
        for where, code in _values(resource, binding.split("."), path):
            if isinstance(code, str) and code not in codes:
                found.append((where, f"must be one of {', '.join(sorted(codes))}", "enum"))
    for where, node in _walk(resource, path):
        found += _datatype_rules(node, where)
    for index, contained in enumerate(resource.get("contained") or []):
        if isinstance(contained, dict):
            found += _resource_rules(contained, _join(path, f"contained.{index}"))
    return found


def _datatype_rules(node: dict[str, Any], path: str) -> list[Breach]:
    found: list[Breach] = []
    leaf = path.rsplit(".", 2)
    name = leaf[-2] if leaf[-1].isdigit() and len(leaf) > 1 else leaf[-1]
    if name == "identifier" and isinstance(node.get("use"), str) and node["use"] not in IDENTIFIER_USE:
        found.append((_join(path, "use"), f"must be one of {', '.join(sorted(IDENTIFIER_USE))}", "enum"))
    if "comparator" in node and isinstance(node["comparator"], str) and node["comparator"] not in QUANTITY_COMPARATOR:
        found.append((_join(path, "comparator"), "must be one of <, <=, >=, >", "enum"))
    if name == "period" and isinstance(node.get("start"), str) and isinstance(node.get("end"), str):
        start, end = _instant(node["start"]), _instant(node["end"])
        if start and end and end < start:
            found.append((path, "the start must not come after the end (per-1)", "per-1"))
    return found


def _narrative(text: dict[str, Any], path: str) -> list[Breach]:
    found: list[Breach] = []
    if isinstance(text.get("status"), str) and text["status"] not in NARRATIVE_STATUS:
        found.append((_join(path, "status"), f"must be one of {', '.join(sorted(NARRATIVE_STATUS))}", "enum"))
    div = text.get("div")
    if isinstance(div, str):
        try:
            root = ElementTree.fromstring(div)
        except ElementTree.ParseError:
            root = None
        if root is None or root.tag != XHTML_DIV or not "".join(root.itertext()).strip():
            found.append((_join(path, "div"), 'must be a non-empty XHTML <div xmlns="http://www.w3.org/1999/xhtml">',
                          "xhtml"))
    return found


def _walk(value: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(value, dict):
        yield path, value
        for key, item in value.items():
            if key != "contained":
                yield from _walk(item, _join(path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, _join(path, str(index)))


def _values(node: Any, steps: list[str], path: str) -> Iterator[tuple[str, Any]]:
    if not steps:
        yield path, node
        return
    step, rest = steps[0], steps[1:]
    if step == "*":
        for index, item in enumerate(node if isinstance(node, list) else []):
            yield from _values(item, rest, _join(path, str(index)))
    elif isinstance(node, dict) and step in node:
        yield from _values(node[step], rest, _join(path, step))


def _instant(value: str) -> datetime | None:
    """The earliest moment a FHIR dateTime can mean (a bare year or month from its first day, in UTC),
    for comparison; None if it is not a date-time with an offset (the models report that)."""
    if "T" not in value:
        year, month, day = (value.split("-") + ["01", "01"])[:3]
        value = f"{year}-{month}-{day}T00:00:00+00:00"
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
