"""Sign-in, sign-out: /login (to the provider with PKCE), /auth/callback, /logout (RP-initiated),
/signed-out. The page a user asked for (a deep link from a page e-mail) survives the round trip."""

from __future__ import annotations

import secrets

import httpx
from authlib.common.security import generate_token
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from .api import Problem, SignInAgain
from .oidc import CALLBACK_PATH, SIGNED_OUT_PATH, SignInFailed
from .sessions import Session
from .web import NeedsSignIn, checked_form, current_session, gettext_for, local_path, render

router = APIRouter()
LOGIN_COOKIE = "pb_console_login"


@router.get("/login")
async def login(request: Request, next: str | None = None) -> Response:  # noqa: A002 - the query name
    console = request.app.state.console
    target = local_path(next)
    if await console.sessions.load(request.cookies.get(console.settings.session_cookie), touch=False):
        return RedirectResponse(target, status_code=303)
    state, verifier, nonce = secrets.token_urlsafe(24), generate_token(64), secrets.token_urlsafe(24)
    await console.sessions.begin_login(state, {"verifier": verifier, "nonce": nonce, "next": target})
    try:
        url = await console.provider.authorization_url(state=state, code_verifier=verifier, nonce=nonce)
    except httpx.HTTPError:
        _ = gettext_for(request, None)
        return render(request, "message.html", 503, title=_("Sign-in is unavailable"),
                      message=_("The identity provider cannot be reached. Try again in a moment."))
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(LOGIN_COOKIE, state, max_age=console.settings.login_timeout_s, path=CALLBACK_PATH,
                        httponly=True, secure=console.settings.cookie_secure, samesite="lax")
    return response


@router.get(CALLBACK_PATH)
async def callback(request: Request, code: str | None = None, state: str | None = None,
                   error: str | None = None) -> Response:
    console = request.app.state.console
    _ = gettext_for(request, None)
    if error or not code or not state:
        return _failed(request, _("The identity provider did not sign you in (%(why)s).")
                       % {"why": error or _("no code")})
    pending = await console.sessions.finish_login(state)
    # the state must be the one this browser started with (no login CSRF) and not used before
    if pending is None or not secrets.compare_digest(request.cookies.get(LOGIN_COOKIE, ""), state):
        return _failed(request, _("This sign-in link has expired or was not started in this browser."))
    try:
        tokens, claims = await console.provider.exchange(code=code, code_verifier=pending["verifier"],
                                                         nonce=pending["nonce"])
    except SignInFailed as failed:
        return _failed(request, str(failed))
    probe = Session(id="", user={}, access_token=tokens["access_token"], refresh_token=None, id_token=None,
                    access_expires_at=0, created_at=0, last_seen=0)
    try:
        me = await console.gateway.get(probe, "/me")
    except (SignInAgain, Problem):
        return _failed(request, _("You signed in, but your account has no PeerBridge role in an organization. "
                                  "Ask your program administrator for access."), status=403)
    me["name"] = claims.get("name") or claims.get("preferred_username") or me["user_id"]
    session = await console.sessions.create(user=me, tokens=tokens)
    response = RedirectResponse(local_path(pending["next"]), status_code=303)
    response.delete_cookie(LOGIN_COOKIE, path=CALLBACK_PATH)
    response.set_cookie(console.settings.session_cookie, session.id, path="/", httponly=True,
                        secure=console.settings.cookie_secure, samesite="lax")
    return response


def _failed(request: Request, message: str, status: int = 400) -> Response:
    return render(request, "message.html", status, title=gettext_for(request, None)("Sign-in failed"),
                  message=message, sign_in=True)


@router.post("/logout")
async def logout(request: Request) -> Response:
    console = request.app.state.console
    try:
        session = await current_session(request)
    except NeedsSignIn:
        return RedirectResponse(SIGNED_OUT_PATH, status_code=303)
    await checked_form(request, session)
    await console.sessions.delete(session.id)
    response = RedirectResponse(await console.provider.logout_url(session.id_token), status_code=303)
    response.delete_cookie(console.settings.session_cookie, path="/")
    return response


@router.get(SIGNED_OUT_PATH)
async def signed_out(request: Request) -> Response:
    _ = gettext_for(request, None)
    return render(request, "message.html", title=_("Signed out"),
                  message=_("You are signed out of the PeerBridge console."), sign_in=True)
