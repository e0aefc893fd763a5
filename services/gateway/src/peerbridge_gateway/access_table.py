"""Renders the route x role table of docs/gateway.md from the catalog:
``python -m peerbridge_gateway.access_table``; a test fails when the doc and the code disagree."""

from __future__ import annotations

from peerbridge_shared.identity import Role

from .access import Scope
from .catalog import ROUTES
from .realtime.views import EVENTS_ACCESS
from .webhooks.views import WEBHOOK_ACCESS

ROLES = (Role.PEER, Role.SUPERVISOR, Role.CLINICIAN, Role.PROGRAM_ADMIN, Role.FUNDER, Role.PLATFORM_ADMIN)
MARKS = {Scope.ORGANIZATION: "org", Scope.PROGRAMS: "programs", Scope.OWN: "own"}


def render() -> str:
    lines = ["| route | " + " | ".join(role.value for role in ROLES) + " | PHI |",
             "|---|" + "---|" * len(ROLES) + "---|"]
    rows = [(f"{r.method} /v1{r.path}", r.access, r.phi) for r in ROUTES]
    rows += [("WS /v1/events/ws, GET /v1/events (SSE)", EVENTS_ACCESS, True),
             ("POST, GET /v1/webhooks; DELETE /v1/webhooks/{id}", WEBHOOK_ACCESS, False)]
    for name, access, phi in rows:
        marks = " | ".join(MARKS.get(access.get(role), "") for role in ROLES)  # type: ignore[arg-type]
        lines.append(f"| `{name}` | {marks} | {'yes' if phi else ''} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
