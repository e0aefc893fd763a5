"""A realistic request body for every write, shown in the API documents (each is validated by its
model whenever the document is generated, so an example cannot go stale)."""

from __future__ import annotations

from typing import Any

from .cases.schemas import ContactMade, Reassign, Resolve
from .policy import DEFAULT_POLICY, Policy
from .rosters.schemas import ContactCreate, ContactVerify, ProgramContactsSet, RosterPublish

EXAMPLES: dict[Any, Any] = {
    ContactMade: {"method": "phone", "note": "Reached him at home; with his sister, safe tonight."},
    Reassign: {"clinician_id": "clin-ortiz", "reason": "handing over at the end of my shift"},
    Resolve: {"disposition_code": "safety-plan-reviewed",
              "note": "Reviewed the safety plan by phone; follow-up visit booked for tomorrow."},
    ContactVerify: {"code": "402917"},
    ContactCreate: {"channel": "sms", "address": "+12125550147", "priority": 0},
    ProgramContactsSet: {"supervisor_id": "clin-chen", "medical_director_id": "clin-okafor"},
    Policy: {**DEFAULT_POLICY.model_dump(mode="json"), "version": "bridges-2026-12"},
    RosterPublish: {"program_id": "prog-bridges", "time_zone": "America/New_York",
                    "effective_from": "2026-12-01", "effective_until": "2027-01-31",
                    "layers": [{"name": "primary", "members": ["clin-ortiz", "clin-chen"],
                                "starts_on": "2026-11-30", "handoff": "08:00", "shift_days": 7}],
                    "overrides": [{"clinician_id": "clin-okafor", "starts_at": "2026-12-24T13:00:00Z",
                                   "ends_at": "2026-12-26T13:00:00Z"}]},
}
