"""livermdt.imaging: label maps, their geometry, volumetry and resection planning.

File readers (NIfTI, NRRD / ``.seg.nrrd``, DICOM SEG, a folder of masks) live in
``livermdt.imaging.io`` and import their libraries only when called.

The functions ``volumetry`` and ``plan`` share their names with the modules that define them;
they are imported here, after their modules, so ``livermdt.imaging.volumetry`` is the function.
"""

from __future__ import annotations

import importlib
import importlib.util

from livermdt.imaging.anatomy import Anatomy, TumourComponent, combine, tumour_components
from livermdt.imaging.io import read_labelmap, read_labelmaps
from livermdt.imaging.labelmap import LabelMap
from livermdt.imaging.volumetry import VolumetryResult, volumetry

__all__ = [
    "Anatomy",
    "LabelMap",
    "TumourComponent",
    "VolumetryResult",
    "combine",
    "plan",
    "read_labelmap",
    "read_labelmaps",
    "tumour_components",
    "volumetry",
]

# The planner is written in parallel; export it once its module exists.
if importlib.util.find_spec("livermdt.imaging.plan") is not None:
    plan = importlib.import_module("livermdt.imaging.plan").plan
