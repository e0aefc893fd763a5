"""What every page shares: templates, the signed-in session (refreshing its access token), CSRF on
every form, safe redirects and the security headers (CSP 'self' only)."""

from __future__ import annotations

import hmac
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .i18n import LANGUAGES, best_match, translations
from .labels import LABELS, script_messages
from .sessions import Session

CLINICAL_ROLES = frozenset({"clinician", "supervisor", "program_admin"})  # the gateway's CLINICAL access
PEER_ROLES = frozenset({"peer"})
SUPERVISOR_ROLES = frozenset({"supervisor"})
ADMIN_ROLES = frozenset({"program_admin"})
OUTCOME_ROLES = frozenset({"funder", "program_admin"})  # the gateway's FUNDING access
RISK_ORDER = {"imminent": 0, "high": 1, "moderate": 2, "low": 3}
RISK_MARK = {"imminent": "!!!", "high": "!!", "moderate": "!", "low": "·"}


PAGE_SIZE = 25
WHOLE = re.compile(r"-?[0-9]{1,6}")  # ASCII digits only: int() would also take other scripts' digits


def whole(value: str | None, missing: int | None = -1) -> int | None:
    """A form's whole number; ``missing`` when it is none (the gateway's 422 then names the field)."""
    text = (value or "").strip()
    return int(text) if WHOLE.fullmatch(text) else missing



@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    path: str
    params: tuple[tuple[str, str], ...]

    def link(self, page: int) -> str:
        return f"{self.path}?{urlencode([*self.params, ('page', str(page))])}"


def paged(items: list, page: int, path: str, **params: str) -> tuple[list, Pager]:
    """One page of a list a console page shows (every list pages, PAGE_SIZE at a time)."""
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    kept = tuple((key, value) for key, value in params.items() if value)
    return items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], Pager(page, pages, path, kept)


class RoleRefused(Exception):
    """The signed-in user's roles do not include the page's (the gateway would refuse its data too)."""


def require_role(session: Session, roles: frozenset[str]) -> None:
    if not roles & set(session.user.get("roles") or ()):
        raise RoleRefused()


def home_of(session: Session) -> str:
    """Where a user starts: coordinators at their programs, clinical staff at the inbox, peers at today's
    sessions, funders at the outcomes."""
    roles = set(session.user.get("roles") or ())
    for kind, page in ((ADMIN_ROLES, "/programs"), (CLINICAL_ROLES, "/inbox"), (PEER_ROLES, "/today")):
        if kind & roles:
            return page
    return "/outcomes"


class NeedsSignIn(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class CsrfRefused(Exception):
    pass


def local_path(target: str | None, default: str = "/") -> str:
    """Only a path on this console (never //host or a scheme): no open redirect after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def _when(value: str | None) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _environment(language: str) -> Environment:
    environment = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                              autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True,
                              extensions=["jinja2.ext.i18n"])
    catalog = translations(language)
    environment.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
    environment.filters.update(when=_when, decimal=lambda value: format_decimal(value, locale=language),
                               label=lambda value: catalog.gettext(LABELS.get(value, value))
                               if isinstance(value, str) else value)
    environment.globals.update(clinical_roles=CLINICAL_ROLES, outcome_roles=OUTCOME_ROLES, peer_roles=PEER_ROLES,
                               supervisor_roles=SUPERVISOR_ROLES, admin_roles=ADMIN_ROLES, risk_mark=RISK_MARK,
                               new_key=lambda: uuid.uuid4().hex, language=language,
                               languages=LANGUAGES, script_messages=script_messages(catalog.gettext))
    return environment


TEMPLATES = {language: _environment(language) for language in LANGUAGES}


def language_of(request: Request, session: Session | None) -> str:
    if session is not None and session.language in LANGUAGES:
        return session.language
    return best_match(request.headers.get("accept-language"))


def gettext_for(request: Request, session: Session | None) -> Callable[[str], str]:
    """The gettext of the page's language, for messages written in Python (flashes, titles)."""
    return translations(language_of(request, session)).gettext


def flash(session: Session, text: str, *, problem: bool = False) -> None:
    """A message for the next page: a problem is announced as an alert, anything else as a status."""
    session.flash = {"text": text, "problem": problem}


def render(request: Request, name: str, status: int = 200, session: Session | None = None, **context: object
           ) -> HTMLResponse:
    flash = None
    if session is not None and session.flash:
        flash, session.flash = session.flash, None
        request.state.dirty = True
    template = TEMPLATES[language_of(request, session)].get_template(name)
    html = template.render(request=request, session=session, flash=flash, csrf=session.csrf if session else "",
                           **context)
    return HTMLResponse(html, status_code=status, headers={"Content-Language": language_of(request, session)})


async def current_session(request: Request, roles: frozenset[str] | None = None) -> Session:
    """The signed-in session, its access token refreshed when about to expire; else NeedsSignIn.
    With ``roles``, RoleRefused unless the user has one of them."""
    console = request.app.state.console
    session = await console.sessions.load(request.cookies.get(console.settings.session_cookie),
                                          touch=not request.url.path.startswith("/events"))
    next_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if session is None:
        raise NeedsSignIn(next_path)
    if session.access_expires_at - time.time() < console.settings.refresh_before_s:
        if not session.refresh_token:
            await console.sessions.delete(session.id)
            raise NeedsSignIn(next_path)
        try:
            console.sessions.renew_tokens(session, await console.provider.refresh(session.refresh_token))
        except Exception:  # noqa: BLE001 - a refused refresh (revoked, provider session over) means sign in again
            await console.sessions.delete(session.id)
            raise NeedsSignIn(next_path) from None
        await console.sessions.save(session)
    request.state.session = session
    if roles is not None:
        require_role(session, roles)
    return session


async def checked_form(request: Request, session: Session) -> dict[str, str]:
    """The POSTed form, refused unless it carries this session's CSRF token and comes from this origin."""
    form = {key: str(value) for key, value in (await request.form()).items()}
    origin = request.headers.get("origin")
    public = request.app.state.console.settings.public_url.rstrip("/")
    if origin is not None and origin != public:
        raise CsrfRefused()
    if not hmac.compare_digest(form.get("csrf", ""), session.csrf):
        raise CsrfRefused()
    return form


async def posted(request: Request, roles: frozenset[str] | None = None
                 ) -> tuple[Session, dict[str, str], Callable[[str], str]]:
    """What every form handler starts with: the session (with one of ``roles``, if given), the
    CSRF-checked form, and the gettext of the user's language."""
    session = await current_session(request, roles)
    return session, await checked_form(request, session), gettext_for(request, session)


async def answered(request: Request, session: Session, target: str, text: str, *, problem: bool = False
                   ) -> RedirectResponse:
    """What every form handler ends with: the outcome as the next page's message, then that page."""
    flash(session, text, problem=problem)
    await request.app.state.console.sessions.save(session)
    return RedirectResponse(target, status_code=303)


def sign_in_redirect(request: Request, next_path: str) -> Response:
    target = f"/login?next={quote(local_path(next_path), safe='')}"
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def content_security_policy(provider_origin: str) -> str:
    # form-action: the sign-out form's redirect goes on to the provider's logout endpoint
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            f"font-src 'self'; form-action 'self' {provider_origin}; frame-ancestors 'none'; base-uri 'none'; "
            "object-src 'none'")


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
