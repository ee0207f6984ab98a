"""``livermdt volumetry``: the JSON of imaging-v1, the same facts as text, exit 2 for bad input,
and ``--into`` filling a case document without losing what the clinician typed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
import pytest

from livermdt.about import DISCLAIMER
from livermdt.case import parse_case
from livermdt.cli.main import main
from livermdt.imaging import read_labelmaps, volumetry
from livermdt.imaging.phantom import make_phantom

PHANTOM = make_phantom(
    (80, 64, 56),
    (2.5, 2.5, 2.5),
    tumours=[((7, (0.0, 0.0, 0.0)), 14.0), ((3, (0.0, 0.0, 0.0)), 7.0)],
)


@pytest.fixture()
def maps(tmp_path: Path) -> tuple[Path, Path]:
    seg = np.asarray(PHANTOM.combined_map.array)
    seg_path = tmp_path / "seg.nii.gz"
    nib.save(nib.Nifti1Image(seg, PHANTOM.affine), str(seg_path))
    table = {str(k): v for k, v in PHANTOM.combined_map.labels.items()}
    (tmp_path / "seg.labels.json").write_text(json.dumps(table))
    vessels_path = tmp_path / "vessels.nii.gz"
    nib.save(nib.Nifti1Image(np.asarray(PHANTOM.vessels), PHANTOM.affine), str(vessels_path))
    return seg_path, vessels_path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _vessel_table(tmp_path: Path) -> str:
    path = tmp_path / "vessels-table.json"
    path.write_text(
        json.dumps({"1": "portal_vein", "2": "hepatic_vein", "3": "inferior_vena_cava"})
    )
    return str(path)


def test_json_has_exactly_the_imaging_v1_fields(
    maps: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seg, vessels = maps
    code, out, _ = _run(
        capsys,
        "volumetry",
        str(seg),
        str(vessels),
        "--labels",
        f"{vessels}={_vessel_table(tmp_path)}",
    )
    assert code == 0
    doc = json.loads(out)
    assert list(doc) == [
        "schema",
        "inputs",
        "liver_volume_ml",
        "tumour_volume_ml",
        "functional_liver_volume_ml",
        "segments",
        "tumours",
        "warnings",
    ]
    assert doc["schema"] == "livermdt/volumetry/v1"
    assert doc["inputs"][0] == {"path": str(seg), "shape": [80, 64, 56], "spacing_mm": [2.5] * 3}
    assert sorted(doc["segments"]) == [str(k) for k in range(1, 9)]
    assert set(doc["segments"]["7"]) == {"volume_ml", "tumour_volume_ml"}
    t1 = doc["tumours"][0]
    assert list(t1) == [
        "id",
        "volume_ml",
        "max_diameter_mm",
        "axial_diameter_mm",
        "centroid_mm",
        "segments",
        "nearest",
    ]
    assert t1["id"] == "T1" and t1["segments"] == {"7": 1.0}
    assert set(t1["nearest"]) == {"portal_vein", "hepatic_vein", "inferior_vena_cava"}
    vvox = 2.5**3
    liver_voxels = int(np.count_nonzero(PHANTOM.combined_map.array))
    assert doc["liver_volume_ml"] == pytest.approx(liver_voxels * vvox / 1000, abs=5e-4)
    assert doc["functional_liver_volume_ml"] == pytest.approx(
        doc["liver_volume_ml"] - doc["tumour_volume_ml"], abs=1e-3
    )


def test_text_tells_the_same_facts(
    maps: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    seg, _ = maps
    _, out_json, _ = _run(capsys, "volumetry", str(seg))
    doc = json.loads(out_json)
    code, text, _ = _run(capsys, "volumetry", str(seg), "--format", "text")
    assert code == 0
    r = volumetry(read_labelmaps(seg))
    assert doc["liver_volume_ml"] == pytest.approx(r.liver_volume_ml, abs=5e-4)
    assert f"{r.liver_volume_ml:.1f} ml" in text
    assert f"{r.tumour_volume_ml:.1f} ml" in text
    assert len(doc["tumours"]) == len(r.tumours) == 2
    for t, jt in zip(r.tumours, doc["tumours"], strict=True):
        assert jt["axial_diameter_mm"] == pytest.approx(t.axial_diameter_mm, abs=5e-3)
        assert f"{t.id}: {t.volume_ml:.1f} ml, axial diameter {t.axial_diameter_mm:.1f} mm" in text
    assert DISCLAIMER in text


def test_bad_inputs_exit_2_with_one_line(
    maps: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seg, vessels = maps
    code, _, err = _run(capsys, "volumetry", str(vessels))
    assert code == 2 and "label names are unknown" in err and len(err.strip().splitlines()) == 1
    code, _, err = _run(capsys, "volumetry", str(seg), "--labels", f"{tmp_path / 'other.nii.gz'}=x")
    assert code == 2 and "is not one of the label maps given" in err
    code, _, err = _run(capsys, "volumetry", str(seg), "--labels", f"{seg}=no-such-convention")
    assert code == 2 and "unknown label convention" in err
    coarse = tmp_path / "coarse.nii.gz"
    nib.save(
        nib.Nifti1Image(np.asarray(PHANTOM.vessels), np.diag([3.0, 3.0, 3.0, 1.0])), str(coarse)
    )
    code, _, err = _run(
        capsys,
        "volumetry",
        str(seg),
        str(coarse),
        "--labels",
        f"{coarse}={_vessel_table(tmp_path)}",
    )
    assert (
        code == 2 and "different grids" in err and "spacing 2.5x2.5x2.5" in err and "3x3x3" in err
    )


CASE: dict[str, Any] = {
    "schema": "livermdt/case/v1",
    "id": "case-volumetry",
    "discussion_date": "2025-05-02",
}


def test_into_fills_an_empty_case_and_says_what_changed(
    maps: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seg, _ = maps
    case_path = tmp_path / "case.json"
    case_path.write_text(json.dumps(CASE))
    code, out, err = _run(
        capsys, "volumetry", str(seg), "--into", str(case_path), "--modality", "ct"
    )
    assert code == 0
    result = json.loads(out)
    doc = json.loads(case_path.read_text())
    parse_case(doc)
    vol = doc["volumetry"]
    assert vol["total_liver_volume_ml"] == pytest.approx(
        result["functional_liver_volume_ml"], abs=0.051
    )
    assert vol["tumour_volume_ml"] == pytest.approx(result["tumour_volume_ml"], abs=0.051)
    assert vol["source"] == "ct"
    lesions = doc["liver_metastases"]["lesions"]
    assert [les["id"] for les in lesions] == ["L1", "L2"]
    assert lesions[0]["segments"] == [7] and lesions[1]["segments"] == [3]
    # diameter_mm is the longest axial diameter, to 0.1 mm (JSON carries it to 0.01 mm)
    assert lesions[0]["diameter_mm"] == pytest.approx(
        result["tumours"][0]["axial_diameter_mm"], abs=0.051
    )
    assert "volumetry.total_liver_volume_ml: set to" in err
    assert "liver_metastases.lesions: added L1 from T1" in err
    assert list(tmp_path.glob(".case.json.*")) == []  # no temporary file left behind


def test_into_keeps_typed_values(
    maps: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seg, _ = maps
    typed = {
        **CASE,
        "volumetry": {"total_liver_volume_ml": 1234.0, "source": "mr"},
        "liver_metastases": {"lesions": [{"id": "L9", "segments": [8], "diameter_mm": 31}]},
    }
    case_path = tmp_path / "case.json"
    case_path.write_text(json.dumps(typed))
    code, _, err = _run(capsys, "volumetry", str(seg), "--into", str(case_path), "--modality", "ct")
    assert code == 0
    doc = json.loads(case_path.read_text())
    assert doc["volumetry"]["total_liver_volume_ml"] == 1234.0
    assert doc["volumetry"]["source"] == "mr"
    assert doc["liver_metastases"]["lesions"] == typed["liver_metastases"]["lesions"]
    assert "tumour_volume_ml" in doc["volumetry"]  # the empty field was filled
    assert "volumetry.total_liver_volume_ml: kept the typed 1234.0" in err
    assert "kept the 1 typed lesions" in err


def test_into_an_invalid_case_writes_nothing(
    maps: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seg, _ = maps
    case_path = tmp_path / "case.json"
    text = json.dumps({"schema": "livermdt/case/v1", "id": "x"})  # no discussion_date
    case_path.write_text(text)
    code, _, err = _run(capsys, "volumetry", str(seg), "--into", str(case_path))
    assert code == 2 and "discussion_date" in err
    assert case_path.read_text() == text
