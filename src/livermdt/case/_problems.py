"""One problem of a case document, rendered as ``path: what is wrong (got VALUE)``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

_MAX_VALUE_CHARS = 80
_NO_VALUE = object()


def path_str(loc: Sequence[str | int]) -> str:
    """A pydantic location in the spec's notation: ``("liver_metastases", "lesions", 1,
    "segments", 0)`` -> ``liver_metastases.lesions[1].segments[0]``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(document)"


def show_value(value: Any) -> str:
    """A value as the user typed it (JSON notation), shortened when long."""
    if isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))  # 5000.0 was typed 5000
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):  # pragma: no cover - defensive: default=str covers it
            text = repr(value)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 3] + "..."
    return text


@dataclass(frozen=True)
class Problem:
    """What is wrong at ``path``; ``value`` is what the document holds there."""

    path: str
    message: str
    value: Any = _NO_VALUE

    def line(self) -> str:
        if self.value is _NO_VALUE:
            return f"{self.path}: {self.message}"
        return f"{self.path}: {self.message} (got {show_value(self.value)})"
