"""Label conventions of imaging-v1: built-in TotalSegmentator tables, aliases, JSON tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from livermdt.errors import ImagingInputError
from livermdt.imaging.conventions import (
    BUILTIN_CONVENTIONS,
    builtin_table,
    canonical_labels,
    canonical_name,
    resolve_label_spec,
)


def test_builtin_tables_match_the_totalsegmentator_class_maps(shared_dir: Path) -> None:
    # The shipped copy must equal the class maps of the TotalSegmentator commit in shared data.
    ref = json.loads((shared_dir / "data/totalsegmentator-sample/class-maps.json").read_text())
    for convention in BUILTIN_CONVENTIONS:
        task = convention.removeprefix("totalsegmentator-")
        assert builtin_table(convention) == {int(k): v for k, v in ref[task].items()}


def test_spec_values_of_the_builtin_conventions() -> None:
    # imaging-v1: total liver = 5; liver_segments 1..8; liver_vessels 1 = vessels, 2 = tumour.
    assert canonical_labels(builtin_table("totalsegmentator-total"))[5] == "liver"
    segs = canonical_labels(builtin_table("totalsegmentator-liver_segments"))
    assert segs == {i: f"liver_segment_{i}" for i in range(1, 9)}
    assert canonical_labels(builtin_table("totalsegmentator-liver_vessels")) == {
        1: "liver_vessels",
        2: "liver_tumour",
    }
    total = canonical_labels(builtin_table("totalsegmentator-total"))
    assert total[64] == "portal_vein" and total[63] == "inferior_vena_cava"
    assert 1 not in total  # spleen: not used by livermdt


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("liver_tumor", "liver_tumour"),
        ("liver_lesion", "liver_tumour"),
        ("Liver Tumour", "liver_tumour"),
        ("portal_vein_and_splenic_vein", "portal_vein"),
        ("liver-segment-7", "liver_segment_7"),
        ("liver_segment_4a", "liver_segment_4"),
        ("spleen", None),
        ("liver_segment_9", None),
    ],
)
def test_aliases(name: str, canonical: str | None) -> None:
    assert canonical_name(name) == canonical


def test_json_tables_and_their_errors(tmp_path: Path) -> None:
    good = tmp_path / "t.json"
    good.write_text('{"1": "liver", "7": "liver_tumor"}')
    assert resolve_label_spec(str(good)) == {1: "liver", 7: "liver_tumor"}
    bad = tmp_path / "bad.json"
    bad.write_text('{"x": "liver"}')
    with pytest.raises(ImagingInputError, match="positive integer keys"):
        resolve_label_spec(str(bad))
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ImagingInputError, match="not a readable JSON"):
        resolve_label_spec(str(broken))
    with pytest.raises(ImagingInputError, match="unknown label convention 'nnunet'"):
        resolve_label_spec("nnunet")
