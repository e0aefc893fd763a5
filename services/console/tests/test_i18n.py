"""English and Spanish, complete: every message the console's templates and code mark is translated
(same placeholders), no template shows text that is not marked, the language follows the user's
choice (remembered per user) or the browser's, and a Spanish page carries lang="es"."""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from peerbridge_console.app import create_app
from peerbridge_console.i18n import LOCALE, best_match, translations
from peerbridge_console.labels import LABELS
from peerbridge_console.settings import ConsoleSettings
from peerbridge_console.timeline import timeline
from peerbridge_console.web import TEMPLATES
from peerbridge_shared.events.base import EVENT_TYPES

CONSOLE = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
VISIBLE_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
NOT_WORDS = {"PeerBridge"}  # the product's name is the same in every language


def extracted() -> set[str]:
    method_map = [("src/peerbridge_console/**.py", "python"), ("src/peerbridge_console/templates/**.html", "jinja2")]
    options = {"src/peerbridge_console/templates/**.html": {"extensions": "jinja2.ext.i18n",
                                                            "trim_blocks": "True", "lstrip_blocks": "True"}}
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(CONSOLE), method_map, options_map=options, keywords={"_": None, "gettext": None, "N_": None}):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def spanish() -> dict[str, str]:
    with (LOCALE / "es" / "LC_MESSAGES" / "console.po").open("rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id and "fuzzy" not in m.flags}


def test_every_marked_message_has_its_spanish_with_the_same_placeholders():
    messages, catalog = extracted(), spanish()
    assert len(messages) > 100
    untranslated = sorted(m for m in messages if not catalog.get(m))
    assert untranslated == [], f"run make console-messages and translate: {untranslated}"
    mismatched = [m for m in messages if set(PLACEHOLDER.findall(m)) != set(PLACEHOLDER.findall(catalog[m]))]
    assert mismatched == []
    stale = sorted(set(catalog) - messages)
    assert stale == [], f"in the catalog but no longer used: {stale}"


class _LiteralText(HTMLParser):
    """Text and user-visible attributes of a template's raw parts (its Jinja expressions left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_data(self, data: str) -> None:
        self._check(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self._check(value)

    def _check(self, text: str) -> None:
        words = [w for w in re.findall(r"[^\W\d_]{2,}", text) if w not in NOT_WORDS]
        if words:
            self.found.append(text.strip())


@pytest.mark.parametrize("name", sorted(p.name for p in (CONSOLE / "src/peerbridge_console/templates").glob("*.html")))
def test_no_template_shows_text_that_is_not_marked_for_translation(name):
    environment = TEMPLATES["en"]
    source = environment.loader.get_source(environment, name)[0]
    raw = [value for _line, kind, value in environment.lex(source) if kind == "data"]  # expressions dropped
    parser = _LiteralText()
    parser.feed(re.sub(r"<script[^>]*>.*?</script>", "", "".join(raw), flags=re.S))
    assert parser.found == [], f"{name}: wrap these in _(): {parser.found}"


def test_the_browsers_language_is_followed_when_the_user_chose_none():
    assert best_match("es-MX,es;q=0.9,en;q=0.5") == "es"
    assert best_match("fr-FR, en;q=0.2, es;q=0.8") == "es"
    assert best_match("de, fr") == "en" and best_match(None) == "en" and best_match("es;q=bogus, en") == "en"


def test_a_page_before_sign_in_speaks_the_browsers_language():
    settings = ConsoleSettings(environment="test", redis_prefix=f"test:console:{uuid.uuid4().hex[:8]}:",
                               cookie_secure=False, oidc_issuer="http://127.0.0.1:9/realms/none",
                               gateway_url="http://127.0.0.1:9")
    with TestClient(create_app(settings), follow_redirects=False) as client:
        page = client.get("/signed-out", headers={"Accept-Language": "es-ES,es;q=0.9"})
        english = client.get("/signed-out", headers={"Accept-Language": "en-US"})
    assert page.headers["content-language"] == "es" and '<html lang="es">' in page.text
    assert "Cerró la sesión de la consola PeerBridge." in page.text and "Iniciar sesión" in page.text
    assert '<html lang="en">' in english.text and "You are signed out" in english.text


def test_every_event_a_signal_can_come_from_is_named_in_words():
    kinds = {".".join(name.split(".")[3:-1]) for name in EVENT_TYPES
             if name.split(".")[2] in ("safety", "care", "clinical")}
    assert len(kinds) > 8 and sorted(kinds - set(LABELS)) == []


def test_the_timeline_quotes_the_programs_own_words_and_translates_its_own():
    case = {"opened_at": "2026-12-31T23:59:59+00:00", "risk_level": "high", "rule_version": "2026.11-1"}
    steps = [{"action": "signal.received", "at": "2026-12-31T23:59:59+00:00", "actor": "system", "detail": {
                 "event_type": "org.peerbridge.safety.risk-screen.completed.v1", "risk_level": "high",
                 "rule": "phq9.item9_ge_2", "rule_version": "2026.11-1"}},
             {"action": "case.resolved", "at": "2027-01-01T00:10:00+00:00", "actor": "dr-lee",
              "detail": {"disposition_code": "safety-plan-reviewed"}}]
    entries = timeline(case, steps, {"safety-plan-reviewed": "Plan revisado <b>juntos</b>"},
                       translations("es").gettext)
    assert [e["what"] for e in entries] == ["Abierto", "Señal", "Resuelto"]
    assert "cribado de riesgo completado" in entries[1]["detail"]
    assert entries[2]["quoted"] == "Plan revisado <b>juntos</b>" and "dr-lee" in entries[2]["detail"]
