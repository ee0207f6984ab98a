"""livermdt's own scores computed for registry records, with ``livermdt.scores`` (the same
functions the engine uses), from the record's values rather than from a case document — a
registry often knows more than case-v1 can say (TCIA: "several metastases" without their count).

Inputs (``livermdt.scores.ScoreInputs``):
- disease-free interval: 0 for synchronous metastases (Fong 1999), else the recorded
  ``dfi_months``, else missing — TCIA records it for no one, so livermdt's Fong score is
  determined only for TCIA's synchronous patients (the reason it differs from the recorded one);
- lesion count: the count when known; "more than one" with an unknown count is a lower bound of
  2 (enough for Fong's "> 1 tumour" point, not for TBS);
- KRAS: known only when RAS is wild type (a RAS mutation may be NRAS);
- everything else as recorded; a missing input leaves the score ``None``, never a partial sum.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from livermdt.scores import (
    Input,
    ScoreInputs,
    fong_crs,
    game,
    m_cs,
    oslo_score,
    tumour_burden_score,
)


def _opt(value: Any, path: str) -> Input[Any]:
    return Input(value) if value is not None else Input(None, (path,))


def registry_score_inputs(values: Mapping[str, Any]) -> ScoreInputs:
    """Score inputs of one registry record (see the module docstring)."""
    timing = values.get("timing")
    if timing == "synchronous":
        dfi: Input[float] = Input(0.0, note="synchronous metastases: DFI 0")
    else:
        dfi = _opt(values.get("dfi_months"), "registry.dfi_months")
    n = values.get("lesion_count")
    if n is not None:
        count: Input[int] = Input(int(n))
    elif values.get("multiple_metastases") is True:
        count = Input(2, ("registry.lesion_count",), lower_bound=True, note="more than one")
    else:
        count = Input(None, ("registry.lesion_count",))
    ras = values.get("ras")
    ras_in: Input[bool] = (
        Input(ras == "mutated")
        if ras in ("mutated", "wild_type")
        else Input(None, ("registry.ras",))
    )
    kras_in: Input[bool] = Input(False) if ras == "wild_type" else Input(None, ("registry.kras",))
    synchronous: Input[bool] = (
        Input(timing == "synchronous") if timing is not None else Input(None, ("registry.timing",))
    )
    return ScoreInputs(
        node_positive=_opt(values.get("node_positive"), "registry.node_positive"),
        dfi_months=dfi,
        lesion_count=count,
        largest_mm=_opt(values.get("largest_diameter_mm"), "registry.largest_diameter_mm"),
        cea_ng_ml=_opt(values.get("cea_ng_ml"), "registry.cea_ng_ml"),
        kras_mutated=kras_in,
        ras_mutated=ras_in,
        extrahepatic_disease=_opt(
            values.get("extrahepatic_disease"), "registry.extrahepatic_disease"
        ),
        age_years=_opt(values.get("age_years"), "registry.age_years"),
        synchronous=synchronous,
    )


def computed_scores(values: Mapping[str, Any]) -> dict[str, float | None]:
    """livermdt's Fong, TBS, GAME, m-CS and Oslo scores of a registry record."""
    inputs = registry_score_inputs(values)
    out: dict[str, float | None] = {}
    for key, fn in (
        ("fong_crs", fong_crs),
        ("tumour_burden_score", tumour_burden_score),
        ("game", game),
        ("m_cs", m_cs),
        ("oslo_score", oslo_score),
    ):
        value = fn(inputs).value
        out[key] = float(value) if value is not None else None
    return out
