"""Prognostic scores for colorectal liver metastases (knowledge base A11; Part B 7.3, 8; Part C).

Each score is a small function over ``ScoreInputs`` (plain values with the case paths they came
from), so it can be checked by hand; ``score_inputs(case)`` builds those inputs from a ``Case``
with ``livermdt.case.derived``, and ``compute_scores(case)`` returns the eight assessment-v1
blocks. Every cut-off is read from the threshold table by name.

A score whose inputs are incomplete has ``value`` ``None`` and lists the missing case paths; it is
never a partial sum. One refinement: a factor is *determined* when the known part of an input
already decides it (a lesion of 62 mm scores "largest > 50 mm" even if another lesion's diameter
is missing), and then nothing is missing for that factor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, Generic, Literal, NamedTuple, TypedDict, TypeVar

from livermdt.case import derived
from livermdt.case.model import Case
from livermdt.knowledge import Threshold, ThresholdTable
from livermdt.scores import formulas
from livermdt.scores._common import Block, table_or_default, unique
from livermdt.scores.recist import ResponseResult, compute_response

T = TypeVar("T")
Group = Literal["low", "intermediate", "high"]
InputValue = float | int | bool | str | None

SCORE_KEYS: tuple[str, ...] = (
    "fong_crs",
    "tumour_burden_score",
    "game",
    "m_cs",
    "oslo_score",
    "nordlinger",
    "konopke",
    "nagashima",
)


@dataclass(frozen=True)
class Input(Generic[T]):
    """One score input: its value (``None`` when unknown), the case paths that are missing, and
    whether the value is only a lower bound (the largest of the diameters that are known)."""

    value: T | None
    missing: tuple[str, ...] = ()
    lower_bound: bool = False
    note: str = ""


@dataclass(frozen=True)
class ScoreInputs:
    """Everything the eight scores read, in the units their names say."""

    node_positive: Input[bool] = field(default_factory=lambda: Input(None, ("primary.n_stage",)))
    dfi_months: Input[float] = field(
        default_factory=lambda: Input(None, ("primary.resection_date",))
    )
    lesion_count: Input[int] = field(
        default_factory=lambda: Input(None, ("liver_metastases.lesions",))
    )
    largest_mm: Input[float] = field(
        default_factory=lambda: Input(None, ("liver_metastases.lesions",))
    )
    cea_ng_ml: Input[float] = field(default_factory=lambda: Input(None, ("labs.cea_ng_ml",)))
    kras_mutated: Input[bool] = field(default_factory=lambda: Input(None, ("biomarkers.kras",)))
    ras_mutated: Input[bool] = field(default_factory=lambda: Input(None, ("biomarkers.kras",)))
    extrahepatic_disease: Input[bool] = field(
        default_factory=lambda: Input(None, ("extrahepatic_disease.present",))
    )
    extrahepatic_resectable: bool | None = None
    age_years: Input[int] = field(default_factory=lambda: Input(None, ("patient.age_years",)))
    serosal_invasion: Input[bool] = field(default_factory=lambda: Input(None, ("primary.t_stage",)))
    synchronous: Input[bool] = field(
        default_factory=lambda: Input(None, ("liver_metastases.timing",))
    )
    months_since_primary_resection: Input[float] = field(
        default_factory=lambda: Input(None, ("primary.resection_date",))
    )
    progression_on_chemotherapy: Input[bool] = field(
        default_factory=lambda: Input(None, ("treatments",))
    )
    disappeared_lesions: int = 0


class ScoreResult(Block):
    """One score block: ``value`` (``None`` when an input is missing), ``max``, the risk ``group``
    where the source defines groups, the ``inputs`` used (names carry units), the ``points`` of
    each determined factor, the ``missing`` case paths and the ``evidence`` ids."""

    value: int | float | None
    max: int | None
    group: Group | None
    inputs: dict[str, InputValue]
    points: dict[str, int]
    missing: list[str]
    evidence: list[str]
    note: str


class ScoreBlock(TypedDict):
    """A score block as its assessment-v1 JSON: ``ScoreResult``'s fields, in its order. The
    engine reads these directly (``score_blocks``): the values are built with the declared types,
    and validating eight models per case only to dump them again cost about a tenth of an
    assessment. A test checks that both give the same JSON."""

    value: int | float | None
    max: int | None
    group: Group | None
    inputs: dict[str, InputValue]
    points: dict[str, int]
    missing: list[str]
    evidence: list[str]
    note: str


class _Factor(NamedTuple):
    """One factor of a score (a named tuple: built eight to forty times per case, and a frozen
    dataclass costs several times as much to create)."""

    name: str
    points: int | None
    missing: tuple[str, ...]


def _threshold_factor(
    name: str, given: Input[float] | Input[int], t: Threshold, points: int = 1
) -> _Factor:
    """Points when ``given.value`` meets ``t``. A lower-bound value decides the factor only when it
    already meets an increasing threshold (``>``/``>=``)."""
    if given.value is None:
        return _Factor(name, None, given.missing)
    met = t.holds(float(given.value))
    if given.missing or given.lower_bound:
        if met and t.operator in (">", ">="):
            return _Factor(name, points, ())
        return _Factor(name, None, given.missing)
    return _Factor(name, points if met else 0, ())


def _flag_factor(name: str, given: Input[bool], points: int = 1) -> _Factor:
    if given.value is None:
        return _Factor(name, None, given.missing)
    return _Factor(name, points if given.value else 0, ())


def _group(value: int, table: ThresholdTable, bands: Sequence[tuple[str, Group]]) -> Group:
    group: Group = "low"
    for threshold_name, name in bands:
        if table[threshold_name].holds(value):
            group = name
    return group


def _result(
    factors: Sequence[_Factor],
    *,
    maximum: int,
    inputs: dict[str, InputValue],
    evidence: Sequence[str],
    table: ThresholdTable,
    bands: Sequence[tuple[str, Group]] = (),
    note: str = "",
) -> ScoreBlock:
    # One pass over the factors (this runs eight times per assessed case).
    points: dict[str, int] = {}
    missing: list[str] = []
    total: int | None = 0
    for name, factor_points, factor_missing in factors:
        if factor_points is None:
            total = None
            for path in factor_missing:
                if path not in missing:
                    missing.append(path)
        else:
            points[name] = factor_points
            if total is not None:
                total += factor_points
    value = total
    return ScoreBlock(
        value=value,
        max=maximum,
        group=_group(value, table, bands) if value is not None and bands else None,
        inputs=inputs,
        points=points,
        missing=missing,
        evidence=list(evidence),
        note=note,
    )


def _disappeared_note(inputs: ScoreInputs) -> str:
    n = inputs.disappeared_lesions
    if not n:
        return ""
    return (
        f"{n} lesion(s) that disappeared on chemotherapy are not counted "
        "(scores use the current imaging; docs/scores.md)."
    )


def _disappeared_evidence(inputs: ScoreInputs) -> list[str]:
    """Counting only visible lesions is a livermdt choice, backed by Ayez 2011 (scores recomputed
    after chemotherapy keep their prognostic value)."""
    return ["ayez-2011-score-timing", "livermdt-2025-policy"] if inputs.disappeared_lesions else []


def _join(*notes: str) -> str:
    return " ".join(n for n in notes if n)


#: (id of the table, primary, names, extra) -> (the table, the ids). The evidence of a score
#: depends only on the table and the names, so it is collected once per table, not per case
#: (the table is kept in the entry so that a reused id cannot return another table's ids).
_EVIDENCE_CACHE: dict[tuple[int, str, tuple[str, ...], tuple[str, ...]], tuple[object, list[str]]]
_EVIDENCE_CACHE = {}


def _evidence(table: ThresholdTable, primary: str, names: Sequence[str], *extra: str) -> list[str]:
    key = (id(table), primary, tuple(names), extra)
    hit = _EVIDENCE_CACHE.get(key)
    if hit is None or hit[0] is not table:
        if len(_EVIDENCE_CACHE) > 512:  # many site tables in one process: start again
            _EVIDENCE_CACHE.clear()
        hit = (table, unique([primary, *(e for n in names for e in table[n].evidence), *extra]))
        _EVIDENCE_CACHE[key] = hit
    return list(hit[1])


def _fong_crs_block(inputs: ScoreInputs, thresholds: ThresholdTable | None = None) -> ScoreBlock:
    """Fong clinical risk score (Ann Surg 1999;230:309), 0-5, one point each: node-positive
    primary; disease-free interval < 12 months (synchronous = 0 months); more than one liver
    tumour; largest > 50 mm; CEA > 200 ng/mL. Low 0-2, high 3-5."""
    table = table_or_default(thresholds)
    factors = [
        _flag_factor("node_positive", inputs.node_positive),
        _threshold_factor("dfi_under_12_months", inputs.dfi_months, table["fong_dfi_months"]),
        _threshold_factor("more_than_one_tumour", inputs.lesion_count, table["fong_lesion_count"]),
        _threshold_factor("largest_over_50_mm", inputs.largest_mm, table["fong_largest_mm"]),
        _threshold_factor("cea_over_200", inputs.cea_ng_ml, table["fong_cea_ng_ml"]),
    ]
    names = ["fong_dfi_months", "fong_lesion_count", "fong_largest_mm", "fong_cea_ng_ml"]
    return _result(
        factors,
        maximum=5,
        inputs={
            "node_positive": inputs.node_positive.value,
            "disease_free_interval_months": inputs.dfi_months.value,
            "lesion_count": inputs.lesion_count.value,
            "largest_diameter_mm": inputs.largest_mm.value,
            "cea_ng_ml": inputs.cea_ng_ml.value,
        },
        evidence=_evidence(
            table,
            "fong-1999-crs",
            [*names, "fong_high_risk_min"],
            *_disappeared_evidence(inputs),
        ),
        table=table,
        bands=[("fong_high_risk_min", "high")],
        note=_disappeared_note(inputs),
    )


def _tumour_burden_score_block(
    inputs: ScoreInputs, thresholds: ThresholdTable | None = None
) -> ScoreBlock:
    """Tumour Burden Score (Sasaki, Ann Surg 2018;267:132): sqrt((largest in cm)^2 + count^2).
    Continuous, no maximum and no risk groups of its own (GAME uses its bands)."""
    table = table_or_default(thresholds)
    count, largest = inputs.lesion_count, inputs.largest_mm
    value: float | None = None
    missing = unique([*count.missing, *largest.missing])
    if count.value is not None and largest.value is not None and not missing:
        value = formulas.tumour_burden_score(largest.value, count.value)
    return ScoreBlock(
        value=value,
        max=None,
        group=None,
        inputs={
            "largest_diameter_mm": largest.value,
            "lesion_count": count.value,
        },
        points={},
        missing=missing if value is None else [],
        evidence=_evidence(table, "sasaki-2018-tbs", [], *_disappeared_evidence(inputs)),
        note=_disappeared_note(inputs),
    )


def game_tbs_points(tbs: float, thresholds: ThresholdTable | None = None) -> int:
    """GAME points for a Tumour Burden Score: [0, 3) -> 0, [3, 9) -> 1, >= 9 -> 2 (the paper's
    "3-8" read as 3 <= TBS < 9; Part C, C7)."""
    table = table_or_default(thresholds)
    if table["game_tbs_high"].holds(tbs):
        return 2
    if table["game_tbs_low"].holds(tbs):
        return 1
    return 0


def _game_block(inputs: ScoreInputs, thresholds: ThresholdTable | None = None) -> ScoreBlock:
    """GAME score (Margonis, Br J Surg 2018;105:1210), 0-7: KRAS-mutated 1 (KRAS, not all RAS);
    CEA >= 20 ng/mL 1; node-positive primary 1; TBS 3-8.99 -> 1, >= 9 -> 2; extrahepatic disease
    2. Low 0-1, intermediate (the paper's "medium") 2-3, high >= 4."""
    table = table_or_default(thresholds)
    count, largest = inputs.lesion_count, inputs.largest_mm
    tbs_factor: _Factor
    tbs: float | None = None
    if count.value is None or largest.value is None:
        tbs_factor = _Factor(
            "tumour_burden_score", None, tuple(unique([*count.missing, *largest.missing]))
        )
    else:
        tbs = formulas.tumour_burden_score(largest.value, count.value)
        points = game_tbs_points(tbs, table)
        if largest.missing or largest.lower_bound or count.missing:
            tbs = None  # only a lower bound: not reported as the patient's TBS
        if tbs is None and points < 2:
            # A larger unknown diameter could still raise the band.
            tbs_factor = _Factor(
                "tumour_burden_score", None, tuple(unique([*count.missing, *largest.missing]))
            )
        else:
            tbs_factor = _Factor("tumour_burden_score", points, ())
    factors = [
        _flag_factor("kras_mutated", inputs.kras_mutated),
        _threshold_factor("cea_20_or_more", inputs.cea_ng_ml, table["game_cea_ng_ml"]),
        _flag_factor("node_positive", inputs.node_positive),
        tbs_factor,
        _flag_factor("extrahepatic_disease", inputs.extrahepatic_disease, points=2),
    ]
    names = ["game_cea_ng_ml", "game_tbs_low", "game_tbs_high", "game_medium_min", "game_high_min"]
    return _result(
        factors,
        maximum=7,
        inputs={
            "kras_mutated": inputs.kras_mutated.value,
            "cea_ng_ml": inputs.cea_ng_ml.value,
            "node_positive": inputs.node_positive.value,
            "tumour_burden_score": tbs,
            "extrahepatic_disease": inputs.extrahepatic_disease.value,
        },
        evidence=_evidence(
            table,
            "margonis-2018-game",
            names,
            "cancers-2022-game-validation",
            *_disappeared_evidence(inputs),
        ),
        table=table,
        bands=[("game_medium_min", "intermediate"), ("game_high_min", "high")],
        note=_disappeared_note(inputs),
    )


def _m_cs_block(inputs: ScoreInputs, thresholds: ThresholdTable | None = None) -> ScoreBlock:
    """Modified clinical score (Brudvik, Ann Surg 2019;269:120), 0-3: RAS mutated; node-positive
    primary; largest > 50 mm. No risk groups (the labels are unverified, Part C item 2)."""
    table = table_or_default(thresholds)
    factors = [
        _flag_factor("ras_mutated", inputs.ras_mutated),
        _flag_factor("node_positive", inputs.node_positive),
        _threshold_factor("largest_over_50_mm", inputs.largest_mm, table["mcs_largest_mm"]),
    ]
    return _result(
        factors,
        maximum=3,
        inputs={
            "ras_mutated": inputs.ras_mutated.value,
            "node_positive": inputs.node_positive.value,
            "largest_diameter_mm": inputs.largest_mm.value,
        },
        evidence=_evidence(
            table, "brudvik-2019-mcs", ["mcs_largest_mm"], *_disappeared_evidence(inputs)
        ),
        table=table,
        note=_disappeared_note(inputs),
    )


def _oslo_score_block(inputs: ScoreInputs, thresholds: ThresholdTable | None = None) -> ScoreBlock:
    """Oslo score (Dueland, Ann Surg 2015;261:956), 0-4: largest > 55 mm; CEA > 80 ng/mL;
    progression on the current chemotherapy; < 24 months from primary resection to the discussion
    date (the source measures to the transplant, which is still ahead). Favourable 0-2 ("low"),
    unfavourable 3-4 ("high")."""
    table = table_or_default(thresholds)
    interval = inputs.months_since_primary_resection
    interval_factor = _threshold_factor(
        "under_24_months_from_primary_resection",
        interval,
        table["oslo_months_from_primary_resection"],
    )
    factors = [
        _threshold_factor("largest_over_55_mm", inputs.largest_mm, table["oslo_largest_mm"]),
        _threshold_factor("cea_over_80", inputs.cea_ng_ml, table["oslo_cea_ng_ml"]),
        _flag_factor("progression_on_chemotherapy", inputs.progression_on_chemotherapy),
        interval_factor,
    ]
    names = [
        "oslo_largest_mm",
        "oslo_cea_ng_ml",
        "oslo_months_from_primary_resection",
        "oslo_high_min",
    ]
    return _result(
        factors,
        maximum=4,
        inputs={
            "largest_diameter_mm": inputs.largest_mm.value,
            "cea_ng_ml": inputs.cea_ng_ml.value,
            "progression_on_chemotherapy": inputs.progression_on_chemotherapy.value,
            "months_since_primary_resection": interval.value,
        },
        evidence=_evidence(
            table,
            "dueland-2015-oslo",
            names,
            "line-2018-oslo",
            *_disappeared_evidence(inputs),
        ),
        table=table,
        bands=[("oslo_high_min", "high")],
        note=_join(
            "The primary tumour is not resected: the interval from its resection is undefined, "
            "so the Oslo score is not computed."
            if interval.value is None and not interval.missing
            else "",
            inputs.progression_on_chemotherapy.note,
            _disappeared_note(inputs),
        ),
    )


def _nordlinger_block(inputs: ScoreInputs, thresholds: ThresholdTable | None = None) -> ScoreBlock:
    """Nordlinger score (Cancer 1996;77:1254), the 6-factor pre-operative version: age > 60;
    serosal invasion of the primary (T4); node-positive primary; disease-free interval < 24
    months; more than 3 liver metastases; largest > 50 mm. Low 0-2, intermediate 3-4, high 5-6."""
    table = table_or_default(thresholds)
    factors = [
        _threshold_factor("age_over_60", inputs.age_years, table["nordlinger_age_years"]),
        _flag_factor("serosal_invasion", inputs.serosal_invasion),
        _flag_factor("node_positive", inputs.node_positive),
        _threshold_factor("dfi_under_24_months", inputs.dfi_months, table["nordlinger_dfi_months"]),
        _threshold_factor(
            "more_than_3_metastases", inputs.lesion_count, table["nordlinger_lesion_count"]
        ),
        _threshold_factor("largest_over_50_mm", inputs.largest_mm, table["nordlinger_largest_mm"]),
    ]
    names = [
        "nordlinger_age_years",
        "nordlinger_dfi_months",
        "nordlinger_lesion_count",
        "nordlinger_largest_mm",
        "nordlinger_intermediate_min",
        "nordlinger_high_min",
    ]
    return _result(
        factors,
        maximum=6,
        inputs={
            "age_years": inputs.age_years.value,
            "serosal_invasion": inputs.serosal_invasion.value,
            "node_positive": inputs.node_positive.value,
            "disease_free_interval_months": inputs.dfi_months.value,
            "lesion_count": inputs.lesion_count.value,
            "largest_diameter_mm": inputs.largest_mm.value,
        },
        evidence=_evidence(table, "nordlinger-1996-score", names, *_disappeared_evidence(inputs)),
        table=table,
        bands=[("nordlinger_intermediate_min", "intermediate"), ("nordlinger_high_min", "high")],
        note=_disappeared_note(inputs),
    )


def _konopke_block(inputs: ScoreInputs, thresholds: ThresholdTable | None = None) -> ScoreBlock:
    """Konopke score (Int J Colorectal Dis 2009), 0-3: >= 4 liver metastases; CEA >= 200 ng/mL
    (inclusive, unlike Fong); synchronous metastases. Low 0, intermediate 1, high >= 2."""
    table = table_or_default(thresholds)
    factors = [
        _threshold_factor(
            "four_or_more_metastases", inputs.lesion_count, table["konopke_lesion_count"]
        ),
        _threshold_factor("cea_200_or_more", inputs.cea_ng_ml, table["konopke_cea_ng_ml"]),
        _flag_factor("synchronous", inputs.synchronous),
    ]
    names = [
        "konopke_lesion_count",
        "konopke_cea_ng_ml",
        "konopke_intermediate_min",
        "konopke_high_min",
    ]
    return _result(
        factors,
        maximum=3,
        inputs={
            "lesion_count": inputs.lesion_count.value,
            "cea_ng_ml": inputs.cea_ng_ml.value,
            "synchronous": inputs.synchronous.value,
        },
        evidence=_evidence(
            table,
            "konopke-2009-score",
            names,
            "eahpba-2023-synchronous",
            *_disappeared_evidence(inputs),
        ),
        table=table,
        bands=[("konopke_intermediate_min", "intermediate"), ("konopke_high_min", "high")],
        note=_disappeared_note(inputs),
    )


def _nagashima_block(inputs: ScoreInputs, thresholds: ThresholdTable | None = None) -> ScoreBlock:
    """Nagashima (Teikyo) score, 0-5: serosal invasion of the primary (T4); node-positive primary;
    >= 2 liver metastases; largest > 50 mm; extrahepatic metastases (the source's "resectable
    extrahepatic metastases": it was derived in resected patients; livermdt scores any extrahepatic
    disease and says so when it is not resectable). Low 0-1, intermediate 2-3, high >= 4."""
    table = table_or_default(thresholds)
    factors = [
        _flag_factor("serosal_invasion", inputs.serosal_invasion),
        _flag_factor("node_positive", inputs.node_positive),
        _threshold_factor(
            "two_or_more_metastases", inputs.lesion_count, table["nagashima_lesion_count"]
        ),
        _threshold_factor("largest_over_50_mm", inputs.largest_mm, table["nagashima_largest_mm"]),
        _flag_factor("extrahepatic_metastases", inputs.extrahepatic_disease),
    ]
    names = [
        "nagashima_lesion_count",
        "nagashima_largest_mm",
        "nagashima_intermediate_min",
        "nagashima_high_min",
    ]
    ehd_note = ""
    if inputs.extrahepatic_disease.value and inputs.extrahepatic_resectable is not True:
        ehd_note = (
            "The score was derived with resectable extrahepatic metastases; here their "
            "resectability is "
            + ("not given." if inputs.extrahepatic_resectable is None else "no.")
        )
    return _result(
        factors,
        maximum=5,
        inputs={
            "serosal_invasion": inputs.serosal_invasion.value,
            "node_positive": inputs.node_positive.value,
            "lesion_count": inputs.lesion_count.value,
            "largest_diameter_mm": inputs.largest_mm.value,
            "extrahepatic_disease": inputs.extrahepatic_disease.value,
            "extrahepatic_resectable": inputs.extrahepatic_resectable,
        },
        evidence=_evidence(table, "nagashima-teikyo-score", names, *_disappeared_evidence(inputs)),
        table=table,
        bands=[("nagashima_intermediate_min", "intermediate"), ("nagashima_high_min", "high")],
        note=_join(ehd_note, _disappeared_note(inputs)),
    )


# The public score functions: the blocks as validated ``ScoreResult`` models.
def fong_crs(inputs: ScoreInputs, thresholds: ThresholdTable | None = None) -> ScoreResult:
    return ScoreResult(**_fong_crs_block(inputs, thresholds))


fong_crs.__doc__ = _fong_crs_block.__doc__


def tumour_burden_score(
    inputs: ScoreInputs, thresholds: ThresholdTable | None = None
) -> ScoreResult:
    return ScoreResult(**_tumour_burden_score_block(inputs, thresholds))


tumour_burden_score.__doc__ = _tumour_burden_score_block.__doc__


def game(inputs: ScoreInputs, thresholds: ThresholdTable | None = None) -> ScoreResult:
    return ScoreResult(**_game_block(inputs, thresholds))


game.__doc__ = _game_block.__doc__


def m_cs(inputs: ScoreInputs, thresholds: ThresholdTable | None = None) -> ScoreResult:
    return ScoreResult(**_m_cs_block(inputs, thresholds))


m_cs.__doc__ = _m_cs_block.__doc__


def oslo_score(inputs: ScoreInputs, thresholds: ThresholdTable | None = None) -> ScoreResult:
    return ScoreResult(**_oslo_score_block(inputs, thresholds))


oslo_score.__doc__ = _oslo_score_block.__doc__


def nordlinger(inputs: ScoreInputs, thresholds: ThresholdTable | None = None) -> ScoreResult:
    return ScoreResult(**_nordlinger_block(inputs, thresholds))


nordlinger.__doc__ = _nordlinger_block.__doc__


def konopke(inputs: ScoreInputs, thresholds: ThresholdTable | None = None) -> ScoreResult:
    return ScoreResult(**_konopke_block(inputs, thresholds))


konopke.__doc__ = _konopke_block.__doc__


def nagashima(inputs: ScoreInputs, thresholds: ThresholdTable | None = None) -> ScoreResult:
    return ScoreResult(**_nagashima_block(inputs, thresholds))


nagashima.__doc__ = _nagashima_block.__doc__


_BLOCKS: dict[str, Callable[[ScoreInputs, ThresholdTable | None], ScoreBlock]] = {
    "fong_crs": _fong_crs_block,
    "tumour_burden_score": _tumour_burden_score_block,
    "game": _game_block,
    "m_cs": _m_cs_block,
    "oslo_score": _oslo_score_block,
    "nordlinger": _nordlinger_block,
    "konopke": _konopke_block,
    "nagashima": _nagashima_block,
}


# --- from a case -------------------------------------------------------------------------------


def _from_derived(d: derived.Derived[T], lower_bound: bool = False) -> Input[T]:
    return Input(d.value, tuple(d.missing), lower_bound, d.note)


def _progression_on_chemotherapy(case: Case, response: ResponseResult | None) -> Input[bool]:
    """Oslo's "progressive disease on chemotherapy": RECIST 1.1 on the restaging series when it
    gives a category; otherwise the best response recorded for the latest systemic treatment;
    no systemic treatment at all means no progression *on chemotherapy*."""
    if response is not None and response.category is not None:
        return Input(
            response.category == "PD", (), note=f"RECIST 1.1 on restaging: {response.category}."
        )
    if case.treatments is None:
        return Input(None, ("treatments",))
    systemic = [
        (i, t) for i, t in enumerate(case.treatments) if t.type in derived.SYSTEMIC_TREATMENT_TYPES
    ]
    if not systemic:
        return Input(False, (), note="No systemic treatment recorded.")
    i, latest = systemic[-1]
    if latest.best_response is None:
        missing: tuple[str, ...] = (f"treatments[{i}].best_response",)
        if response is not None:
            missing = (*missing, *response.missing)
        return Input(None, missing)
    return Input(
        latest.best_response == "PD",
        (),
        note=f"Best response of the latest systemic treatment (treatments[{i}]): "
        f"{latest.best_response}.",
    )


#: ``score_inputs(case)`` computes the response itself; ``None`` passed in means "computed: fewer
#: than 2 time points", which must not be computed again.
_NOT_GIVEN: Final = object()


def score_inputs(case: Case, response: ResponseResult | object | None = _NOT_GIVEN) -> ScoreInputs:
    """The score inputs of a case, from ``livermdt.case.derived``. Lesion number and size come
    from the current imaging (``liver_metastases.lesions``); disappeared lesions are not counted."""
    if response is _NOT_GIVEN:
        response = compute_response(case)
    assert response is None or isinstance(response, ResponseResult)
    count = derived.lesion_count(case)
    largest_d = derived.largest_lesion_mm(case)
    if count.value == 0:
        largest: Input[float] = Input(0.0, (), note="no lesion on current imaging")
    else:
        largest = _from_derived(largest_d, lower_bound=bool(largest_d.missing))

    labs_cea = case.labs.cea_ng_ml if case.labs else None
    cea: Input[float] = Input(labs_cea, () if labs_cea is not None else ("labs.cea_ng_ml",))

    kras = case.biomarkers.kras if case.biomarkers else None
    kras_in: Input[bool] = (
        Input(kras == "mutated")
        if kras in ("mutated", "wild_type")
        else Input(None, ("biomarkers.kras",))
    )
    ras = derived.ras_status(case)
    ras_in: Input[bool] = (
        Input(ras.value == "mutated", (), note=ras.note)
        if ras.value in ("mutated", "wild_type")
        else Input(None, ras.missing or ("biomarkers.kras", "biomarkers.nras"), note=ras.note)
    )

    ehd = case.extrahepatic_disease
    present = ehd.present if ehd else None
    ehd_in: Input[bool] = Input(
        present, () if present is not None else ("extrahepatic_disease.present",)
    )

    t_stage = case.primary.t_stage if case.primary else None
    serosal: Input[bool] = (
        Input(None, ("primary.t_stage",))
        if t_stage in (None, "Tx")
        else Input(t_stage in ("T4a", "T4b"), note=f"T stage {t_stage}")
    )

    timing = derived.metastasis_timing(case)
    synchronous: Input[bool] = (
        Input(None, timing.missing or ("liver_metastases.timing",), note=timing.note)
        if timing.value is None
        else Input(timing.value == "synchronous", note=timing.note)
    )
    if timing.value is None and case.liver_metastases and case.liver_metastases.timing:
        # "metachronous" given without dates: not synchronous, whatever early or late.
        synchronous = Input(case.liver_metastases.timing == "synchronous", note=timing.note)

    gone = case.liver_metastases.disappeared_lesion_ids if case.liver_metastases else None
    return ScoreInputs(
        node_positive=_from_derived(derived.node_positive(case)),
        dfi_months=_from_derived(derived.disease_free_interval_months(case)),
        lesion_count=_from_derived(count),
        largest_mm=largest,
        cea_ng_ml=cea,
        kras_mutated=kras_in,
        ras_mutated=ras_in,
        extrahepatic_disease=ehd_in,
        extrahepatic_resectable=ehd.resectable if ehd else None,
        age_years=_from_derived(derived.age_years(case)),
        serosal_invasion=serosal,
        synchronous=synchronous,
        months_since_primary_resection=_from_derived(derived.months_since_primary_resection(case)),
        progression_on_chemotherapy=_progression_on_chemotherapy(case, response),
        disappeared_lesions=len(gone or ()),
    )


def compute_scores(
    case: Case,
    thresholds: ThresholdTable | None = None,
    *,
    response: ResponseResult | object | None = _NOT_GIVEN,
) -> dict[str, ScoreResult]:
    """The eight assessment-v1 score blocks, keyed as the spec names them. ``response``: the
    case's ``compute_response`` result when the caller has it (``None`` included), so that it is
    not computed twice."""
    inputs = score_inputs(case, response)
    return {key: ScoreResult(**block(inputs, thresholds)) for key, block in _BLOCKS.items()}


def score_blocks(
    case: Case,
    thresholds: ThresholdTable | None = None,
    *,
    response: ResponseResult | object | None = _NOT_GIVEN,
) -> dict[str, ScoreBlock]:
    """``compute_scores`` as the JSON the assessment carries (``model_dump(mode="json")`` of each
    block), without building the models: what the engine reads."""
    inputs = score_inputs(case, response)
    return {key: block(inputs, thresholds) for key, block in _BLOCKS.items()}
