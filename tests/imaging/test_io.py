"""Readers: the same anatomy written as NIfTI, NRRD / .seg.nrrd, DICOM SEG and a folder of masks
reads back to the same volumes and the same patient coordinates; broken inputs are one-line
errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import nibabel as nib
import nrrd
import numpy as np
import pytest

from livermdt.errors import ImagingInputError
from livermdt.imaging import read_labelmap, read_labelmaps, volumetry
from tests.imaging._dicom import ct_series, write_seg

# One geometry, given the DICOM way: LPS, slices x rows x columns.
SHAPE_ZYX = (6, 8, 10)
SPACING_ZYX = (2.0, 0.5, 0.75)
ORIGIN_LPS = (-10.0, 20.0, 5.0)
LIVER_ZYX = (slice(1, 5), slice(2, 7), slice(2, 9))  # 4 x 5 x 7 = 140 voxels
TUMOUR_ZYX = (slice(2, 4), slice(3, 5), slice(4, 6))  # 2 x 2 x 2 = 8 voxels
# Tumour centroid: columns 4.5, rows 3.5, slices 2.5 -> LPS (-6.625, 21.75, 10) -> RAS:
TUMOUR_CENTROID_RAS = (6.625, -21.75, 10.0)
VOXEL_MM3 = 2.0 * 0.5 * 0.75


def _zyx_masks() -> tuple[np.ndarray, np.ndarray]:
    liver = np.zeros(SHAPE_ZYX, bool)
    liver[LIVER_ZYX] = True
    tumour = np.zeros(SHAPE_ZYX, bool)
    tumour[TUMOUR_ZYX] = True
    return liver, tumour


def _xyz_labels() -> np.ndarray:
    """liver = 1, tumour = 2, indexed (column, row, slice) like NIfTI and NRRD."""
    liver, tumour = _zyx_masks()
    arr = np.zeros(SHAPE_ZYX, np.uint8)
    arr[liver] = 1
    arr[tumour] = 2
    return np.ascontiguousarray(arr.transpose(2, 1, 0))


def _ras_affine() -> np.ndarray:
    affine = np.eye(4)
    affine[:3, :3] = np.diag([-0.75, -0.5, 2.0])
    affine[:3, 3] = (10.0, -20.0, 5.0)
    return affine


def _check(result_maps: list) -> None:
    r = volumetry(result_maps)
    assert r.liver_voxels == 140 and r.tumour_voxels == 8
    assert r.liver_volume_ml == pytest.approx(140 * VOXEL_MM3 / 1000)
    (t,) = r.tumours
    assert t.centroid_mm == pytest.approx(TUMOUR_CENTROID_RAS)


def _nifti(path: Path, array: np.ndarray, affine: np.ndarray | None = None) -> Path:
    nib.save(nib.Nifti1Image(array, _ras_affine() if affine is None else affine), str(path))
    return path


def test_nifti_with_a_json_table_and_with_a_sidecar(tmp_path: Path) -> None:
    path = _nifti(tmp_path / "seg.nii.gz", _xyz_labels())
    table = tmp_path / "table.json"
    table.write_text(json.dumps({"1": "liver", "2": "liver_tumor"}))
    _check(read_labelmaps(path, str(table)))
    (tmp_path / "seg.labels.json").write_text(json.dumps({"1": "liver", "2": "liver_lesion"}))
    m = read_labelmap(path)
    assert m.labels == {1: "liver", 2: "liver_tumour"}
    _check([m])


def test_nifti_float_masks_with_whole_values_are_labels(tmp_path: Path) -> None:
    path = _nifti(tmp_path / "f.nii.gz", _xyz_labels().astype(np.float32))
    _check(read_labelmaps(path, {1: "liver", 2: "liver_tumour"}))


def test_nifti_four_d_with_one_volume_is_read_as_three_d(tmp_path: Path) -> None:
    path = _nifti(tmp_path / "four.nii.gz", _xyz_labels()[..., None])
    _check(read_labelmaps(path, {1: "liver", 2: "liver_tumour"}))


def test_seg_nrrd_names_from_its_header_lps_converted(tmp_path: Path) -> None:
    path = tmp_path / "seg.seg.nrrd"
    header = {
        "space": "left-posterior-superior",
        "space directions": np.diag([0.75, 0.5, 2.0]),
        "space origin": np.array(ORIGIN_LPS),
        "kinds": ["domain", "domain", "domain"],
        "Segment0_ID": "Segment_1",
        "Segment0_Name": "Liver",
        "Segment0_LabelValue": "1",
        "Segment0_Layer": "0",
        "Segment1_ID": "Segment_2",
        "Segment1_Name": "liver tumor",
        "Segment1_LabelValue": "2",
        "Segment1_Layer": "0",
    }
    nrrd.write(str(path), _xyz_labels(), header)
    (m,) = read_labelmaps(path)
    assert m.labels == {1: "liver", 2: "liver_tumour"}
    np.testing.assert_allclose(m.affine, _ras_affine())
    _check([m])


def test_seg_nrrd_overlapping_layers_become_two_maps(tmp_path: Path) -> None:
    liver, tumour = _zyx_masks()
    data = np.stack([liver.transpose(2, 1, 0), tumour.transpose(2, 1, 0)]).astype(np.uint8)
    path = tmp_path / "layers.seg.nrrd"
    header = {
        "space": "left-posterior-superior",
        "space directions": np.array([[np.nan] * 3, [0.75, 0, 0], [0, 0.5, 0], [0, 0, 2.0]]),
        "space origin": np.array(ORIGIN_LPS),
        "kinds": ["list", "domain", "domain", "domain"],
        "Segment0_Name": "liver",
        "Segment0_LabelValue": "1",
        "Segment0_Layer": "0",
        "Segment1_Name": "liver_tumour",
        "Segment1_LabelValue": "1",
        "Segment1_Layer": "1",
    }
    nrrd.write(str(path), data, header)
    maps = read_labelmaps(path)
    assert [m.labels for m in maps] == [{1: "liver"}, {1: "liver_tumour"}]
    _check(maps)
    with pytest.raises(ImagingInputError, match="use read_labelmaps"):
        read_labelmap(path)


def test_plain_nrrd_needs_a_table(tmp_path: Path) -> None:
    path = tmp_path / "plain.nrrd"
    header = {
        "space": "RAS",
        "space directions": _ras_affine()[:3, :3].T,
        "space origin": _ras_affine()[:3, 3],
    }
    nrrd.write(str(path), _xyz_labels(), header)
    with pytest.raises(ImagingInputError, match="label names are unknown"):
        read_labelmaps(path)
    _check(read_labelmaps(path, {1: "liver", 2: "liver_tumour"}))


def test_dicom_seg_overlapping_segments(tmp_path: Path) -> None:
    liver, tumour = _zyx_masks()
    source = ct_series(SHAPE_ZYX, SPACING_ZYX, ORIGIN_LPS)
    path = write_seg(
        tmp_path / "seg.dcm", source, np.stack([liver, tumour], axis=-1), ["Liver", "Liver tumor"]
    )
    maps = read_labelmaps(path)
    assert sorted(n for m in maps for n in m.labels.values()) == ["liver", "liver_tumour"]
    _check(maps)


def test_dicom_seg_fractional_counts_voxels_from_one_half(tmp_path: Path) -> None:
    liver, tumour = _zyx_masks()
    prob = np.where(liver, 0.9, 0.0)
    prob[0, 0, 0] = 0.4  # below one half: outside
    tprob = np.where(tumour, 0.5, 0.0)  # exactly one half: inside
    source = ct_series(SHAPE_ZYX, SPACING_ZYX, ORIGIN_LPS)
    path = write_seg(
        tmp_path / "frac.dcm",
        source,
        np.stack([prob, tprob], axis=-1).astype(np.float32),
        ["Liver", "Liver tumor"],
        fractional=True,
    )
    _check(read_labelmaps(path))


def test_dicom_seg_without_a_liver_segment_is_an_error(tmp_path: Path) -> None:
    liver, _ = _zyx_masks()
    source = ct_series(SHAPE_ZYX, SPACING_ZYX, ORIGIN_LPS)
    path = write_seg(tmp_path / "spleen.dcm", source, liver[..., None], ["Spleen"])
    with pytest.raises(ImagingInputError, match="no structure livermdt uses"):
        read_labelmaps(path)


def test_folder_of_masks_named_by_structure(tmp_path: Path) -> None:
    liver, tumour = _zyx_masks()
    folder = tmp_path / "masks"
    folder.mkdir()
    _nifti(folder / "liver.nii.gz", liver.transpose(2, 1, 0).astype(np.uint8))
    _nifti(folder / "liver_tumor.nii.gz", tumour.transpose(2, 1, 0).astype(np.uint8))
    _nifti(folder / "spleen.nii.gz", np.zeros((10, 8, 6), np.uint8))
    maps = read_labelmaps(folder)
    assert len(maps) == 2  # the tumour lies inside the liver: two overlapping maps
    _check(maps)


def test_folder_masks_on_different_grids_name_both(tmp_path: Path) -> None:
    liver, _ = _zyx_masks()
    folder = tmp_path / "masks"
    folder.mkdir()
    _nifti(folder / "liver.nii.gz", liver.transpose(2, 1, 0).astype(np.uint8))
    _nifti(folder / "portal_vein.nii.gz", np.zeros((10, 8, 6), np.uint8), np.diag([1.0, 1, 1, 1]))
    with pytest.raises(ImagingInputError, match=r"liver.nii.gz has shape 10x8x6.*portal_vein"):
        read_labelmaps(folder)


# -- broken inputs: one clear line each -----------------------------------------------------
def test_truncated_gzip(tmp_path: Path) -> None:
    good = _nifti(tmp_path / "good.nii.gz", _xyz_labels())
    bad = tmp_path / "bad.nii.gz"
    bad.write_bytes(good.read_bytes()[:-40])
    with pytest.raises(ImagingInputError, match="cannot read NIfTI file"):
        read_labelmaps(bad, "totalsegmentator-liver_vessels")


def test_not_a_nifti_at_all(tmp_path: Path) -> None:
    bad = tmp_path / "junk.nii.gz"
    bad.write_bytes(gzip.compress(b"this is not an image"))
    with pytest.raises(ImagingInputError, match="cannot read NIfTI file"):
        read_labelmaps(bad, "totalsegmentator-total")


def test_float_image_is_not_a_label_map(tmp_path: Path) -> None:
    ct = _nifti(tmp_path / "ct.nii.gz", _xyz_labels().astype(np.float32) * 0.37)
    with pytest.raises(ImagingInputError, match="non-integer values"):
        read_labelmaps(ct, "totalsegmentator-total")


def test_negative_labels(tmp_path: Path) -> None:
    arr = _xyz_labels().astype(np.int16)
    arr[0, 0, 0] = -1024
    path = _nifti(tmp_path / "neg.nii.gz", arr)
    with pytest.raises(ImagingInputError, match="negative values"):
        read_labelmaps(path, "totalsegmentator-total")


def test_empty_liver(tmp_path: Path) -> None:
    path = _nifti(tmp_path / "empty.nii.gz", np.zeros((4, 4, 4), np.uint8))
    with pytest.raises(ImagingInputError, match="no structure livermdt uses"):
        read_labelmaps(path, "totalsegmentator-total")


def test_values_outside_the_table_suggest_a_wrong_convention(tmp_path: Path) -> None:
    arr = _xyz_labels()
    arr[0, 0, 0] = 9
    path = _nifti(tmp_path / "seg.nii.gz", arr)
    with pytest.raises(ImagingInputError, match=r"label values 9 .*wrong label convention"):
        read_labelmaps(path, "totalsegmentator-liver_vessels")


def test_unknown_labels_list_the_ways_to_give_them(tmp_path: Path) -> None:
    path = _nifti(tmp_path / "seg.nii.gz", _xyz_labels())
    with pytest.raises(ImagingInputError) as err:
        read_labelmaps(path)
    message = str(err.value)
    assert "--labels PATH=SPEC" in message and "labels.json" in message and ".seg.nrrd" in message
    assert "\n" not in message


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ImagingInputError, match="no such file"):
        read_labelmaps(tmp_path / "nope.nii.gz")
    other = tmp_path / "seg.png"
    other.write_bytes(b"\x89PNG")
    with pytest.raises(ImagingInputError, match="unknown label map format"):
        read_labelmaps(other)
