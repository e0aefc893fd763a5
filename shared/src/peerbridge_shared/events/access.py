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
    summary = ("A user read participant-level data through the gateway: the route and the ids it disclosed, the "
               "user and roles, the purpose of use, the request id. Published before the data is returned.")

    access_id: str
    actor_id: str
    actor_roles: list[str]
    method: str
    route: str = Field(description="the route template, e.g. /v1/participants/{participant_id}")
    path: str
    resource_id: str | None = Field(default=None, description="the id in the path, if any")
    participant_ids: list[str] = Field(default_factory=list, description="participants whose data was disclosed")
    purpose: PurposeOfUse
    request_id: str
    status: int
    accessed_at: UtcDatetime
