"""The cohort report on the real TCIA data, checked against values computed independently.

Provenance of the literal values below: computed once (2026-11-22) from
``../shared/data/tcia-crlm-clinical/clinical-n197.csv`` read with pandas, by the numpy/scipy
reference implementations in ``tests/analytics/_reference.py`` (product-limit estimate, log-log
"exponential Greenwood" band, two-group log-rank with hypergeometric variance, Harrell's C by
pair enumeration) — code written from the textbook formulas, not calling lifelines. The tests
assert both the literals and a fresh run of the reference code, so a change in either the data or
the product shows.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from livermdt.analytics.frame import apply_where, cohort_frame, parse_where
from livermdt.analytics.report import cohort_report
from livermdt.analytics.tcia import import_tcia
from tests.analytics import _reference as ref

# n, events, median, 95% CI lower, upper (months; None = not reached)
OS_ALL = (197, 107, 75.9666666666667, 66.1, 98.8666666666667)
DFS_ALL = (197, 138, 22.3333333333333, 17.3666666666667, 32.4333333333333)
OS_FONG_LOW = (117, 58, 90.1666666666667, 72.5333333333333, None)
OS_FONG_HIGH = (51, 32, 60.1666666666667, 39.8333333333333, 80.7333333333333)
DFS_FONG_LOW = (117, 79, 26.9333333333333, 16.5, 47.7666666666667)
DFS_FONG_HIGH = (51, 35, 20.4333333333333, 12.3666666666667, 36.1)
LOGRANK_OS_FONG = (3.456061833808593, 0.06302024472186485)
LOGRANK_DFS_FONG = (0.4053724663755629, 0.524327653069316)
C_INDEX_OS_FONG = 0.6050142392188771
C_INDEX_DFS_FONG = 0.5680096696212732


@pytest.fixture(scope="module")
def raw(shared_dir: Path) -> pd.DataFrame:
    return pd.read_csv(shared_dir / "data" / "tcia-crlm-clinical" / "clinical-n197.csv")


@pytest.fixture(scope="module")
def report(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("tcia-report")
    records = import_tcia(shared_dir / "data" / "tcia-crlm-clinical" / "clinical-n197.csv")
    frame = cohort_frame(records)
    cohort_report(frame, out, title="TCIA CRLM")
    return out, json.loads((out / "summary.json").read_text())


def _check(entry: dict[str, Any], expected: tuple[Any, ...]) -> None:
    n, events, median, lo, hi = expected
    assert (entry["n"], entry["events"]) == (n, events)
    assert entry["median_months"] == pytest.approx(median, abs=1e-9)
    got_lo, got_hi = entry["median_ci95"]
    assert got_lo == pytest.approx(lo, abs=1e-9)
    assert (got_hi is None) if hi is None else got_hi == pytest.approx(hi, abs=1e-9)


def test_reference_code_still_gives_the_recorded_values(raw: pd.DataFrame) -> None:
    t = raw["overall_survival_months"].to_numpy()
    e = raw["vital_status"].to_numpy() == 1
    assert ref.median_with_ci(t, e) == pytest.approx(OS_ALL[2:], abs=1e-9)
    known = raw[raw["clinrisk_score"] != -999]
    high = known["clinrisk_score"].to_numpy() >= 3
    chi2, p = ref.logrank_two(
        known["overall_survival_months"].to_numpy(), known["vital_status"].to_numpy() == 1, high
    )
    assert (chi2, p) == pytest.approx(LOGRANK_OS_FONG, rel=1e-9)
    c = ref.harrell_c(
        known["months_to_DFS_progression"].to_numpy(),
        known["clinrisk_score"].to_numpy(),
        known["vital_status_DFS"].to_numpy() == 1,
    )
    assert c == pytest.approx(C_INDEX_DFS_FONG, abs=1e-12)
    lo_med = ref.median_with_ci(
        known["overall_survival_months"].to_numpy()[~high],
        (known["vital_status"].to_numpy() == 1)[~high],
    )
    assert math.isinf(lo_med[2])  # the upper CI of the low-risk median is not reached


def test_overall_survival_matches_the_independent_values(report: tuple[Path, Any]) -> None:
    _, summary = report
    assert summary["n_patients"] == 197
    _check(summary["endpoints"]["os"]["overall"], OS_ALL)
    _check(summary["endpoints"]["dfs"]["overall"], DFS_ALL)


def test_fong_recorded_strata_match(report: tuple[Path, Any]) -> None:
    _, summary = report
    for ep, low, high, lr in (
        ("os", OS_FONG_LOW, OS_FONG_HIGH, LOGRANK_OS_FONG),
        ("dfs", DFS_FONG_LOW, DFS_FONG_HIGH, LOGRANK_DFS_FONG),
    ):
        strat = summary["endpoints"][ep]["stratifications"]["fong_recorded"]
        assert strat["excluded_missing"] == 29  # clinrisk_score = -999
        _check(strat["groups"]["low (0-2)"], low)
        _check(strat["groups"]["high (3-5)"], high)
        assert (strat["logrank"]["chi2"], strat["logrank"]["p"]) == pytest.approx(lr, rel=1e-9)


def test_c_index_of_the_recorded_fong_score(report: tuple[Path, Any]) -> None:
    _, summary = report
    assert summary["c_index"]["os"]["fong_crs_recorded"]["c_index"] == pytest.approx(
        C_INDEX_OS_FONG, abs=1e-12
    )
    assert summary["c_index"]["dfs"]["fong_crs_recorded"]["c_index"] == pytest.approx(
        C_INDEX_DFS_FONG, abs=1e-12
    )
    assert summary["c_index"]["os"]["fong_crs_recorded"]["n"] == 168


def test_cox_hazard_ratio_per_fong_point_solves_the_efron_score_equation(
    report: tuple[Path, Any], raw: pd.DataFrame
) -> None:
    # Independent check: the Efron partial-likelihood score U(b) at lifelines' estimate is ~0,
    # and U changes sign within +-0.01 of it (so b is the root to 2 decimals).
    _, summary = report
    hr = summary["cox"]["os"]["fong_crs_recorded"]["hazard_ratio"]
    known = raw[raw["clinrisk_score"] != -999]
    t = known["overall_survival_months"].to_numpy()
    e = known["vital_status"].to_numpy() == 1
    x = known["clinrisk_score"].to_numpy().astype(float)

    def efron_score(b: float) -> float:
        return ref.efron_score(t, e, x, b)

    b = math.log(hr)
    assert efron_score(b - 0.01) > 0 > efron_score(b + 0.01)
    assert 1.0 < hr < 2.0  # each Fong point raises the hazard (Fong 1999)


def test_where_filter_selects_the_high_risk_patients(shared_dir: Path, tmp_path: Path) -> None:
    records = import_tcia(shared_dir / "data" / "tcia-crlm-clinical" / "clinical-n197.csv")
    frame = cohort_frame(records)
    high = apply_where(frame, parse_where(["fong_crs_recorded>=3"], list(frame.columns)))
    assert len(high) == 51
    summary = cohort_report(high, tmp_path, filters=["fong_crs_recorded>=3"])
    _check(summary["endpoints"]["os"]["overall"], OS_FONG_HIGH)
    sync = apply_where(frame, parse_where(["timing=synchronous and pve=true"], list(frame.columns)))
    assert len(sync) == len([r for r in records if r.values["primary_in_situ"] and r.values["pve"]])


def test_computed_fong_matches_a_hand_count_and_its_agreement_with_the_recorded_one(
    report: tuple[Path, Any], raw: pd.DataFrame
) -> None:
    # Fong 1999, one point each: node-positive, DFI < 12 months (synchronous: DFI 0), more than
    # one tumour, largest > 5 cm, CEA > 200 ng/mL. TCIA gives the DFI only for synchronous
    # patients (synchronous_crlm = 1), so only they have a computed score (CEA known too).
    sync = raw[(raw["synchronous_crlm"] == 1) & (raw["carcinoembryonic_antigen"] != -999)]
    by_hand = (
        sync["node_positive_primary"]
        + 1
        + sync["multiple_metastases"]
        + (sync["max_tumor_size"] > 5).astype(int)
        + (sync["carcinoembryonic_antigen"] > 200).astype(int)
    )
    _, summary = report
    agreement = summary["fong_agreement"]
    recorded = sync["clinrisk_score"]
    both = recorded != -999
    assert agreement["n"] == int(both.sum())
    assert agreement["exact"] == int((by_hand[both] == recorded[both]).sum())
    assert agreement["same_group"] == int(((by_hand[both] >= 3) == (recorded[both] >= 3)).sum())
    assert agreement["within_one_point"] == agreement["n"]  # never more than one point apart


def test_descriptive_table_counts_match_the_raw_file(
    report: tuple[Path, Any], raw: pd.DataFrame
) -> None:
    import csv

    out, _ = report
    with (out / "descriptive.csv").open(encoding="utf-8") as fh:
        rows = {(r["characteristic"], r["level"]): r for r in csv.DictReader(fh)}

    def n_of(characteristic: str, level: str = "true") -> tuple[int, int, int]:
        r = rows[(characteristic, level)]
        return int(r["n"]), int(r["of"]), int(r["missing"])

    assert n_of("portal vein embolisation") == (23, 197, 0)
    assert n_of("pre-operative chemotherapy") == (
        int(raw["chemo_before_liver_resection"].sum()),
        197,
        0,
    )
    assert n_of("primary in situ at the liver operation") == (
        int(raw["synchronous_crlm"].sum()),
        197,
        0,
    )
    assert n_of("timing of liver metastases", "synchronous") == (
        int(raw["synchronous_crlm"].sum()),
        int(raw["synchronous_crlm"].sum()),
        int((raw["synchronous_crlm"] == 0).sum()),
    )
    assert n_of("deaths") == (107, 197, 0)
    assert n_of("liver resection") == (197, 197, 0)
    assert n_of("sex", "female") == (int((raw["sex"] == 2).sum()), 197, 0)
    assert n_of("Fong score recorded (group)", "high (3-5)") == (51, 168, 29)
    cea = rows[("CEA (ng/mL)", "median")]
    known = raw.loc[raw["carcinoembryonic_antigen"] != -999, "carcinoembryonic_antigen"]
    assert (int(cea["n"]), int(cea["missing"])) == (168, 29)
    assert f"median {known.median():.3g}" in cea["summary"]
    # what TCIA does not record stays unknown, never counted as "no"
    assert n_of("R0 resection") == (0, 0, 197)


def test_numbers_at_risk_under_the_os_curve(report: tuple[Path, Any], raw: pd.DataFrame) -> None:
    # The SVG keeps its text as text: the x ticks, then the "At risk" row. At month t the
    # number at risk is the number of patients whose follow-up reaches t (counted from raw).
    import re

    out, _ = report
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", (out / "km_os_overall.svg").read_text())
    ticks = [float(t) for t in texts[: texts.index("months")]]
    row = texts[texts.index("At risk") + 1 :]
    counts = [int(row[0].split()[-1]), *map(int, row[1 : len(ticks)])]
    expected = [int((raw["overall_survival_months"] >= t).sum()) for t in ticks]
    assert counts == expected
    assert counts[0] == 197


def test_cox_hazard_ratio_high_vs_low_fong_group(
    report: tuple[Path, Any], raw: pd.DataFrame
) -> None:
    # HR of the recorded high-risk group (3-5) against low (0-2), OS; the Efron score equation
    # changes sign around lifelines' estimate, as above.
    _, summary = report
    (term,) = summary["endpoints"]["os"]["stratifications"]["fong_recorded"]["cox"]
    assert term["covariate"] == "high (3-5) vs low (0-2)"
    known = raw[raw["clinrisk_score"] != -999]
    t = known["overall_survival_months"].to_numpy()
    e = known["vital_status"].to_numpy() == 1
    x = (known["clinrisk_score"].to_numpy() >= 3).astype(float)
    b = math.log(term["hazard_ratio"])
    assert ref.efron_score(t, e, x, b - 0.01) > 0 > ref.efron_score(t, e, x, b + 0.01)
    lo, hi = term["hr_ci95"]
    assert lo < term["hazard_ratio"] < hi
    # the log-rank test and the Cox model agree in direction and roughly in evidence
    assert term["hazard_ratio"] > 1 and 0.01 < term["p"] < 0.2
