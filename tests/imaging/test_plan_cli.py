"""``livermdt phantom`` and ``livermdt plan``: files a user can feed to any pipeline, the plan as
imaging-v1 JSON and as text carrying the same facts, exit 2 for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from livermdt.about import DISCLAIMER
from livermdt.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def phantom_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    code, out, _ = _run(
        capsys,
        "phantom", str(tmp_path), "--shape", "90,70,60", "--spacing-mm", "2.5,2.5,2.5",
        "--tumour", "6:10", "--tumour", "-66.5,14,-18:6",
    )  # fmt: skip
    assert code == 0
    written = [Path(line) for line in out.splitlines()]
    assert {p.name for p in written} == {
        "phantom_segments.nii.gz", "phantom_segments.labels.json",
        "phantom_tumour.nii.gz", "phantom_tumour.labels.json",
        "phantom_vessels.nii.gz", "phantom_vessels.labels.json", "phantom_truth.json",
    }  # fmt: skip
    return tmp_path


def _maps(d: Path) -> list[str]:
    return [str(d / f"phantom_{k}.nii.gz") for k in ("segments", "tumour", "vessels")]


def test_phantom_truth_names_the_tumour_segments(phantom_dir: Path) -> None:
    truth = json.loads((phantom_dir / "phantom_truth.json").read_text())
    assert [t["segment"] for t in truth["tumours"]] == [6, 3]
    assert truth["tumours"][0]["radius_mm"] == 10.0


def test_plan_json_and_text_carry_the_same_facts(
    phantom_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = str(EXAMPLES / "example-2-small-remnant.json")
    code, out, _ = _run(capsys, "plan", *_maps(phantom_dir), "--case", case)
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == "livermdt/plan/v1"
    assert doc["telv_ml"] == pytest.approx(1309.3, abs=0.1)
    assert doc["required_sflr"] == pytest.approx(0.30)
    best = doc["options"][doc["recommended_option"]]
    assert best["adequate"] is True and best["clears_all_tumours"] is True
    assert sorted(t["id"] for t in best["tumours"]) == ["T1", "T2"]

    code, text, _ = _run(capsys, "plan", *_maps(phantom_dir), "--case", case, "--format", "text")
    assert code == 0
    assert DISCLAIMER in text
    assert f"* recommended: option {doc['recommended_option']}" in text
    assert best["label"] in text
    assert f"FLR {best['flr_volume_ml']:.0f} mL" in text


def test_plan_margin_and_ablation_options(
    phantom_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "plan", *_maps(phantom_dir), "--no-ablation", "--margin-mm", "2")
    assert code == 0
    doc = json.loads(out)
    assert doc["margin_mm"] == 2.0
    assert all(not o["ablation"] for o in doc["options"])
    assert all(o["min_margin_mm"] >= 2.0 for o in doc["options"])
    assert doc["recommended_option"] is None  # no case: adequacy is not judged


@pytest.mark.parametrize(
    "argv",
    [
        ["phantom", "{d}/x", "--tumour", "6"],
        ["phantom", "{d}/x", "--tumour", "9:5"],
        ["phantom", "{d}/x", "--shape", "10,10"],
        ["plan", "{d}/phantom_segments.nii.gz", "--labels", "nonsense"],
        ["plan", "{d}/phantom_segments.nii.gz"],  # segments but no tumour
        ["plan", "{d}/phantom_segments.nii.gz", "{d}/phantom_tumour.nii.gz", "--margin-mm", "-1"],
    ],
)
def test_bad_input_exits_2(
    phantom_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, _, err = _run(capsys, *[a.format(d=phantom_dir) for a in argv])
    assert code == 2
    assert err.strip()
