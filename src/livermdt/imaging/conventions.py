"""Label conventions: which label value means which structure (imaging-v1, "Accepted inputs").

A *label table* maps label values to names as a tool wrote them (``{5: "liver"}``); livermdt then
maps each name to its canonical structure name (``liver_tumor`` -> ``liver_tumour``,
``portal_vein_and_splenic_vein`` -> ``portal_vein``). Names livermdt does not use (``spleen``,
``rib_left_1``) stay in the table, so a value that is in no table can still be told apart from an
organ livermdt ignores.

Built-in tables are TotalSegmentator's class maps (Apache-2.0, commit 0e65a448, shipped as
``data/totalsegmentator_class_maps.json``; Wasserthal J et al., Radiol Artif Intell 2023).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path

from livermdt.errors import ImagingInputError

__all__ = [
    "BUILTIN_CONVENTIONS",
    "CANONICAL_NAMES",
    "LIVER_STRUCTURES",
    "SEGMENT_NAMES",
    "VESSEL_NAMES",
    "builtin_table",
    "canonical_labels",
    "canonical_name",
    "label_table_from_json",
    "resolve_label_spec",
    "segment_number",
]

SEGMENT_NAMES: tuple[str, ...] = tuple(f"liver_segment_{i}" for i in range(1, 9))
VESSEL_NAMES: tuple[str, ...] = (
    "portal_vein",
    "hepatic_vein",
    "inferior_vena_cava",
    "liver_vessels",
)
#: Structures that are liver tissue (their union is the liver).
LIVER_STRUCTURES: tuple[str, ...] = (
    "liver",
    *SEGMENT_NAMES,
    "liver_tumour",
    "future_liver_remnant",
)
CANONICAL_NAMES: frozenset[str] = frozenset(
    ("liver", *SEGMENT_NAMES, "liver_tumour", *VESSEL_NAMES, "future_liver_remnant")
)

#: Other spellings seen in the tools' outputs (imaging-v1 names the first four).
_ALIASES: dict[str, str] = {
    "liver_tumor": "liver_tumour",
    "liver_lesion": "liver_tumour",
    "liver_lesions": "liver_tumour",
    "portal_vein_and_splenic_vein": "portal_vein",
    "hepatic_veins": "hepatic_vein",
    "ivc": "inferior_vena_cava",
    "flr": "future_liver_remnant",
    # Couinaud 4 is 4a + 4b in livermdt (case-v1).
    "liver_segment_4a": "liver_segment_4",
    "liver_segment_4b": "liver_segment_4",
}

_TOTALSEG_TASKS = (
    "total",
    "liver_segments",
    "liver_segments_mr",
    "liver_vessels",
    "liver_lesions",
    "liver_lesions_mr",
)
BUILTIN_CONVENTIONS: tuple[str, ...] = tuple(f"totalsegmentator-{t}" for t in _TOTALSEG_TASKS)


def canonical_name(name: str) -> str | None:
    """The canonical structure name for ``name`` (case, spaces and hyphens ignored), or None
    when livermdt does not use that structure."""
    key = re.sub(r"[\s\-]+", "_", name.strip().lower())
    key = _ALIASES.get(key, key)
    return key if key in CANONICAL_NAMES else None


def segment_number(name: str) -> int | None:
    """1..8 for ``liver_segment_N``, else None."""
    if name in SEGMENT_NAMES:
        return int(name.rsplit("_", 1)[1])
    return None


def canonical_labels(table: Mapping[int, str]) -> dict[int, str]:
    """Keep the values whose names livermdt understands, under their canonical names."""
    out: dict[int, str] = {}
    for value, name in table.items():
        canon = canonical_name(name)
        if canon is not None:
            out[int(value)] = canon
    return out


@cache
def _class_maps() -> dict[str, dict[int, str]]:
    text = (
        resources.files("livermdt.imaging")
        .joinpath("data/totalsegmentator_class_maps.json")
        .read_text(encoding="utf-8")
    )
    raw = json.loads(text)
    return {
        task: {int(k): str(v) for k, v in table.items()}
        for task, table in raw.items()
        if not task.startswith("_")
    }


def builtin_table(convention: str) -> dict[int, str]:
    """The label table of a built-in convention (``totalsegmentator-liver_segments`` ...)."""
    if convention not in BUILTIN_CONVENTIONS:
        raise ImagingInputError(
            f"unknown label convention {convention!r} (built-in: {', '.join(BUILTIN_CONVENTIONS)};"
            " or give a JSON label table file)"
        )
    return dict(_class_maps()[convention.removeprefix("totalsegmentator-")])


def label_table_from_json(path: Path) -> dict[int, str]:
    """Read a JSON label table ``{"1": "liver_segment_1", ...}``."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ImagingInputError(f"{path}: label table file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as ex:
        raise ImagingInputError(f"{path}: not a readable JSON label table ({ex})") from None
    if not isinstance(raw, dict) or not raw:
        raise ImagingInputError(
            f'{path}: a label table is a JSON object {{"1": "liver_segment_1", ...}}'
        )
    table: dict[int, str] = {}
    for key, value in raw.items():
        if not str(key).isdigit() or int(key) <= 0 or not isinstance(value, str):
            raise ImagingInputError(
                f"{path}: label table entries are positive integer keys to names "
                f"(got {key!r}: {value!r})"
            )
        table[int(key)] = value
    return table


def resolve_label_spec(spec: str) -> dict[int, str]:
    """``spec`` is a built-in convention name or the path of a JSON label table."""
    if spec in BUILTIN_CONVENTIONS:
        return builtin_table(spec)
    path = Path(spec)
    if spec.lower().endswith(".json") or path.exists():
        return label_table_from_json(path)
    raise ImagingInputError(
        f"unknown label convention {spec!r} (built-in: {', '.join(BUILTIN_CONVENTIONS)}; "
        "or the path of a JSON label table)"
    )
