"""The assessment-v1 object (``spec/assessment-v1.md``): what ``livermdt assess`` prints, what the
web page, the letter and the CDS Hooks cards show.

Field names follow the spec exactly. Two spec keys are Python keywords or shadow pydantic
attributes (``schema``, ``if``); they are aliased and the model always serialises by alias
(:meth:`Assessment.to_json_dict`).
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, SkipValidation

SCHEMA_ID: Final = "livermdt/assessment/v1"

Category = Literal["resectable", "potentially_resectable", "unresectable", "undetermined"]
CATEGORIES: tuple[Category, ...] = (
    "resectable",
    "potentially_resectable",
    "unresectable",
    "undetermined",
)
Strength = Literal["recommended", "consider", "not_recommended"]
STRENGTHS: tuple[Strength, ...] = ("recommended", "consider", "not_recommended")

#: Recommendation codes of assessment-v1, by group. The order inside the tuple is the display
#: order used after the proposed strategy.
STRATEGY_CODES: tuple[str, ...] = (
    "upfront_hepatectomy",
    "perioperative_chemotherapy",
    "conversion_chemotherapy",
    "palliative_systemic_therapy",
    "best_supportive_care",
)
PROCEDURE_CODES: tuple[str, ...] = (
    "hepatectomy",
    "repeat_hepatectomy",
    "laparoscopic_hepatectomy",
    "portal_vein_embolization",
    "liver_venous_deprivation",
    "two_stage_hepatectomy",
    "alpps",
    "thermal_ablation",
    "resection_with_ablation",
    "sbrt",
    "hepatic_arterial_infusion",
    "transarterial_chemoembolization",
    "radioembolization",
    "liver_transplant_evaluation",
)
SYNCHRONOUS_CODES: tuple[str, ...] = (
    "liver_first_approach",
    "simultaneous_resection",
    "bowel_first_approach",
)
SYSTEMIC_CODES: tuple[str, ...] = (
    "doublet_chemotherapy",
    "triplet_chemotherapy",
    "anti_egfr",
    "bevacizumab",
    "immune_checkpoint_inhibitor",
    "encorafenib_cetuximab",
    "her2_targeted_therapy",
    "kras_g12c_inhibitor",
    "ntrk_inhibitor",
    "adjuvant_chemotherapy",
)
WORKUP_CODES: tuple[str, ...] = (
    "biomarker_testing",
    "liver_mri",
    "pet_ct",
    "functional_liver_assessment",
    "restaging_imaging",
    "mdt_rediscussion",
    "surveillance",
)
ALL_CODES: tuple[str, ...] = (
    STRATEGY_CODES + PROCEDURE_CODES + SYNCHRONOUS_CODES + SYSTEMIC_CODES + WORKUP_CODES
)

_STRICT = ConfigDict(extra="forbid", frozen=True)


class Reason(BaseModel):
    """Why the resectability category is what it is; each reason is citable."""

    model_config = _STRICT
    code: str
    text: str
    evidence: list[str] = Field(min_length=1)


class Resectability(BaseModel):
    model_config = _STRICT
    category: Category
    reasons: list[Reason]


class Recommendation(BaseModel):
    model_config = _STRICT
    code: str
    strength: Strength
    rationale: str
    evidence: list[str] = Field(min_length=1)


class MissingItem(BaseModel):
    """A case-document path the MDT should obtain, and why it matters."""

    model_config = _STRICT
    field: str
    why: str


class Change(BaseModel):
    """A decisive threshold near the patient's value: ``field`` ``if`` -> ``then``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    field: str
    if_: str = Field(alias="if")
    then: str


class Assessment(BaseModel):
    """The engine's reading of one case (assessment-v1). Build it with
    :func:`livermdt.engine.assess`; serialise it with :meth:`to_json_dict`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_: Literal["livermdt/assessment/v1"] = Field(default=SCHEMA_ID, alias="schema")
    case_id: str
    engine_version: str
    knowledge_version: str
    resectability: Resectability
    # The FLR, score and response blocks are livermdt.scores' JSON dumps and the evidence records
    # come from the knowledge registry: both are validated where they are made, so they are
    # carried as they are (re-validating them cost a fifth of an assessment).
    flr: SkipValidation[dict[str, Any]]
    scores: SkipValidation[dict[str, dict[str, Any]]]
    response: SkipValidation[dict[str, Any] | None]
    recommendations: list[Recommendation]
    missing_data: list[MissingItem]
    what_would_change: list[Change]
    evidence: SkipValidation[dict[str, dict[str, Any]]]

    def to_json_dict(self) -> dict[str, Any]:
        """The assessment as the spec's JSON object (keys ``schema`` and ``if``): the same as
        ``model_dump(mode="json", by_alias=True)`` (a test checks it), written out because the
        generic dump of the untyped score blocks costs more than the rest of the rendering."""
        return self.json_view(copy=True)

    def json_view(self, *, copy: bool) -> dict[str, Any]:
        """The spec's JSON object; with ``copy=False`` the score, FLR, response and evidence
        blocks are the assessment's own dicts (for read-only use such as rendering text)."""
        same: Any = _json_copy if copy else _identity
        res = self.resectability
        return {
            "schema": self.schema_,
            "case_id": self.case_id,
            "engine_version": self.engine_version,
            "knowledge_version": self.knowledge_version,
            "resectability": {
                "category": res.category,
                "reasons": [
                    {"code": r.code, "text": r.text, "evidence": list(r.evidence)}
                    for r in res.reasons
                ],
            },
            "flr": same(self.flr),
            "scores": same(self.scores),
            "response": same(self.response),
            "recommendations": [
                {
                    "code": r.code,
                    "strength": r.strength,
                    "rationale": r.rationale,
                    "evidence": list(r.evidence),
                }
                for r in self.recommendations
            ],
            "missing_data": [{"field": m.field, "why": m.why} for m in self.missing_data],
            "what_would_change": [
                {"field": c.field, "if": c.if_, "then": c.then} for c in self.what_would_change
            ],
            "evidence": same(self.evidence),
        }

    def recommendation(self, code: str) -> Recommendation | None:
        """The recommendation with this code, or ``None`` when it is not part of the proposal."""
        for rec in self.recommendations:
            if rec.code == code:
                return rec
        return None


def _identity(value: Any) -> Any:
    return value


def _json_copy(value: Any) -> Any:
    """A deep copy of a JSON value (dicts, lists, scalars)."""
    if isinstance(value, dict):
        return {k: _json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_copy(v) for v in value]
    return value
