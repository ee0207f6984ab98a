"""Typed findings: what a rule returns. The engine only composes them into an ``Assessment``.

A rule never builds the output model itself: it returns :class:`Findings` (reasons for the
category, recommendations, missing data, decisive thresholds), each citing evidence ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from livermdt.engine.model import Category, Strength


@dataclass(frozen=True)
class ReasonF:
    """A reason for the category. ``level`` is the category this reason argues for; the
    engine takes the most severe level present (unresectable > undetermined >
    potentially_resectable > resectable)."""

    level: Category
    code: str
    text: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class RecF:
    code: str
    strength: Strength
    rationale: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class MissingF:
    field: str
    why: str


@dataclass(frozen=True)
class ChangeF:
    field: str
    condition: str
    then: str


@dataclass
class Findings:
    """What one rule concluded."""

    reasons: list[ReasonF] = field(default_factory=list)
    recommendations: list[RecF] = field(default_factory=list)
    missing: list[MissingF] = field(default_factory=list)
    changes: list[ChangeF] = field(default_factory=list)

    def reason(self, level: Category, code: str, text: str, *evidence: str) -> None:
        self.reasons.append(ReasonF(level, code, text, tuple(dict.fromkeys(evidence))))

    def rec(self, code: str, strength: Strength, rationale: str, *evidence: str) -> None:
        self.recommendations.append(RecF(code, strength, rationale, tuple(dict.fromkeys(evidence))))

    def need(self, path: str, why: str) -> None:
        self.missing.append(MissingF(path, why))

    def need_all(self, paths: Iterable[str], why: str) -> None:
        for path in paths:
            self.need(path, why)

    def change(self, path: str, condition: str, then: str) -> None:
        self.changes.append(ChangeF(path, condition, then))

    def extend(self, other: Findings) -> None:
        if other.reasons:
            self.reasons.extend(other.reasons)
        if other.recommendations:
            self.recommendations.extend(other.recommendations)
        if other.missing:
            self.missing.extend(other.missing)
        if other.changes:
            self.changes.extend(other.changes)


@dataclass(frozen=True)
class RuleSpec:
    """A rule as documented in ``docs/rules.md``: the Part A item it implements, its conditions,
    the codes it may emit, and the evidence it cites."""

    rule_id: str
    part_a: str
    title: str
    conditions: tuple[str, ...]
    outputs: tuple[str, ...]
    evidence: tuple[str, ...]
    thresholds: tuple[str, ...]
    fn: Callable[..., Findings]
