"""The threshold table: every named threshold of Part A, its value, unit and source; the
comparison below / at / above; site overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from livermdt.errors import InvalidInputError
from livermdt.knowledge import (
    KnowledgeDataError,
    Threshold,
    ThresholdTable,
    _loading,
    _thresholds,
    default_thresholds,
    get_evidence,
    threshold,
)

#: The values the task brief fixes (knowledge base Part A and Part C), name -> (value, operator).
EXPECTED: dict[str, tuple[float, str]] = {
    "sflr_required_normal": (0.20, ">="),
    "sflr_required_extensive_chemo_or_injury": (0.30, ">="),
    "sflr_required_fibrosis_cirrhosis": (0.40, ">="),
    "sflr_margin_functional_assessment": (0.05, "<"),
    "kgr_min_per_week": (0.02, ">="),
    "hida_flr_clearance_min_pct_min_m2": (2.7, ">="),
    "chemo_extensive_weeks": (12, ">"),
    "chemo_extensive_cycles_2weekly": (6, ">"),
    "chemo_extensive_cycles_3weekly": (4, ">"),
    "fong_high_risk_min": (3, ">="),
    "fong_cea_ng_ml": (200, ">"),
    "fong_largest_mm": (50, ">"),
    "fong_dfi_months": (12, "<"),
    "ablation_max_diameter_mm": (30, "<="),
    "ablation_max_inr": (1.5, "<="),
    "ablation_max_lesions_alternative": (10, "<="),
    "sbrt_max_lesions": (3, "<="),
    "sbrt_max_diameter_mm": (60, "<"),  # Part C, C4: strict
    "sbrt_min_uninvolved_liver_ml": (1000, ">"),
    "transplant_min_age": (18, ">="),
    "transplant_max_age": (65, "<="),
    "transplant_max_ecog": (1, "<="),
    "transplant_cea_ng_ml": (80, "<"),
    "transplant_cea_fall_fraction": (0.5, ">="),
    "transplant_min_chemo_months": (3, ">="),
    "transplant_max_lines": (3, "<="),
    "alpps_max_age": (67, "<"),  # strict
    "synchronous_window_days": (30, "<="),
    "metachronous_early_months": (12, "<="),
    "restaging_interval_weeks": (8, "<="),
    "restaging_interval_max_weeks": (12, "<="),
    "major_hepatectomy_min_segments": (3, ">="),
    "minor_resection_max_segments": (2, "<="),
    "recist_pr_change": (-0.30, "<="),
    "recist_pd_change": (0.20, ">="),
    "recist_pd_abs_mm": (5, ">="),
    "recist_max_targets_per_organ": (2, "<="),
    "recist_max_targets": (5, "<="),
    "recist_measurable_min_mm": (10, ">="),
    "oslo_largest_mm": (55, ">"),
    "oslo_cea_ng_ml": (80, ">"),
    "oslo_months_from_primary_resection": (24, "<"),
    "game_cea_ng_ml": (20, ">="),
    "game_tbs_low": (3, ">="),
    "game_tbs_high": (9, ">="),
    "nordlinger_age_years": (60, ">"),
    "nordlinger_dfi_months": (24, "<"),
    "nordlinger_lesion_count": (3, ">"),
    "nordlinger_largest_mm": (50, ">"),
    "konopke_lesion_count": (4, ">="),
    "konopke_cea_ng_ml": (200, ">="),
    "nagashima_lesion_count": (2, ">="),
    "nagashima_largest_mm": (50, ">"),
    "mcs_largest_mm": (50, ">"),
}


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_named_threshold_has_the_agreed_value(name: str, expected: tuple[float, str]) -> None:
    t = threshold(name)
    assert t.value == pytest.approx(expected[0], abs=0)
    assert t.operator == expected[1]


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_named_threshold_below_at_above(name: str, expected: tuple[float, str]) -> None:
    """Every threshold is tested below, at and above its value (STYLE: the Child-Pugh lesson)."""
    t = threshold(name)
    below, at, above = t.value - 0.01, t.value, t.value + 0.01
    truth = {
        ">": (False, False, True),
        ">=": (False, True, True),
        "<": (True, False, False),
        "<=": (True, True, False),
    }[t.operator]
    assert (t.holds(below), t.holds(at), t.holds(above)) == truth


def test_every_threshold_is_well_formed_and_cites_resolving_evidence() -> None:
    table = default_thresholds()
    assert len(table) >= len(EXPECTED)
    for name, t in table.items():
        assert t.name == name
        assert t.unit and t.label and t.kb_section, name
        assert t.evidence, name
        for evidence_id in t.evidence:
            get_evidence(evidence_id)


def test_sflr_normal_records_the_20_vs_25_conflict() -> None:
    t = threshold("sflr_required_normal")
    assert "0.25" in t.note and "0.20" in t.note
    assert t.site_configurable
    assert "vauthey-2000-sflr" in t.evidence


def test_describe_reads_as_a_sentence() -> None:
    assert threshold("fong_cea_ng_ml").describe() == "CEA (Fong) > 200 ng/mL"
    assert threshold("sbrt_max_diameter_mm").describe().endswith("< 60 mm")
    assert threshold("kgr_min_per_week").describe().endswith(">= 0.02 fraction per week")


def test_unknown_threshold_raises_key_error_naming_it() -> None:
    with pytest.raises(KeyError, match="no_such_threshold"):
        threshold("no_such_threshold")


def test_site_override_replaces_the_value_and_keeps_the_default() -> None:
    site = default_thresholds().with_overrides({"sflr_required_normal": 0.25})
    t = site["sflr_required_normal"]
    assert t.value == 0.25
    assert t.default_value == 0.20
    assert t.overridden
    assert not default_thresholds()["sflr_required_normal"].overridden
    # Overriding twice keeps the shipped default.
    again = site.with_overrides({"sflr_required_normal": 0.22})
    assert again["sflr_required_normal"].default_value == 0.20


def test_overrides_refuse_definitions_unknown_names_and_bad_values_all_at_once() -> None:
    with pytest.raises(InvalidInputError) as caught:
        default_thresholds().with_overrides(
            {
                "fong_cea_ng_ml": 100,
                "no_such": 1,
                "kgr_min_per_week": float("nan"),
                "sflr_required_normal": True,  # type: ignore[dict-item]
            }
        )
    problems = caught.value.problems
    assert len(problems) == 4
    assert problems[0].startswith("thresholds.fong_cea_ng_ml: part of a published definition")
    assert problems[1].startswith("thresholds.no_such: unknown threshold")
    assert problems[2].startswith("thresholds.kgr_min_per_week: expected a finite number")
    assert problems[3].startswith("thresholds.sflr_required_normal: expected a finite number")


def test_score_and_recist_thresholds_are_not_site_settings() -> None:
    table = default_thresholds()
    for name, t in table.items():
        if name.startswith(("fong_", "game_", "oslo_", "nordlinger_", "konopke_", "recist_")):
            assert not t.site_configurable, name


def test_table_is_a_read_only_mapping() -> None:
    table = default_thresholds()
    assert isinstance(table, ThresholdTable)
    assert table.value("fong_cea_ng_ml") == 200
    assert "fong_cea_ng_ml" in table
    assert isinstance(table["fong_cea_ng_ml"], Threshold)
    with pytest.raises(TypeError):
        table["fong_cea_ng_ml"] = table["fong_cea_ng_ml"]  # type: ignore[index]


# --- shards --------------------------------------------------------------------------------


def _t(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "value": 1,
        "unit": "mm",
        "operator": ">",
        "label": "x",
        "evidence": ["fong-1999-crs"],
        "kb_section": "A11",
        "site_configurable": False,
        "note": "",
    }
    base.update(overrides)
    return base


def _table_from(
    folder: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, dict[str, object]]
) -> ThresholdTable:
    for name, entries in files.items():
        (folder / name).write_text(json.dumps({"entries": entries}), encoding="utf-8")
    real_files = _loading.resources.files
    evidence_folder = real_files("livermdt.knowledge")

    def files_for(package: str) -> object:
        return folder

    # Evidence still comes from the package; only thresholds come from the temporary folder.
    for item in evidence_folder.iterdir():
        if item.name.startswith("evidence"):
            (folder / item.name).write_text(item.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(_loading.resources, "files", files_for)
    _thresholds.default_thresholds.cache_clear()
    try:
        return _thresholds.default_thresholds()
    finally:
        monkeypatch.undo()
        _thresholds.default_thresholds.cache_clear()


def test_threshold_shards_merge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = _table_from(
        tmp_path,
        monkeypatch,
        {"thresholds.json": {"a_mm": _t()}, "thresholds_engine.json": {"b_mm": _t(value=2)}},
    )
    assert sorted(table) == ["a_mm", "b_mm"]


def test_duplicate_threshold_across_shards_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(KnowledgeDataError, match="already defined"):
        _table_from(
            tmp_path,
            monkeypatch,
            {"thresholds.json": {"a_mm": _t()}, "thresholds_engine.json": {"a_mm": _t()}},
        )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"value": "3"}, "value"),
        ({"value": True}, "value"),
        ({"operator": "=="}, "operator"),
        ({"evidence": []}, "evidence"),
        ({"evidence": ["unknown-2000-x"]}, "unknown evidence id"),
        ({"site_configurable": "no"}, "site_configurable"),
        ({"surprise": 1}, "unknown keys"),
    ],
)
def test_malformed_thresholds_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(KnowledgeDataError, match=message):
        _table_from(tmp_path, monkeypatch, {"thresholds.json": {"a_mm": _t(**overrides)}})
