"""The threshold table: every numeric threshold of the knowledge base, named, with its source.

Data in ``thresholds*.json``. Rules and scores read thresholds by name, so the value, its unit,
its source and the wording of the explanation come from one place. A site may override the
thresholds marked ``site_configurable`` (``ThresholdTable.with_overrides``); every other
threshold is part of a published definition (a score, RECIST) and cannot be changed.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Literal

from livermdt.errors import InvalidInputError
from livermdt.knowledge._evidence import ID_PATTERN, get_evidence
from livermdt.knowledge._loading import KnowledgeDataError, load_entries

Operator = Literal[">", ">=", "<", "<="]
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
_FIELDS = (
    "value",
    "unit",
    "operator",
    "label",
    "evidence",
    "kb_section",
    "site_configurable",
    "note",
)


@dataclass(frozen=True, slots=True)
class Threshold:
    """A named threshold. The condition it expresses holds when
    ``measured <operator> value`` (see ``holds``)."""

    name: str
    value: float
    unit: str
    operator: Operator
    label: str
    evidence: tuple[str, ...]
    kb_section: str
    site_configurable: bool
    note: str
    #: The shipped value when a site override replaced it, else ``None``.
    default_value: float | None = None

    def holds(self, measured: float) -> bool:
        """Whether ``measured`` meets the condition, e.g. CEA 200.1 > 200."""
        return _COMPARE[self.operator](measured, self.value)

    def describe(self) -> str:
        """``label operator value unit``, as explanations word it: ``CEA (Fong) > 200 ng/mL``."""
        return f"{self.label} {self.operator} {format_number(self.value)} {self.unit}".rstrip()

    @property
    def overridden(self) -> bool:
        return self.default_value is not None


def format_number(value: float) -> str:
    """Integers without a decimal point; other values as Python writes them (no rounding)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _parse(name: str, file_name: str, raw: Mapping[str, Any]) -> Threshold:
    where = f"{file_name}: entries.{name}"
    if not name.replace("_", "a").isalnum() or name.lower() != name:
        raise KnowledgeDataError(f"{where}: name must be lower-case snake case")
    unknown = sorted(set(raw) - set(_FIELDS))
    absent = sorted(set(_FIELDS) - set(raw))
    if unknown or absent:
        raise KnowledgeDataError(f"{where}: unknown keys {unknown}, absent keys {absent}")
    value = raw["value"]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise KnowledgeDataError(f"{where}.value: expected a finite number (got {value!r})")
    if raw["operator"] not in _COMPARE:
        raise KnowledgeDataError(f"{where}.operator: expected one of {sorted(_COMPARE)}")
    evidence = raw["evidence"]
    if (
        not isinstance(evidence, list)
        or not evidence
        or not all(isinstance(e, str) and ID_PATTERN.match(e) for e in evidence)
    ):
        raise KnowledgeDataError(f"{where}.evidence: expected a non-empty list of evidence ids")
    for key in ("unit", "label", "kb_section", "note"):
        if not isinstance(raw[key], str):
            raise KnowledgeDataError(f"{where}.{key}: expected a string")
    if not isinstance(raw["site_configurable"], bool):
        raise KnowledgeDataError(f"{where}.site_configurable: expected true or false")
    return Threshold(
        name=name,
        value=float(value),
        unit=raw["unit"],
        operator=raw["operator"],
        label=raw["label"],
        evidence=tuple(evidence),
        kb_section=raw["kb_section"],
        site_configurable=raw["site_configurable"],
        note=raw["note"],
    )


class ThresholdTable(Mapping[str, Threshold]):
    """An immutable name → ``Threshold`` mapping; ``with_overrides`` gives a site's table."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Threshold]) -> None:
        self._items: dict[str, Threshold] = dict(items)

    def __getitem__(self, name: str) -> Threshold:
        try:
            return self._items[name]
        except KeyError:
            raise KeyError(
                f"unknown threshold {name!r}: add it to a thresholds*.json file in "
                "livermdt/knowledge (see docs/evidence.md)"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def value(self, name: str) -> float:
        return self[name].value

    def with_overrides(self, values: Mapping[str, float]) -> ThresholdTable:
        """A copy with a site's values. Unknown names, thresholds that are part of a published
        definition, and non-finite values are refused, all problems at once."""
        problems: list[str] = []
        items = dict(self._items)
        for name, new in values.items():
            current = self._items.get(name)
            if current is None:
                problems.append(f"thresholds.{name}: unknown threshold (got {new!r})")
            elif not current.site_configurable:
                problems.append(
                    f"thresholds.{name}: part of a published definition, not a site setting "
                    f"(got {new!r})"
                )
            elif (
                isinstance(new, bool) or not isinstance(new, int | float) or not math.isfinite(new)
            ):
                problems.append(f"thresholds.{name}: expected a finite number (got {new!r})")
            else:
                default = current.default_value if current.overridden else current.value
                items[name] = replace(current, value=float(new), default_value=default)
        if problems:
            raise InvalidInputError("invalid threshold overrides", problems)
        return ThresholdTable(items)


@cache
def default_thresholds() -> ThresholdTable:
    """The shipped table (every ``thresholds*.json`` shard). Every evidence id must resolve."""
    items = {
        name: _parse(name, file_name, raw)
        for name, (file_name, raw) in load_entries("thresholds").items()
    }
    for item in items.values():
        for evidence_id in item.evidence:
            try:
                get_evidence(evidence_id)
            except KeyError as exc:
                raise KnowledgeDataError(f"threshold {item.name}: {exc.args[0]}") from None
    return ThresholdTable(items)


def threshold(name: str) -> Threshold:
    """The shipped threshold called ``name``; unknown names raise ``KeyError``."""
    return default_thresholds()[name]
