"""Measure families as JSON rows, and the schema of those rows (the read API's typed answer)."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any, ClassVar, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

Rate = float | None
"""A ratio rounded to 4 places; None when its denominator is 0."""


class Figures:
    """A measure family's figures: counters, plus derived values added by ``derived``."""

    DERIVED: ClassVar[dict[str, Any]] = {}
    """Name -> type of each value ``derived`` adds (the typed answer declares them)."""
    KEY: ClassVar[str] = ""
    """What the row's ``key`` holds, in order."""

    def derived(self) -> dict:
        return {}

    def as_dict(self) -> dict:
        return {**asdict(self), **self.derived()}


def ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def as_rows(measures: dict) -> list[dict]:
    """JSON rows ``{"key": [organization, program, ..., period], ...figures}`` in a stable order."""
    ordered = sorted(measures.items(), key=lambda item: tuple(str(part) for part in item[0]))
    return [{"key": list(key), **value.as_dict()} for key, value in ordered]


def row_model(figures: type[Figures]) -> type[BaseModel]:
    """The pydantic model of one family's rows: its key, its counters and its derived values."""
    hints = get_type_hints(figures)
    counters = {f.name: (hints[f.name], ...) for f in fields(figures)}  # type: ignore[arg-type]
    derived = {name: (kind, ...) for name, kind in figures.DERIVED.items()}
    key = (list[str | None], Field(description=figures.KEY))
    return create_model(f"{figures.__name__}Row", __config__=ConfigDict(extra="forbid"),  # type: ignore[call-overload]
                        __doc__=(figures.__doc__ or figures.__name__).strip(), key=key, **counters, **derived)
