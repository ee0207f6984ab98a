"""Registry records: one patient of an imported registry, in livermdt's own vocabulary.

A registry export (the TCIA CRLM collection, a hospital's CSV) is turned into a list of
:class:`RegistryRecord`. Each record carries

- ``values``: the patient's data in the canonical registry vocabulary (:data:`FIELDS`), every
  value either known or ``None`` (missing is never guessed);
- ``recorded_scores``: scores as the registry recorded them (e.g. the TCIA clinical risk score),
  kept apart from anything livermdt computes;
- provenance: the source, the line of the source file, and how many days one month had in the
  source (TCIA months are days / 30, see ``docs/registry.md``).

Survival is kept as the source recorded it (months and event flags); :func:`outcome_dates` turns
it into calendar dates on a synthetic anchor when a store needs dates, and back exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

#: The anchor date of registries without calendar dates (TCIA): the liver operation and the MDT
#: discussion are placed on this day; outcome dates are anchor + months x month_days.
SYNTHETIC_ANCHOR = dt.date(2000, 1, 1)

#: Days per month when a source does not say (Julian year / 12).
DEFAULT_MONTH_DAYS = 30.4375

FieldKind = Literal["bool", "int", "float", "text", "enum"]


@dataclass(frozen=True)
class FieldSpec:
    """One field of the canonical registry vocabulary."""

    name: str
    kind: FieldKind
    description: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()


#: The canonical registry vocabulary. Importers map source columns to these names.
FIELDS: dict[str, FieldSpec] = {
    f.name: f
    for f in (
        FieldSpec("age_years", "int", "age at the liver operation", 18, 110),
        FieldSpec("sex", "enum", "sex", choices=("female", "male", "other", "unknown")),
        FieldSpec("body_mass_index_kg_m2", "float", "body mass index at the operation", 10, 90),
        FieldSpec("major_comorbidity", "bool", "major comorbidity"),
        FieldSpec("steatosis", "bool", "steatosis in the resected liver"),
        FieldSpec("node_positive", "bool", "node-positive primary tumour"),
        FieldSpec(
            "timing",
            "enum",
            "timing of the liver metastases",
            choices=("synchronous", "metachronous"),
        ),
        FieldSpec("primary_in_situ", "bool", "primary tumour still present at the liver operation"),
        FieldSpec("dfi_months", "float", "disease-free interval, primary to metastases", 0, 600),
        FieldSpec("lesion_count", "int", "number of liver metastases", 0, 200),
        FieldSpec("multiple_metastases", "bool", "more than one liver metastasis"),
        FieldSpec("largest_diameter_mm", "float", "largest liver metastasis", 0, 400),
        FieldSpec("bilobar", "bool", "metastases in both hemilivers"),
        FieldSpec("cea_ng_ml", "float", "CEA before the operation", 0, 100000),
        FieldSpec("extrahepatic_disease", "bool", "extrahepatic disease present"),
        FieldSpec("ras", "enum", "RAS status", choices=("mutated", "wild_type", "unknown")),
        FieldSpec(
            "resectability_at_presentation",
            "enum",
            "resectability at the first MDT",
            choices=("resectable", "potentially_resectable", "unresectable"),
        ),
        FieldSpec("preop_chemotherapy", "bool", "chemotherapy before the liver resection"),
        FieldSpec("pve", "bool", "portal vein embolisation before the resection"),
        FieldSpec("resected", "bool", "liver resection done"),
        FieldSpec("major_hepatectomy", "bool", "three or more segments removed"),
        FieldSpec("margin", "enum", "resection margin", choices=("R0", "R1", "R2")),
        FieldSpec(
            "clavien_dindo",
            "enum",
            "worst complication (Clavien-Dindo)",
            choices=("0", "I", "II", "IIIa", "IIIb", "IVa", "IVb", "V"),
        ),
        FieldSpec(
            "pathological_response_fraction",
            "float",
            "pathological response (fraction of the tumour)",
            0,
            1,
        ),
        FieldSpec("os_months", "float", "overall survival time", 0, 600),
        FieldSpec("os_event", "bool", "death (overall survival event)"),
        FieldSpec("dfs_months", "float", "disease-free survival time", 0, 600),
        FieldSpec("dfs_event", "bool", "recurrence or death (DFS event)"),
        FieldSpec("recurrence", "bool", "any recurrence"),
        FieldSpec("liver_recurrence", "bool", "recurrence in the liver"),
        FieldSpec("liver_dfs_months", "float", "liver disease-free survival time", 0, 600),
        FieldSpec("liver_dfs_event", "bool", "liver recurrence or death (liver DFS event)"),
    )
}

#: Scores a registry may record, with their range.
RECORDED_SCORES: dict[str, tuple[int, int]] = {
    "fong_crs": (0, 5),
    "game": (0, 7),
    "m_cs": (0, 3),
    "oslo_score": (0, 4),
    "nordlinger": (0, 6),
}


@dataclass(frozen=True)
class RegistryRecord:
    """One patient of an imported registry (see the module docstring)."""

    patient_id: str
    source: str
    line: int
    values: Mapping[str, Any]
    recorded_scores: Mapping[str, int | None] = field(default_factory=dict)
    month_days: float = DEFAULT_MONTH_DAYS

    def to_json(self) -> dict[str, Any]:
        """The registry extension stored beside the case document (plain JSON)."""
        return {
            "schema": "livermdt/registry-record/v1",
            "patient_id": self.patient_id,
            "source": self.source,
            "line": self.line,
            "month_days": self.month_days,
            "values": dict(self.values),
            "recorded_scores": dict(self.recorded_scores),
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> RegistryRecord:
        return cls(
            patient_id=str(doc["patient_id"]),
            source=str(doc["source"]),
            line=int(doc["line"]),
            values=dict(doc["values"]),
            recorded_scores=dict(doc.get("recorded_scores", {})),
            month_days=float(doc.get("month_days", DEFAULT_MONTH_DAYS)),
        )


def months_to_days(months: float, month_days: float) -> int:
    """Whole days for a time recorded in months (TCIA: exact, its months are days / 30)."""
    return round(months * month_days)


def days_to_months(days: int, month_days: float) -> float:
    return days / month_days


@dataclass(frozen=True)
class OutcomeDates:
    """Calendar outcome dates on the synthetic anchor (for stores that need dates)."""

    operation_date: dt.date
    last_followup_date: dt.date
    death_date: dt.date | None
    recurrence_date: dt.date | None


def outcome_dates(record: RegistryRecord, anchor: dt.date = SYNTHETIC_ANCHOR) -> OutcomeDates:
    """Dates for a record's survival: the operation on ``anchor``, events ``months x
    month_days`` days later. ``days_to_months`` of the differences gives the months back."""
    v = record.values
    os_m = v.get("os_months")
    dfs_m = v.get("dfs_months")
    last = anchor + dt.timedelta(
        days=months_to_days(float(os_m), record.month_days) if os_m is not None else 0
    )
    death = last if v.get("os_event") is True else None
    recurrence = None
    if v.get("recurrence") is True and dfs_m is not None:
        recurrence = anchor + dt.timedelta(days=months_to_days(float(dfs_m), record.month_days))
    return OutcomeDates(anchor, last, death, recurrence)
