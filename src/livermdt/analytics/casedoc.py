"""Registry records ↔ case-v1 documents (with the ``outcomes`` block).

:func:`case_document` writes what a registry row says in case-v1 terms and nothing more: a value
the row does not give stays absent. What case-v1 cannot hold (recorded scores, exact recorded
months, "several metastases, count unknown", BMI, ...) stays in the registry extension
(:meth:`RegistryRecord.to_json`) stored beside the document.

:func:`record_from_case` goes the other way for patients entered in livermdt itself, so that the
cohort frame has one input type.

Choices (see ``docs/registry.md``):
- the discussion and the liver operation are on the record's anchor date (registries such as TCIA
  have no calendar dates); outcome dates are anchor + months x ``month_days``;
- a node-positive primary is written as ``n_stage`` "N1", the least specific node-positive stage
  (no livermdt score distinguishes N1 from N2); node-negative is "N0";
- a pathological response fraction r becomes Blazer residual tumour percent 100 x (1 - r);
- one metastasis gives one lesion (with its diameter); a known count n > 1 gives n lesions, only
  the first with a diameter; an unknown count gives no lesion list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from livermdt.analytics.records import (
    DEFAULT_MONTH_DAYS,
    FIELDS,
    SYNTHETIC_ANCHOR,
    RegistryRecord,
    days_to_months,
    outcome_dates,
)

SCHEMA = "livermdt/case/v1"
_CD = {"0": "none"}


def case_document(record: RegistryRecord, anchor: dt.date = SYNTHETIC_ANCHOR) -> dict[str, Any]:
    """The case-v1 document (JSON values) of a registry record."""
    v = record.values
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "id": record.patient_id,
        "discussion_date": anchor.isoformat(),
    }
    patient = {k: v[k] for k in ("sex", "age_years") if v.get(k) is not None}
    if patient:
        doc["patient"] = patient
    primary: dict[str, Any] = {}
    if v.get("node_positive") is not None:
        primary["n_stage"] = "N1" if v["node_positive"] else "N0"
    if v.get("primary_in_situ") is not None:
        primary["status"] = "in_situ" if v["primary_in_situ"] else "resected"
    if primary:
        doc["primary"] = primary
    lm: dict[str, Any] = {}
    if v.get("timing") is not None:
        lm["timing"] = v["timing"]
    n = v.get("lesion_count")
    if n is not None and n > 0:
        first: dict[str, Any] = {"id": "L1"}
        d = v.get("largest_diameter_mm")
        if d is not None and d > 0:
            first["diameter_mm"] = d
        lm["lesions"] = [first] + [{"id": f"L{i}"} for i in range(2, n + 1)]
    if lm:
        doc["liver_metastases"] = lm
    if v.get("extrahepatic_disease") is not None:
        doc["extrahepatic_disease"] = {"present": v["extrahepatic_disease"]}
    if v.get("cea_ng_ml") is not None:
        doc["labs"] = {"cea_ng_ml": v["cea_ng_ml"]}
    if v.get("ras") == "wild_type":
        doc["biomarkers"] = {"kras": "wild_type", "nras": "wild_type"}
    if v.get("steatosis") is True:
        doc["liver"] = {"background": "steatosis"}
    treatments = []
    if v.get("preop_chemotherapy") is True:
        treatments.append({"type": "chemotherapy"})
    if v.get("pve") is True:
        treatments.append({"type": "pve"})
    if v.get("preop_chemotherapy") is not None or v.get("pve") is not None:
        doc["treatments"] = treatments
    doc["outcomes"] = _outcomes(record, anchor)
    return doc


def _outcomes(record: RegistryRecord, anchor: dt.date) -> dict[str, Any]:
    v = record.values
    dates = outcome_dates(record, anchor)
    op: dict[str, Any] = {"date": dates.operation_date.isoformat()}
    if v.get("margin") is not None:
        op["margin"] = v["margin"]
    if v.get("clavien_dindo") is not None:
        op["clavien_dindo"] = _CD.get(v["clavien_dindo"], v["clavien_dindo"])
    r = v.get("pathological_response_fraction")
    if r is not None:
        op["pathological_response"] = {
            "system": "blazer",
            "residual_tumour_percent": round(100.0 * (1.0 - r), 6),
        }
    out: dict[str, Any] = {"operations": [op]}
    recurrences: list[dict[str, Any]] = []
    if dates.recurrence_date is not None:
        first: dict[str, Any] = {"date": dates.recurrence_date.isoformat()}
        liver_m = v.get("liver_dfs_months")
        if v.get("liver_recurrence") is True and liver_m == v.get("dfs_months"):
            first["sites"] = ["liver"]
        recurrences.append(first)
        if v.get("liver_recurrence") is True and liver_m is not None and liver_m != v["dfs_months"]:
            later = anchor + dt.timedelta(days=round(liver_m * record.month_days))
            recurrences.append({"date": later.isoformat(), "sites": ["liver"]})
    if v.get("recurrence") is not None:
        out["recurrences"] = recurrences
    if v.get("os_months") is not None:
        out["last_followup_date"] = dates.last_followup_date.isoformat()
    if dates.death_date is not None:
        out["death_date"] = dates.death_date.isoformat()
    if v.get("os_event") is not None:
        out["vital_status"] = "dead" if v["os_event"] else "alive"
    return out


def _date(x: Any) -> dt.date | None:
    if x is None:
        return None
    if isinstance(x, dt.date):
        return x
    return dt.date.fromisoformat(str(x))


def record_from_case(
    doc: Mapping[str, Any], source: str = "livermdt", month_days: float = DEFAULT_MONTH_DAYS
) -> RegistryRecord:
    """Registry values of a case-v1 document entered in livermdt (JSON values, e.g.
    ``Case.to_json_dict()``). Survival is counted from the discussion date, in months of
    ``month_days`` days; disease-free survival ends at the first recurrence or death."""
    values: dict[str, Any] = dict.fromkeys(FIELDS)
    patient = doc.get("patient") or {}
    values["age_years"] = patient.get("age_years")
    values["sex"] = patient.get("sex")
    primary = doc.get("primary") or {}
    n_stage = primary.get("n_stage")
    if n_stage is not None and n_stage != "Nx":
        values["node_positive"] = str(n_stage).startswith(("N1", "N2"))
    if primary.get("status") is not None:
        values["primary_in_situ"] = primary["status"] == "in_situ"
    lm = doc.get("liver_metastases") or {}
    values["timing"] = lm.get("timing")
    _derived_values(doc, values)
    lesions = lm.get("lesions")
    if lesions is not None:
        values["lesion_count"] = len(lesions)
        values["multiple_metastases"] = len(lesions) > 1
        sizes = [les.get("diameter_mm") for les in lesions]
        if sizes and all(s is not None for s in sizes):
            values["largest_diameter_mm"] = max(float(s) for s in sizes)
        segs = [les.get("segments") for les in lesions]
        if segs and all(s is not None for s in segs):
            flat = {int(x) for s in segs for x in s}
            values["bilobar"] = bool(flat & {2, 3, 4}) and bool(flat & {5, 6, 7, 8})
    ehd = doc.get("extrahepatic_disease") or {}
    values["extrahepatic_disease"] = ehd.get("present")
    values["cea_ng_ml"] = (doc.get("labs") or {}).get("cea_ng_ml")
    bio = doc.get("biomarkers") or {}
    kras, nras = bio.get("kras"), bio.get("nras")
    if "mutated" in (kras, nras):
        values["ras"] = "mutated"
    elif kras == "wild_type" and nras == "wild_type":
        values["ras"] = "wild_type"
    treatments = doc.get("treatments")
    if treatments is not None:
        values["preop_chemotherapy"] = any(t.get("type") == "chemotherapy" for t in treatments)
        values["pve"] = doc.get("pve") is not None or any(
            t.get("type") == "pve" for t in treatments
        )
    elif doc.get("pve") is not None:
        values["pve"] = True
    _outcome_values(doc, values, month_days)
    return RegistryRecord(
        patient_id=str(doc["id"]),
        source=source,
        line=0,
        values=values,
        recorded_scores={},
        month_days=month_days,
    )


def _derived_values(doc: Mapping[str, Any], values: dict[str, Any]) -> None:
    """Timing and disease-free interval from the case's dates (``livermdt.case.derived``)."""
    from livermdt.case import derived
    from livermdt.case.model import Case

    case = Case.model_validate(doc)
    timing = derived.metastasis_timing(case).value
    if timing is not None:
        values["timing"] = "synchronous" if timing == "synchronous" else "metachronous"
    values["dfi_months"] = derived.disease_free_interval_months(case).value


def _outcome_values(doc: Mapping[str, Any], values: dict[str, Any], month_days: float) -> None:
    o = doc.get("outcomes")
    if not o:
        return
    start = _date(doc["discussion_date"])
    assert start is not None
    ops = o.get("operations") or []
    if o.get("operations") is not None:
        values["resected"] = bool(ops)
    if ops:
        op = ops[0]
        values["margin"] = op.get("margin")
        cd = op.get("clavien_dindo")
        values["clavien_dindo"] = "0" if cd == "none" else cd
        segs = op.get("segments_removed")
        if segs is not None:
            values["major_hepatectomy"] = len(set(segs)) >= 3
        pr = op.get("pathological_response") or {}
        if pr.get("system") == "blazer" and pr.get("residual_tumour_percent") is not None:
            values["pathological_response_fraction"] = 1.0 - pr["residual_tumour_percent"] / 100
    death = _date(o.get("death_date"))
    last = _date(o.get("last_followup_date"))
    end = death or last
    if end is not None:
        values["os_months"] = days_to_months((end - start).days, month_days)
        values["os_event"] = death is not None
    recs = [r for r in (o.get("recurrences") or []) if r.get("date")]
    if o.get("recurrences") is not None:
        values["recurrence"] = bool(recs)
        rec_dates = [d for d in (_date(r["date"]) for r in recs) if d is not None]
        first = min(rec_dates, default=None)
        values["liver_recurrence"] = any("liver" in (r.get("sites") or []) for r in recs)
        ends = [d for d in (first, death) if d is not None]
        dfs_end = min(ends) if ends else last
        if dfs_end is not None:
            values["dfs_months"] = days_to_months((dfs_end - start).days, month_days)
            values["dfs_event"] = first is not None or death is not None
