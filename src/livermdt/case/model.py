"""The case-v1 document as pydantic v2 models (``spec/case-v1.md``).

Every model forbids unknown keys (a typo must not silently drop data) and validates strictly:
``"63"`` is not an age and ``true`` is not a number. Dates are ISO 8601 calendar dates
(``2025-03-14``). Ranges are checked, never clamped. Contradictions between fields are checked by
one validator on ``Case`` (see ``livermdt.case._contradictions``) that reports all of them at once.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from livermdt.case import vocab
from livermdt.case._contradictions import find_contradictions

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    """Accept ``date`` objects and ``YYYY-MM-DD`` strings only (no timestamps, no datetimes)."""
    if isinstance(value, datetime):
        raise PydanticCustomError("date_format", "must be a date YYYY-MM-DD, not a date and time")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("date_invalid", "is not a calendar date") from None
    raise PydanticCustomError("date_format", "must be a date YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Segment = Annotated[int, Field(ge=1, le=8, description="Couinaud segment 1..8 (4 = 4a+4b)")]
LesionId = Annotated[str, Field(min_length=1, max_length=40)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Patient(_Model):
    sex: vocab.Sex | None = None
    age_years: Annotated[int, Field(ge=18, le=110)] | None = None
    height_cm: Annotated[float, Field(ge=100, le=250)] | None = None
    weight_kg: Annotated[float, Field(ge=25, le=350)] | None = None
    ecog: Annotated[int, Field(ge=0, le=4)] | None = None
    asa_class: Annotated[int, Field(ge=1, le=5)] | None = None
    fit_for_major_surgery: bool | None = Field(
        default=None, description="MDT/anaesthetic judgement; null = not yet judged"
    )


class Primary(_Model):
    site: vocab.PrimarySite | None = None
    sidedness: vocab.Sidedness | None = Field(
        default=None, description="derived from site when null; transverse must be given"
    )
    t_stage: vocab.TStage | None = None
    n_stage: vocab.NStage | None = None
    diagnosis_date: IsoDate | None = None
    status: vocab.PrimaryStatus | None = None
    resection_date: IsoDate | None = None
    symptomatic: bool | None = Field(
        default=None, description="obstruction, bleeding or perforation now"
    )


class Lesion(_Model):
    id: LesionId
    segments: Annotated[list[Segment], Field(min_length=1)] | None = None
    diameter_mm: Annotated[float, Field(gt=0, le=300)] | None = Field(
        default=None, description="longest axial diameter"
    )
    vascular_contact: list[vocab.VascularStructure] | None = None
    ablatable: bool | None = None


class LiverMetastases(_Model):
    diagnosis_date: IsoDate | None = None
    timing: vocab.Timing | None = Field(
        default=None,
        description="derived from dates when null (synchronous = before the primary's diagnosis "
        "or within 30 days after it; E-AHPBA 2023)",
    )
    lesions: list[Lesion] | None = None
    disappeared_lesion_ids: list[LesionId] | None = None


class ExtrahepaticDisease(_Model):
    present: bool | None = None
    sites: list[vocab.ExtrahepaticSite] | None = None
    resectable: bool | None = Field(
        default=None, description="all of it resectable/ablatable with curative intent"
    )


class Liver(_Model):
    background: vocab.LiverBackground | None = None
    child_pugh_class: vocab.ChildPughClass | None = None
    portal_hypertension: bool | None = None
    icg_r15_percent: Annotated[float, Field(ge=0, le=100)] | None = None
    hida_flr_clearance_pct_min_m2: Annotated[float, Field(ge=0, le=100)] | None = None


class Labs(_Model):
    cea_ng_ml: Annotated[float, Field(ge=0)] | None = None
    ca19_9_u_ml: Annotated[float, Field(ge=0)] | None = None
    bilirubin_umol_l: Annotated[float, Field(ge=0)] | None = None
    albumin_g_l: Annotated[float, Field(ge=0, le=100)] | None = None
    inr: Annotated[float, Field(gt=0, le=20)] | None = None
    platelets_10e9_l: Annotated[float, Field(ge=0)] | None = None


class Biomarkers(_Model):
    kras: vocab.MutationStatus | None = None
    kras_variant: Annotated[str, Field(min_length=1, max_length=40)] | None = Field(
        default=None, description='e.g. "G12C", "G12D"'
    )
    nras: vocab.MutationStatus | None = None
    braf: vocab.BrafStatus | None = None
    mmr: vocab.MmrStatus | None = Field(default=None, description="deficient = dMMR / MSI-high")
    her2: vocab.Her2Status | None = None
    pik3ca: vocab.MutationStatus | None = None
    smad4: vocab.MutationStatus | None = None
    ntrk_fusion: vocab.FusionStatus | None = None


class PlannedResection(_Model):
    procedure: vocab.Procedure | None = None
    segments_removed: Annotated[list[Segment], Field(min_length=1)] | None = None


class Volumetry(_Model):
    total_liver_volume_ml: Annotated[float, Field(gt=0)] | None = Field(
        default=None, description="measured on CT/MR, tumours excluded"
    )
    tumour_volume_ml: Annotated[float, Field(ge=0)] | None = None
    planned_resection: PlannedResection | None = None
    flr_volume_ml: Annotated[float, Field(ge=0)] | None = None
    source: vocab.VolumetrySource | None = None


class Pve(_Model):
    procedure: vocab.PveProcedure | None = None
    date: IsoDate | None = None
    flr_volume_before_ml: Annotated[float, Field(ge=0)] | None = None
    flr_volume_after_ml: Annotated[float, Field(ge=0)] | None = None
    days_to_followup_scan: Annotated[int, Field(ge=1, le=365)] | None = Field(
        default=None,
        description="from the procedure to the scan that measured flr_volume_after_ml",
    )
    tumour_progression: bool | None = None
    new_lesions_in_flr: bool | None = None


class Treatment(_Model):
    type: vocab.TreatmentType
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    regimen: vocab.Regimen | None = None
    biologic: vocab.Biologic | None = None
    cycles: Annotated[int, Field(ge=1, le=100)] | None = None
    line: Annotated[int, Field(ge=1, le=10)] | None = None
    intent: vocab.Intent | None = None
    best_response: vocab.RecistResponse | None = None


class RestagingLesion(_Model):
    id: LesionId
    diameter_mm: Annotated[float, Field(ge=0, le=300)] | None = Field(
        default=None, description="0 for a lesion no longer seen (RECIST complete response)"
    )


class Restaging(_Model):
    date: IsoDate | None = None
    lesions: list[RestagingLesion] | None = None
    new_lesions: bool | None = None
    cea_ng_ml: Annotated[float, Field(ge=0)] | None = None


class PathologicalResponse(_Model):
    """Response of the resected metastases: Blazer (JCO 2008; percent residual tumour cells,
    averaged over nodules) or Rubbia-Brandt (Ann Oncol 2007; TRG 1-5, worst nodule)."""

    system: vocab.PathologicalResponseSystem
    residual_tumour_percent: Annotated[float, Field(ge=0, le=100)] | None = Field(
        default=None, description="Blazer: 0 complete, 1-49 major, >= 50 minor"
    )
    trg: Annotated[int, Field(ge=1, le=5)] | None = Field(
        default=None, description="Rubbia-Brandt tumour regression grade 1..5"
    )


class Operation(_Model):
    date: IsoDate | None = None
    procedure: vocab.OperationProcedure | None = None
    segments_removed: Annotated[list[Segment], Field(min_length=1)] | None = None
    margin: vocab.Margin | None = None
    clavien_dindo: vocab.ClavienDindo | None = None
    phlf_grade: vocab.PhlfGrade | None = None
    pathological_response: PathologicalResponse | None = None


class Recurrence(_Model):
    date: IsoDate | None = None
    sites: list[vocab.RecurrenceSite] | None = None


class Outcomes(_Model):
    """What happened after the discussion (a livermdt addition to case-v1 for the registry)."""

    operations: list[Operation] | None = None
    recurrences: list[Recurrence] | None = None
    last_followup_date: IsoDate | None = None
    death_date: IsoDate | None = None
    vital_status: vocab.VitalStatus | None = None


class Case(_Model):
    """One patient's CRLM situation as the MDT sees it at one discussion (case-v1)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        allow_inf_nan=False,
        title="livermdt case-v1",
    )

    schema_version: Literal["livermdt/case/v1"] = Field(alias="schema")
    id: Annotated[str, Field(min_length=1, max_length=200)]
    discussion_date: IsoDate = Field(
        description='the MDT date this case describes: "today" for every date computation'
    )
    patient: Patient | None = None
    primary: Primary | None = None
    liver_metastases: LiverMetastases | None = None
    extrahepatic_disease: ExtrahepaticDisease | None = None
    liver: Liver | None = None
    labs: Labs | None = None
    biomarkers: Biomarkers | None = None
    volumetry: Volumetry | None = None
    pve: Pve | None = None
    treatments: list[Treatment] | None = None
    restaging: list[Restaging] | None = None
    outcomes: Outcomes | None = None

    @model_validator(mode="after")
    def _no_contradictions(self) -> Case:
        problems = find_contradictions(self)
        if problems:
            n = len(problems)
            raise PydanticCustomError(
                "case_contradiction",
                "the case contradicts itself in {count} place(s)",
                {"count": n, "problems": [p.line() for p in problems]},
            )
        return self

    def to_json_dict(self) -> dict[str, Any]:
        """The document as JSON values: keys that were absent stay absent, explicit nulls stay;
        JSON -> ``Case`` -> JSON is the identity."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)
