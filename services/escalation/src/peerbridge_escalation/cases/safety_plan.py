"""The participant's safety plan travels with the case: fetched from scheduling (which keeps it)
with an internal token for the clinician viewing the case."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from peerbridge_shared.identity import Identity, issue_internal_token

from ..settings import EscalationSettings


def fetch_safety_plan(settings: EscalationSettings, caller: Identity, participant_id: str, program_id: str
                      ) -> tuple[dict | None, str | None]:
    """(the plan of the case's program, None), or (None, why it is not shown). Only that program's
    plan: a case never carries another program's records (42 CFR Part 2)."""
    token = issue_internal_token(caller, settings.internal_token_secret.get_secret_value(), ttl_s=30)
    try:
        response = httpx.get(f"{settings.scheduling_url.rstrip('/')}/participants/{quote(participant_id, safe='')}"
                             "/safety-plan", params={"program_id": program_id},
                             headers={"Authorization": f"Bearer {token}"}, timeout=3.0)
    except httpx.HTTPError as exc:
        return None, f"scheduling unreachable ({type(exc).__name__}): use the crisis line 988 and the EHR"
    if response.status_code == 404:
        return None, "no safety plan on record"
    if response.status_code != 200:
        return None, f"scheduling answered {response.status_code}"
    return response.json(), None
