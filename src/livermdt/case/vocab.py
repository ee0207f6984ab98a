"""Vocabularies of the case-v1 document (``spec/case-v1.md``), as ``Literal`` types for the model
and as tuples / dicts for code that reasons over them.

Every tuple is derived from its ``Literal`` (``typing.get_args``), so the two cannot drift.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

SCHEMA_ID: Final = "livermdt/case/v1"

# --- patient -------------------------------------------------------------------------------------
Sex = Literal["female", "male", "other", "unknown"]
SEXES: Final[tuple[str, ...]] = get_args(Sex)

# --- primary tumour ------------------------------------------------------------------------------
PrimarySite = Literal[
    "caecum",
    "ascending",
    "hepatic_flexure",
    "transverse",
    "splenic_flexure",
    "descending",
    "sigmoid",
    "rectosigmoid",
    "rectum",
]
PRIMARY_SITES: Final[tuple[str, ...]] = get_args(PrimarySite)

Sidedness = Literal["left", "right"]
SIDEDNESS: Final[tuple[str, ...]] = get_args(Sidedness)

#: Sites whose sidedness follows from the site (spec case-v1, "Derived values"). The transverse
#: colon spans both embryological territories, so its sidedness must be given.
RIGHT_SITES: Final[frozenset[str]] = frozenset({"caecum", "ascending", "hepatic_flexure"})
LEFT_SITES: Final[frozenset[str]] = frozenset(
    {"splenic_flexure", "descending", "sigmoid", "rectosigmoid", "rectum"}
)

TStage = Literal["Tx", "T0", "Tis", "T1", "T2", "T3", "T4a", "T4b"]
T_STAGES: Final[tuple[str, ...]] = get_args(TStage)

NStage = Literal["Nx", "N0", "N1", "N1a", "N1b", "N1c", "N2", "N2a", "N2b"]
N_STAGES: Final[tuple[str, ...]] = get_args(NStage)
NODE_POSITIVE_STAGES: Final[frozenset[str]] = frozenset(
    s for s in N_STAGES if s.startswith(("N1", "N2"))
)

PrimaryStatus = Literal["in_situ", "resected"]
PRIMARY_STATUSES: Final[tuple[str, ...]] = get_args(PrimaryStatus)

# --- liver metastases ----------------------------------------------------------------------------
Timing = Literal["synchronous", "metachronous"]
TIMINGS: Final[tuple[str, ...]] = get_args(Timing)

#: What ``livermdt.case.derived.metastasis_timing`` returns (E-AHPBA 2023).
DerivedTiming = Literal["synchronous", "early_metachronous", "late_metachronous"]
DERIVED_TIMINGS: Final[tuple[str, ...]] = get_args(DerivedTiming)

VascularStructure = Literal[
    "main_portal_vein",
    "right_portal_vein",
    "left_portal_vein",
    "right_hepatic_vein",
    "middle_hepatic_vein",
    "left_hepatic_vein",
    "inferior_vena_cava",
    "proper_hepatic_artery",
    "right_hepatic_artery",
    "left_hepatic_artery",
    "biliary_confluence",
    "right_hepatic_duct",
    "left_hepatic_duct",
]
VASCULAR_CONTACTS: Final[tuple[str, ...]] = get_args(VascularStructure)

COUINAUD_SEGMENTS: Final[tuple[int, ...]] = (1, 2, 3, 4, 5, 6, 7, 8)
#: Hemilivers for "bilobar" (spec: 2-4 vs 5-8; the caudate, segment 1, counts for neither).
LEFT_HEMILIVER_SEGMENTS: Final[frozenset[int]] = frozenset({2, 3, 4})
RIGHT_HEMILIVER_SEGMENTS: Final[frozenset[int]] = frozenset({5, 6, 7, 8})

# --- extrahepatic disease ------------------------------------------------------------------------
ExtrahepaticSite = Literal[
    "lung",
    "peritoneum",
    "portal_lymph_nodes",
    "distant_lymph_nodes",
    "bone",
    "brain",
    "adrenal",
    "other",
]
EXTRAHEPATIC_SITES: Final[tuple[str, ...]] = get_args(ExtrahepaticSite)

# --- liver ---------------------------------------------------------------------------------------
LiverBackground = Literal[
    "normal",
    "steatosis",
    "steatohepatitis",
    "sinusoidal_obstruction",
    "fibrosis",
    "cirrhosis",
]
LIVER_BACKGROUNDS: Final[tuple[str, ...]] = get_args(LiverBackground)

ChildPughClass = Literal["A", "B", "C"]
CHILD_PUGH_CLASSES: Final[tuple[str, ...]] = get_args(ChildPughClass)

# --- biomarkers ----------------------------------------------------------------------------------
MutationStatus = Literal["wild_type", "mutated", "unknown"]
MUTATION_STATUSES: Final[tuple[str, ...]] = get_args(MutationStatus)

BrafStatus = Literal["wild_type", "v600e", "non_v600", "unknown"]
BRAF_STATUSES: Final[tuple[str, ...]] = get_args(BrafStatus)

MmrStatus = Literal["proficient", "deficient", "unknown"]
MMR_STATUSES: Final[tuple[str, ...]] = get_args(MmrStatus)

Her2Status = Literal["amplified", "not_amplified", "unknown"]
HER2_STATUSES: Final[tuple[str, ...]] = get_args(Her2Status)

FusionStatus = Literal["present", "absent", "unknown"]
FUSION_STATUSES: Final[tuple[str, ...]] = get_args(FusionStatus)

RasStatus = Literal["wild_type", "mutated", "unknown"]
RAS_STATUSES: Final[tuple[str, ...]] = get_args(RasStatus)

# --- volumetry and resection ---------------------------------------------------------------------
Procedure = Literal[
    "right_hepatectomy",
    "extended_right_hepatectomy",
    "left_hepatectomy",
    "extended_left_hepatectomy",
    "left_lateral_sectionectomy",
    "right_posterior_sectionectomy",
    "right_anterior_sectionectomy",
    "central_hepatectomy",
    "segmentectomy",
    "bisegmentectomy",
    "non_anatomical",
]
PROCEDURES: Final[tuple[str, ...]] = get_args(Procedure)

#: Couinaud segments each anatomical procedure removes (spec case-v1, "Vocabularies"). The caudate
#: (segment 1) may be added to any of them "where the surgeon says so".
PROCEDURE_SEGMENTS: Final[dict[str, frozenset[int]]] = {
    "right_hepatectomy": frozenset({5, 6, 7, 8}),
    "extended_right_hepatectomy": frozenset({4, 5, 6, 7, 8}),
    "left_hepatectomy": frozenset({2, 3, 4}),
    "extended_left_hepatectomy": frozenset({2, 3, 4, 5, 8}),
    "left_lateral_sectionectomy": frozenset({2, 3}),
    "right_posterior_sectionectomy": frozenset({6, 7}),
    "right_anterior_sectionectomy": frozenset({5, 8}),
    "central_hepatectomy": frozenset({4, 5, 8}),
}
#: Procedures whose segments come from ``segments_removed``, with how many segments they take
#: (``None``: any number, at least one).
PROCEDURE_SEGMENT_COUNT: Final[dict[str, int | None]] = {
    "segmentectomy": 1,
    "bisegmentectomy": 2,
    "non_anatomical": None,
}
#: "Major hepatectomy" = three or more segments (spec case-v1).
MAJOR_HEPATECTOMY_MIN_SEGMENTS: Final = 3

VolumetrySource = Literal["ct", "mr", "estimated"]
VOLUMETRY_SOURCES: Final[tuple[str, ...]] = get_args(VolumetrySource)

PveProcedure = Literal["pve", "liver_venous_deprivation", "alpps_stage1"]
PVE_PROCEDURES: Final[tuple[str, ...]] = get_args(PveProcedure)

# --- treatments ----------------------------------------------------------------------------------
TreatmentType = Literal[
    "chemotherapy",
    "hepatectomy",
    "ablation",
    "pve",
    "primary_resection",
    "hai",
    "sirt",
    "sbrt",
    "tace",
    "radiotherapy",
    "immunotherapy",
    "targeted",
]
TREATMENT_TYPES: Final[tuple[str, ...]] = get_args(TreatmentType)
#: Treatments that are one procedure on one day: a regimen, cycles or a line make no sense there.
PROCEDURAL_TREATMENT_TYPES: Final[frozenset[str]] = frozenset(
    {"hepatectomy", "ablation", "pve", "primary_resection"}
)

Regimen = Literal[
    "FOLFOX", "CAPOX", "FOLFIRI", "FOLFOXIRI", "CAPIRI", "5FU", "capecitabine", "other"
]
REGIMENS: Final[tuple[str, ...]] = get_args(Regimen)
#: Cycle length in days (2-weekly or 3-weekly schedules); "other" has no known cycle length.
REGIMEN_CYCLE_DAYS: Final[dict[str, int]] = {
    "FOLFOX": 14,
    "FOLFIRI": 14,
    "FOLFOXIRI": 14,
    "5FU": 14,
    "CAPOX": 21,
    "CAPIRI": 21,
    "capecitabine": 21,
}

Biologic = Literal[
    "bevacizumab",
    "cetuximab",
    "panitumumab",
    "aflibercept",
    "ramucirumab",
    "pembrolizumab",
    "nivolumab",
    "nivolumab_ipilimumab",
    "encorafenib_cetuximab",
    "trastuzumab_tucatinib",
    "trastuzumab_deruxtecan",
    "sotorasib",
    "adagrasib",
    "none",
]
BIOLOGICS: Final[tuple[str, ...]] = get_args(Biologic)
ANTI_EGFR_BIOLOGICS: Final[frozenset[str]] = frozenset(
    {"cetuximab", "panitumumab", "encorafenib_cetuximab"}
)
ANTI_VEGF_BIOLOGICS: Final[frozenset[str]] = frozenset(
    {"bevacizumab", "aflibercept", "ramucirumab"}
)
CHECKPOINT_INHIBITORS: Final[frozenset[str]] = frozenset(
    {"pembrolizumab", "nivolumab", "nivolumab_ipilimumab"}
)

Intent = Literal["neoadjuvant", "perioperative", "conversion", "adjuvant", "palliative"]
INTENTS: Final[tuple[str, ...]] = get_args(Intent)

RecistResponse = Literal["CR", "PR", "SD", "PD"]
RECIST_RESPONSES: Final[tuple[str, ...]] = get_args(RecistResponse)

# --- outcomes (registry addition to case-v1, see docs/case.md) -----------------------------------
# The planned-resection vocabulary plus what only an operation record needs (nested Literals
# flatten, so the two lists cannot drift apart).
OperationProcedure = Literal[
    Procedure,
    "wedge",
    "two_stage_first",
    "two_stage_second",
    "alpps_stage2",
    "ablation",
    "resection_with_ablation",
    "other",
]
OPERATION_PROCEDURES: Final[tuple[str, ...]] = get_args(OperationProcedure)

Margin = Literal["R0", "R1", "R2"]
MARGINS: Final[tuple[str, ...]] = get_args(Margin)

#: Clavien-Dindo grade of the worst complication ("none": no complication).
ClavienDindo = Literal["none", "I", "II", "IIIa", "IIIb", "IVa", "IVb", "V"]
CLAVIEN_DINDO_GRADES: Final[tuple[str, ...]] = get_args(ClavienDindo)

#: Post-hepatectomy liver failure, ISGLS grade ("none": no PHLF).
PhlfGrade = Literal["none", "A", "B", "C"]
PHLF_GRADES: Final[tuple[str, ...]] = get_args(PhlfGrade)

PathologicalResponseSystem = Literal["blazer", "rubbia_brandt"]
PATHOLOGICAL_RESPONSE_SYSTEMS: Final[tuple[str, ...]] = get_args(PathologicalResponseSystem)

RecurrenceSite = Literal["liver", "lung", "peritoneum", "lymph_nodes", "bone", "brain", "other"]
RECURRENCE_SITES: Final[tuple[str, ...]] = get_args(RecurrenceSite)

VitalStatus = Literal["alive", "dead", "unknown"]
VITAL_STATUSES: Final[tuple[str, ...]] = get_args(VitalStatus)
