"""Formulas, prognostic scores and RECIST 1.1 for colorectal liver metastases.

BSA, TELV, sFLR, degree of hypertrophy, kinetic growth rate and the required sFLR (A1, A2); Fong,
Tumour Burden Score, GAME, m-CS, Oslo, Nordlinger, Konopke and Nagashima (A11); RECIST 1.1 (A9).
Pure functions over primitives, and adapters that read a ``Case``. The blocks are pydantic models
whose ``model_dump(mode="json")`` is the assessment-v1 shape. See ``docs/scores.md``.
"""

from __future__ import annotations

from livermdt.scores.flr import (
    FlrResult,
    RequiredSflr,
    RequiredSflrReason,
    chemotherapy_window_days,
    compute_flr,
    extensive_chemotherapy,
    required_sflr,
)
from livermdt.scores.formulas import (
    bsa_dubois,
    bsa_mosteller,
    degree_of_hypertrophy,
    kinetic_growth_rate,
    standardised_flr,
    telv_vauthey,
)
from livermdt.scores.prognostic import (
    SCORE_KEYS,
    Input,
    ScoreBlock,
    ScoreInputs,
    ScoreResult,
    compute_scores,
    fong_crs,
    game,
    game_tbs_points,
    konopke,
    m_cs,
    nagashima,
    nordlinger,
    oslo_score,
    score_blocks,
    score_inputs,
    tumour_burden_score,
)
from livermdt.scores.recist import (
    ResponseResult,
    compute_response,
    progression_by_sum,
    recist_category,
    select_targets,
)

__all__ = [
    "SCORE_KEYS",
    "FlrResult",
    "Input",
    "RequiredSflr",
    "RequiredSflrReason",
    "ResponseResult",
    "ScoreBlock",
    "ScoreInputs",
    "ScoreResult",
    "bsa_dubois",
    "bsa_mosteller",
    "chemotherapy_window_days",
    "compute_flr",
    "compute_response",
    "compute_scores",
    "degree_of_hypertrophy",
    "extensive_chemotherapy",
    "fong_crs",
    "game",
    "game_tbs_points",
    "kinetic_growth_rate",
    "konopke",
    "m_cs",
    "nagashima",
    "nordlinger",
    "oslo_score",
    "progression_by_sum",
    "recist_category",
    "required_sflr",
    "score_blocks",
    "score_inputs",
    "select_targets",
    "standardised_flr",
    "telv_vauthey",
    "tumour_burden_score",
]
