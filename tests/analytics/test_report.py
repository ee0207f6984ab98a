"""The cohort report end to end on a small synthetic cohort: files exist, figures open, tables and
summary.json agree, the page is self-contained and carries the decision-support notice."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from livermdt.about import DISCLAIMER
from livermdt.analytics.frame import cohort_frame
from livermdt.analytics.records import FIELDS, RegistryRecord
from livermdt.analytics.report import cohort_report


def _record(i: int, os_m: float, dead: bool, fong: int | None, ras: str | None) -> RegistryRecord:
    values: dict[str, Any] = dict.fromkeys(FIELDS)
    values.update(
        age_years=50 + i,
        sex="female" if i % 2 else "male",
        os_months=os_m,
        os_event=dead,
        dfs_months=os_m / 2,
        dfs_event=True,
        recurrence=True,
        margin="R0" if i % 3 else "R1",
        clavien_dindo="IIIa" if i % 4 == 0 else "I",
        ras=ras,
        timing="synchronous",
    )
    return RegistryRecord(f"P{i:02d}", "test", i + 2, values, {"fong_crs": fong}, 30.4375)


def _cohort() -> list[RegistryRecord]:
    out = []
    for i in range(24):
        fong = i % 6 if i != 5 else None
        out.append(_record(i, 5.0 + 3 * i, i % 3 != 2, fong, "mutated" if i % 2 else "wild_type"))
    return out


def _no_scores(doc: Mapping[str, Any]) -> dict[str, float | None]:
    return {}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("report")
    summary = cohort_report(cohort_frame(_cohort(), score_fn=_no_scores), out, title="test")
    return out, summary


def test_files_exist_and_figures_open(built: tuple[Path, dict[str, Any]]) -> None:
    out, summary = built
    for name in summary["files"]:
        assert (out / name).is_file(), name
    pngs = sorted(out.glob("km_*.png"))
    # OS and DFS: overall, Fong recorded, RAS
    assert {p.stem for p in pngs} == {
        f"km_{ep}_{s}" for ep in ("os", "dfs") for s in ("overall", "fong_recorded", "ras")
    }
    for png in pngs:
        with Image.open(png) as im:
            im.verify()
        with Image.open(png) as im:
            assert im.size[0] > 400 and im.size[1] > 300
        root = ET.parse(png.with_suffix(".svg")).getroot()
        assert root.tag.endswith("svg")


def test_summary_and_csv_tables_agree(built: tuple[Path, dict[str, Any]]) -> None:
    out, summary = built
    assert json.loads((out / "summary.json").read_text()) == summary
    with (out / "survival_medians.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    overall = next(r for r in rows if r["endpoint"] == "os" and r["stratification"] == "overall")
    os_all = summary["endpoints"]["os"]["overall"]
    assert int(overall["n"]) == os_all["n"] == 24
    assert int(overall["events"]) == os_all["events"] == 16
    assert float(overall["median_months"]) == pytest.approx(os_all["median_months"])
    ras = summary["endpoints"]["os"]["stratifications"]["ras"]
    assert ras["reported"] and set(ras["groups"]) == {"wild_type", "mutated"}
    assert sum(g["n"] for g in ras["groups"].values()) == 24
    fong = summary["endpoints"]["os"]["stratifications"]["fong_recorded"]
    assert fong["excluded_missing"] == 1
    assert summary["endpoints"]["os"]["stratifications"]["game"]["reported"] is False
    with (out / "logrank.csv").open() as fh:
        lr = {(r["endpoint"], r["stratification"]): float(r["p"]) for r in csv.DictReader(fh)}
    assert lr[("os", "ras")] == pytest.approx(ras["logrank"]["p"])


def test_descriptive_table(built: tuple[Path, dict[str, Any]]) -> None:
    out, _ = built
    with (out / "descriptive.csv").open() as fh:
        rows = {(r["characteristic"], r["level"]): r for r in csv.DictReader(fh)}
    r0 = rows[("R0 resection", "true")]
    # i % 3 != 0 is R0: 16 of 24
    assert (r0["n"], r0["of"]) == ("16", "24")
    comp = rows[("major complication (Clavien-Dindo >= IIIa)", "true")]
    assert (comp["n"], comp["of"]) == ("6", "24")  # i % 4 == 0
    pve = rows[("portal vein embolisation", "true")]
    assert (pve["of"], pve["missing"]) == ("0", "24")  # unknown stays unknown


def test_html_is_self_contained_with_the_notice(built: tuple[Path, dict[str, Any]]) -> None:
    out, _ = built
    page = (out / "report.html").read_text()
    assert DISCLAIMER in page
    assert page.count("data:image/png;base64,") == 6
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page


def test_empty_cohort_still_writes_a_report(tmp_path: Path) -> None:
    summary = cohort_report(cohort_frame([], score_fn=_no_scores), tmp_path)
    assert summary["n_patients"] == 0
    assert summary["endpoints"]["os"]["overall"] is None
    assert (tmp_path / "report.html").is_file()


def test_conversion_counts_only_patients_not_resectable_at_presentation() -> None:
    recs = []
    for i, (start, resected) in enumerate(
        [
            ("resectable", True),  # not a conversion: resectable from the start
            ("potentially_resectable", True),  # converted
            ("unresectable", False),  # not converted
            ("potentially_resectable", None),  # unknown
            (None, True),  # unknown
        ]
    ):
        rec = _record(i, 10.0 + i, True, 1, None)
        values = {**rec.values, "resectability_at_presentation": start, "resected": resected}
        recs.append(RegistryRecord(rec.patient_id, "test", i + 2, values, {}, 30.4375))
    frame = cohort_frame(recs, score_fn=_no_scores)
    assert frame["converted"].tolist() == [None, True, False, None, None]


def test_html_cells_months_and_not_reached() -> None:
    from livermdt.analytics.report import _cell

    assert _cell("median_months", 75.9666) == "76.0"
    assert _cell("ci_upper", None) == "NR"  # the upper bound was not reached
    assert _cell("p", 0.0002) == "0.0002"
    assert _cell("group", "<b>") == "&lt;b&gt;"


def test_cohort_frame_takes_case_documents_and_case_objects() -> None:
    from livermdt.case.model import Case

    doc: dict[str, Any] = {
        "schema": "livermdt/case/v1",
        "id": "native-1",
        "discussion_date": "2025-01-10",
        "patient": {"sex": "female", "age_years": 58},
        "primary": {"n_stage": "N2"},
        "liver_metastases": {"timing": "synchronous", "lesions": [{"id": "L1", "diameter_mm": 60}]},
        "labs": {"cea_ng_ml": 12.0},
        "outcomes": {
            "operations": [
                {
                    "date": "2025-02-01",
                    "margin": "R1",
                    "clavien_dindo": "IIIb",
                    "segments_removed": [5, 6, 7, 8],
                }
            ],
            "recurrences": [{"date": "2025-08-09", "sites": ["lung"]}],
            "last_followup_date": "2026-01-10",
            "vital_status": "alive",
        },
    }
    frame = cohort_frame([doc, Case.model_validate(doc)])
    assert len(frame) == 2
    row = frame.iloc[0]
    # 211 days to the recurrence, 365 days of follow-up, months of 30.4375 days
    assert row["dfs_months"] == pytest.approx(211 / 30.4375)
    assert row["os_months"] == pytest.approx(365 / 30.4375)
    assert (row["os_event"], row["dfs_event"], row["recurrence"]) == (False, True, True)
    assert (row["r0"], row["major_complication"], row["major_hepatectomy"]) == (False, True, True)
    # Fong: N2 (1) + synchronous (1) + one lesion (0) + 60 mm (1) + CEA 12 (0) = 3
    assert row["fong_crs"] == 3 and row["fong_group"] == "high (3-5)"
    assert frame.iloc[1]["fong_crs"] == 3


def test_json_safe_and_a_group_without_events(tmp_path: Path) -> None:
    from livermdt.analytics.report import json_safe

    assert json_safe({"a": [1.0, float("inf")], "b": float("nan"), "c": "x"}) == {
        "a": [1.0, None],
        "b": None,
        "c": "x",
    }
    # RAS wild type: no event at all -> the Cox HR of mutated vs wild type is not estimable
    recs = [
        _record(i, 5.0 + i, i % 2 == 1, None, "mutated" if i % 2 else "wild_type")
        for i in range(20)
    ]
    summary = cohort_report(cohort_frame(recs, score_fn=_no_scores), tmp_path)
    ras = summary["endpoints"]["os"]["stratifications"]["ras"]
    assert ras["reported"] and ras["cox"] is None
    assert any("not estimable" in n for n in summary["notes"])
    json.loads((tmp_path / "summary.json").read_text())  # valid JSON, no inf
