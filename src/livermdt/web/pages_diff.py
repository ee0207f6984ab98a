"""Readable differences between two versions of a case document, by field path.

``liver_metastases.lesions[1].diameter_mm: 31 → 28``: each leaf of the JSON document is flattened
to its case-document path (the same paths the validation problems and the editor use), and the
two flattenings are compared. Lists of values (segments, sites) are compared whole, so a segment
added to a lesion shows as ``[5] → [5, 8]`` rather than as index noise.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Change:
    path: str
    kind: Literal["added", "removed", "changed"]
    old: str | None
    new: str | None


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def flatten(document: Any, prefix: str = "") -> dict[str, Any]:
    """Leaf path → value. Objects recurse with ``.key``; lists of objects with ``[i]``; lists of
    scalars are one leaf."""
    out: dict[str, Any] = {}
    if isinstance(document, Mapping):
        for key, value in document.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        if not document and prefix:
            out[prefix] = {}
    elif isinstance(document, list) and any(isinstance(v, Mapping | list) for v in document):
        for index, value in enumerate(document):
            out.update(flatten(value, f"{prefix}[{index}]"))
    else:
        out[prefix] = document
    return out


def diff_documents(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[Change]:
    """Changes from ``old`` to ``new`` in document order of ``new`` (then removed paths)."""
    before = flatten(old or {})
    after = flatten(new)
    changes: list[Change] = []
    for path, value in after.items():
        if path not in before:
            changes.append(Change(path, "added", None, _show(value)))
        elif before[path] != value:
            changes.append(Change(path, "changed", _show(before[path]), _show(value)))
    for path, value in before.items():
        if path not in after:
            changes.append(Change(path, "removed", _show(value), None))
    return changes
