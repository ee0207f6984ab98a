"""livermdt.imaging: label maps, their geometry, volumetry and resection planning.

File readers (NIfTI, NRRD / ``.seg.nrrd``, DICOM SEG, a folder of masks) live in
``livermdt.imaging.io`` and import their libraries only when called.
"""

from __future__ import annotations

import importlib
from typing import Any

from livermdt.imaging.anatomy import Anatomy, TumourComponent, combine, tumour_components
from livermdt.imaging.labelmap import LabelMap

__all__ = [
    "Anatomy",
    "LabelMap",
    "TumourComponent",
    "combine",
    "plan",
    "read_labelmap",
    "read_labelmaps",
    "tumour_components",
    "volumetry",
]


def __getattr__(name: str) -> Any:
    # Imported on first use: the readers and the planner pull in heavier modules.
    if name in {"read_labelmap", "read_labelmaps"}:
        from livermdt.imaging import io

        return getattr(io, name)
    if name in {"volumetry", "plan"}:
        return getattr(importlib.import_module(f"livermdt.imaging.{name}"), name)
    raise AttributeError(f"module 'livermdt.imaging' has no attribute {name!r}")
