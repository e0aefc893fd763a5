"""Access to participant-level data (published by the gateway for every read it serves): who read
what, when and why. Ids only; never the data itself."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from .base import Event, UtcDatetime


class PurposeOfUse(StrEnum):
    """HL7 v3 PurposeOfUse codes the platform accepts."""

    TREATMENT = "TREAT"
    EMERGENCY_TREATMENT = "ETREAT"
    OPERATIONS = "HOPERAT"
    PAYMENT = "HPAYMT"
    SYSTEM_ADMINISTRATION = "HSYSADMIN"
    QUALITY = "HQUALIMP"


class PhiAccessed(Event):
    type_name = "org.peerbridge.audit.phi.accessed.v1"
    summary = ("A user read or wrote participant-level data through the gateway (or wrote on someone's behalf): the "
               "route and the ids it disclosed, the user, roles and whom they acted for, the purpose of use, the "
               "request id. Published before the answer is returned.")

    access_id: str
    actor_id: str
    actor_roles: list[str]
    on_behalf_of: str | None = Field(default=None, description="the member of staff a program admin acted for")
    method: str
    route: str = Field(description="the route template, e.g. /v1/participants/{participant_id}")
    path: str
    resource_id: str | None = Field(default=None, description="the id in the path, if any")
    participant_ids: list[str] = Field(default_factory=list, description="participants whose data was disclosed")
    purpose: PurposeOfUse
    request_id: str
    status: int
    accessed_at: UtcDatetime
