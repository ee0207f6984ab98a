"""The public TotalSegmentator sample (Apache-2.0; Wasserthal et al., Radiol Artif Intell 2023;
shared/data/totalsegmentator-sample/). Oracles from its own files: ``statistics.json`` of the
fast model (liver 1,062,450 mm³ = 39,350 voxels x 27 mm³, measured with the option that keeps
masks touching the border) and the data README (``example_seg.nii.gz`` label 5: 38,634 voxels =
1,043,118 mm³)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from livermdt.imaging import read_labelmaps, volumetry

EDGE = "liver mask touches the image edge: the volume may be incomplete"


@pytest.fixture(scope="module")
def sample(shared_dir: Path) -> Path:
    return shared_dir / "data" / "totalsegmentator-sample"


def test_folder_of_masks_matches_statistics_json(sample: Path) -> None:
    stats = json.loads((sample / "example_seg_fast" / "statistics.json").read_text())
    r = volumetry(read_labelmaps(sample / "example_seg_fast"))
    assert stats["liver"]["volume"] == 1062450.0
    assert r.liver_voxels == 39350
    assert r.liver_volume_ml * 1000 == pytest.approx(stats["liver"]["volume"], abs=1e-6)
    assert EDGE in r.warnings
    assert r.tumours == () and r.segments == {}


def test_multilabel_fast_output_equals_its_folder(sample: Path) -> None:
    folder = volumetry(read_labelmaps(sample / "example_seg_fast"))
    multi = volumetry(read_labelmaps(sample / "example_seg_fast.nii.gz", "totalsegmentator-total"))
    assert multi.liver_voxels == folder.liver_voxels


def test_multilabel_total_output_label_5(sample: Path) -> None:
    r = volumetry(read_labelmaps(sample / "example_seg.nii.gz", "totalsegmentator-total"))
    assert r.liver_voxels == 38634
    assert r.liver_volume_ml * 1000 == pytest.approx(1043118.0, abs=1e-6)
    assert r.functional_liver_volume_ml == r.liver_volume_ml
    assert EDGE in r.warnings


def test_liver_only_roi_subset(sample: Path) -> None:
    r = volumetry(
        read_labelmaps(sample / "example_seg_roi_subset.nii.gz", "totalsegmentator-total")
    )
    assert r.liver_voxels > 0 and EDGE in r.warnings
