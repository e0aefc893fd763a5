"""The console's languages: English (the messages as written) and Spanish (locale/es), complete.

Messages are marked in templates with ``_()`` or ``{% trans %}`` and in Python with :func:`N_`
(extracted by Babel: ``make console-messages`` updates the catalog). Catalogs are read from their
``.po`` files at start-up (no compiled files in the repository). A user's language is remembered per
user (Redis) and otherwise taken from the browser's Accept-Language."""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = {"en": "English", "es": "Español"}
DEFAULT = "en"
LOCALE = Path(__file__).parent / "locale"
DOMAIN = "console"


def N_(message: str) -> str:  # noqa: N802 - the conventional name Babel extracts
    """Marks a message for extraction; it is translated where it is shown."""
    return message


@cache
def translations(language: str) -> gettext.NullTranslations:
    if language == DEFAULT:
        return gettext.NullTranslations()
    with (LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def best_match(accept_language: str | None) -> str:
    """The first of the browser's languages the console speaks (q-values honoured), else English."""
    ranked = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.split("-")[0].lower()))
    return next((tag for _q, _p, tag in sorted(ranked) if tag in LANGUAGES), DEFAULT)
