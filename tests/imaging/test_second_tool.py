"""A second tool as oracle: SimpleITK's LabelShapeStatisticsImageFilter (physical size and Feret
diameter, i.e. the largest distance between voxel centres of a label) on the same phantom."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from livermdt.imaging import LabelMap, volumetry
from livermdt.imaging.phantom import make_phantom

PHANTOM = make_phantom((90, 76, 60), (2.1, 1.9, 2.6), random_tumours=6, seed=3)


def test_volumes_and_feret_diameters_match_simpleitk() -> None:
    from scipy import ndimage

    arr = np.asarray(PHANTOM.combined_map.array)
    r = volumetry(LabelMap(array=arr, affine=PHANTOM.affine, labels=PHANTOM.combined_map.labels))
    # The phantom's affine is axis-aligned here, so SimpleITK needs only the spacing.
    assert np.allclose(PHANTOM.affine[:3, :3], np.diag(PHANTOM.spacing_mm))
    components, n = ndimage.label(arr == 9, structure=np.ones((3, 3, 3), bool))
    img = sitk.GetImageFromArray(components.transpose(2, 1, 0).astype(np.uint16))
    img.SetSpacing(PHANTOM.spacing_mm)
    stats = sitk.LabelShapeStatisticsImageFilter()
    stats.ComputeFeretDiameterOn()
    stats.Execute(img)
    theirs = sorted(
        ((stats.GetPhysicalSize(k) / 1000, stats.GetFeretDiameter(k)) for k in stats.GetLabels()),
        reverse=True,
    )
    ours = sorted(((t.volume_ml, t.max_diameter_mm) for t in r.tumours), reverse=True)
    assert n == len(r.tumours) >= 2
    for (v_ours, d_ours), (v_theirs, d_theirs) in zip(ours, theirs, strict=True):
        assert v_ours == pytest.approx(v_theirs, rel=1e-9)
        assert d_ours == pytest.approx(d_theirs, abs=1e-6)
