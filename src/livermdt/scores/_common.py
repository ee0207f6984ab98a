"""Shared pieces of the score modules: the block base model and small helpers."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from livermdt.knowledge import Threshold, ThresholdTable, default_thresholds


class Block(BaseModel):
    """Base of the blocks embedded in an assessment: immutable, no unknown keys; the JSON
    (``model_dump(mode="json")``) is exactly the assessment-v1 shape plus documented extras."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def table_or_default(table: ThresholdTable | None) -> ThresholdTable:
    return default_thresholds() if table is None else table


def unique(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without duplicates."""
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


@lru_cache(maxsize=4096)  # diameters and thresholds repeat; a Fraction is immutable
def exact(value: float) -> Fraction:
    """The decimal number a person typed (``77.7`` -> 777/10), so thresholds such as RECIST's
    -30% hold exactly at the boundary instead of depending on binary rounding."""
    return Fraction(repr(float(value)))


def holds_exactly(t: Threshold, measured: Fraction) -> bool:
    """``Threshold.holds`` in exact decimal arithmetic."""
    limit = exact(t.value)
    if t.operator == ">":
        return measured > limit
    if t.operator == ">=":
        return measured >= limit
    if t.operator == "<":
        return measured < limit
    return measured <= limit
