"""Questionnaire instruments as data.

An instrument is a validated definition (items, their types and ranges, skip logic, scoring,
severity bands, and the rule that turns answers into a safety signal). The built-in ones are the
YAML files beside this module; a program admin can add another through the API without code.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from peerbridge_shared.events.safety import CssrsAnswers, ScreenInstrument
from peerbridge_shared.validation import Finite, InstrumentVersion, Name, Text

BUILT_IN_DIR = Path(__file__).parent / "instruments"


class ItemType(StrEnum):
    INTEGER = "integer"
    BOOLEAN = "boolean"
    TEXT = "text"


class AskedIf(BaseModel):
    item: Text
    equals: bool | int


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Text = Field(pattern=r"^[a-z0-9_]+$")
    text: Text
    type: ItemType = ItemType.INTEGER
    min: int | None = None
    max: int | None = None
    required: bool = True
    asked_if: AskedIf | None = None
    reverse: bool = False
    private: bool = Field(default=False, description="free-text narrative: stored here, never published")

    @model_validator(mode="after")
    def _range_for_integers(self) -> Item:
        if self.type == ItemType.INTEGER and (self.min is None or self.max is None or self.min > self.max):
            raise ValueError(f"integer item {self.id} needs min <= max")
        if self.type == ItemType.TEXT and not self.private:
            raise ValueError(f"text item {self.id} must be private: narratives never leave this service")
        return self


class Scoring(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: Literal["sum", "mean", "none"] = "sum"
    conversion: dict[int, float] | None = Field(default=None, description="raw total -> reported score")
    subscales: dict[str, list[str]] = {}


class Band(BaseModel):
    min: Finite
    label: Name


class SafetyRule(BaseModel):
    """When answers make a safety signal. ``phq9_item9``: ``item`` above 0. ``cssrs_screener``: any
    yes; ``fields`` maps item ids to the C-SSRS answer fields the escalation service reads."""

    model_config = ConfigDict(extra="forbid")

    screen: ScreenInstrument
    item: Text | None = None
    fields: dict[str, str] = {}


class InstrumentDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Text = Field(pattern=r"^[a-z0-9_]+$", max_length=40)
    version: InstrumentVersion
    name: Name
    loinc: Text | None = None
    items: list[Item] = Field(min_length=1)
    scoring: Scoring = Scoring()
    bands: list[Band] = []
    safety: SafetyRule | None = None

    @model_validator(mode="after")
    def _consistent(self) -> InstrumentDefinition:
        ids = [item.id for item in self.items]
        if len(ids) != len(set(ids)):
            raise ValueError("item ids must be unique")
        known = set(ids)
        for item in self.items:
            if item.asked_if and item.asked_if.item not in known:
                raise ValueError(f"item {item.id} depends on unknown item {item.asked_if.item}")
        for name, members in self.scoring.subscales.items():
            if not set(members) <= known:
                raise ValueError(f"subscale {name} names unknown items")
        if self.safety:
            self._check_safety(known)
        return self

    def _check_safety(self, known: set[str]) -> None:
        assert self.safety is not None
        if self.safety.screen == ScreenInstrument.PHQ9_ITEM9 and self.safety.item not in known:
            raise ValueError("the safety rule names an unknown item")
        if self.safety.screen == ScreenInstrument.CSSRS_SCREENER:
            if not set(self.safety.fields) <= known or not set(self.safety.fields.values()) <= set(
                    CssrsAnswers.model_fields):
                raise ValueError("C-SSRS fields must map known items to C-SSRS answer fields")

    @property
    def rule_version(self) -> str:
        rule = "any-yes" if self.safety and self.safety.screen == ScreenInstrument.CSSRS_SCREENER else (
            f"item{self.safety.item}>0" if self.safety else "none")
        return f"{self.code}@{self.version}:{rule}"


@cache
def built_in() -> dict[str, InstrumentDefinition]:
    definitions = [InstrumentDefinition.model_validate(yaml.safe_load(path.read_text()))
                   for path in sorted(BUILT_IN_DIR.glob("*.yaml"))]
    return {definition.code: definition for definition in definitions}
