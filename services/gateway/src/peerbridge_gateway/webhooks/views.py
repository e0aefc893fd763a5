"""``/v1/webhooks``: a funder (or program admin) registers an HTTPS endpoint for new outcome feed
reports of their organization; the signing secret is shown once, at creation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from peerbridge_shared.deps import Paging
from peerbridge_shared.endpoints import endpoint_problem
from peerbridge_shared.identity import Identity
from peerbridge_shared.validation import Id, Text
from peerbridge_shared.web import Problem, not_found, problem_responses

from ..access import FUNDING, Access, scope_of
from ..callers import authenticate
from .store import Subscription, WebhookStore

WEBHOOK_ACCESS: Access = FUNDING


class SubscriptionCreate(BaseModel):
    url: Text = Field(max_length=2000, description="an https:// endpoint that answers 2xx")
    program_ids: list[Id] = Field(default=[], max_length=100, description="only these programs (default: all)")


SUBSCRIPTION_EXAMPLE = {"url": "https://funder.example.org/peerbridge/reports", "program_ids": ["prog-bridges"]}


class SubscriptionRead(BaseModel):
    id: str
    url: str
    program_ids: list[str]
    created_by: str
    created_at: str


class SubscriptionCreated(SubscriptionRead):
    secret: Text = Field(description="the HMAC-SHA256 signing secret; shown only now")


async def funder(caller: Annotated[Identity, Depends(authenticate)]) -> Identity:
    if scope_of(caller, WEBHOOK_ACCESS) is None:
        raise Problem(403, "webhooks are open to funders and program admins", rule="role")
    return caller


Funder = Annotated[Identity, Depends(funder)]
router = APIRouter(prefix="/v1/webhooks", tags=["outcomes"], responses=problem_responses(401, 403, 404, 422, 429))


def store_of(request: Request) -> WebhookStore:
    return request.app.state.gateway.webhooks


def check_url(url: str, allow_http_localhost: bool) -> None:
    problem = endpoint_problem(url, allow_http_localhost=allow_http_localhost)
    if problem is not None:
        rule, detail = problem
        raise Problem(422, detail, field="body.url", rule=rule)


@router.post("", status_code=201, summary="Subscribe an HTTPS endpoint to new outcome reports",
             description="Each new report of your organization's programs (or of the ones named) is POSTed "
                         "to the URL, signed with HMAC-SHA256 (X-PeerBridge-Signature); the secret is in "
                         "this answer only. Open to: funder, program_admin.")
def subscribe(body: SubscriptionCreate, caller: Funder, request: Request) -> SubscriptionCreated:
    check_url(body.url, request.app.state.gateway.settings.webhook_allow_http_localhost)
    subscription = Subscription(caller.organization_id, body.url, sorted(set(body.program_ids)), caller.user_id)
    store_of(request).add(subscription)
    return SubscriptionCreated(**subscription.public(), secret=subscription.secret)


@router.get("", summary="Your organization's webhook subscriptions",
            description="The subscriptions (never their secrets). Open to: funder, program_admin.")
def list_subscriptions(caller: Funder, request: Request, page: Paging) -> list[SubscriptionRead]:
    return [SubscriptionRead(**s.public()) for s in page.slice(store_of(request).subscriptions(caller.organization_id))]


@router.delete("/{subscription_id}", status_code=204, summary="Remove a webhook subscription",
               description="No delivery is attempted after this answer. Open to: funder, program_admin.")
def unsubscribe(subscription_id: str, caller: Funder, request: Request) -> Response:
    if not store_of(request).remove(caller.organization_id, subscription_id):
        raise not_found("path.subscription_id", "webhook subscription", subscription_id)
    return Response(status_code=204)


