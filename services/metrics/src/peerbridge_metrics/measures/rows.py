"""Measure families as JSON rows."""

from __future__ import annotations

from dataclasses import asdict


class Figures:
    """A measure family's figures: counters, plus derived values added by ``derived``."""

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
