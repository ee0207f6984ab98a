"""The future liver remnant: BSA, TELV, sFLR, the required sFLR and remnant growth after PVE
(knowledge base A1, A2; Part B 2.1-2.3).

``compute_flr`` returns the assessment-v1 ``flr`` block. Nothing is guessed: a value that needs an
absent input is ``None`` and the input's case path is in ``missing``. The required sFLR is the one
exception that always has a value, because the 0.20 floor applies to every liver: when the liver
background or the chemotherapy history is unknown the value is what the known facts require,
``required_sflr_is_lower_bound`` is true, and the unknown fields are listed (docs/scores.md).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from livermdt.case import derived
from livermdt.case.model import Case
from livermdt.knowledge import ThresholdTable
from livermdt.scores import formulas
from livermdt.scores._common import Block, table_or_default, unique

BsaMethod = Literal["mosteller", "dubois"]
ReasonCode = Literal[
    "minimum_requirement",
    "normal_liver",
    "extensive_chemotherapy",
    "steatosis",
    "steatohepatitis",
    "sinusoidal_obstruction",
    "fibrosis",
    "cirrhosis",
]

_BSA_EVIDENCE: dict[str, str] = {"mosteller": "mosteller-1987-bsa", "dubois": "dubois-1916-bsa"}
_INJURED_BACKGROUNDS = ("steatosis", "steatohepatitis", "sinusoidal_obstruction")
_POLICY = "livermdt-2025-policy"


class RequiredSflrReason(Block):
    """One reason that sets a minimum sFLR (A2); the highest applicable one decides."""

    code: ReasonCode
    text: str
    required_sflr: float
    threshold: str
    evidence: list[str]


class RequiredSflr(Block):
    """The minimum sFLR for this liver (A2), and whether a major hepatectomy is barred."""

    value: float
    reasons: list[RequiredSflrReason]
    is_lower_bound: bool
    highest_possible: float
    major_hepatectomy_contraindicated: bool | None
    contraindication_reasons: list[str]
    missing: list[str]
    evidence: list[str]


class FlrResult(Block):
    """The assessment-v1 ``flr`` block plus how it was obtained. Fractions, unrounded."""

    bsa_m2: float | None
    bsa_method: BsaMethod
    telv_ml: float | None
    flr_volume_ml: float | None
    sflr: float | None
    required_sflr: float
    required_sflr_reasons: list[RequiredSflrReason]
    required_sflr_is_lower_bound: bool
    adequate: bool | None
    degree_of_hypertrophy: float | None
    kgr_per_week: float | None
    major_hepatectomy_contraindicated: bool | None
    missing: list[str]
    evidence: list[str]


def _reason(
    table: ThresholdTable, code: ReasonCode, text: str, threshold_name: str
) -> RequiredSflrReason:
    t = table[threshold_name]
    return RequiredSflrReason(
        code=code,
        text=text,
        required_sflr=t.value,
        threshold=threshold_name,
        evidence=list(t.evidence),
    )


def chemotherapy_window_days(thresholds: ThresholdTable | None = None) -> int:
    """The window in which chemotherapy counts towards "extensive" (A2), in days: the site's
    ``chemo_extensive_lookback_months`` at the case model's month of 30.4375 days,
    rounded (12 months: 365 days)."""
    months = table_or_default(thresholds)["chemo_extensive_lookback_months"].value
    return round(months * derived.DAYS_PER_MONTH)


def extensive_chemotherapy(
    exposure: derived.Derived[derived.ChemotherapyExposure],
    thresholds: ThresholdTable | None = None,
) -> bool | None:
    """A2: "extensive" chemotherapy in the 12 months before the discussion, against the site's
    thresholds ``chemo_extensive_weeks`` (dated courses) and ``chemo_extensive_cycles_2weekly`` /
    ``chemo_extensive_cycles_3weekly`` (courses without dates, by cycle length). Mixed courses add
    up as shares of their thresholds (7 weeks by dates and 3 of 6 2-weekly cycles are 7/12 + 3/6),
    in exact arithmetic, so the shipped thresholds (12 weeks = 6 x 2 weeks = 4 x 3 weeks) decide as
    "more than 84 days" does. ``None`` when uncounted courses could still make it extensive."""
    table = table_or_default(thresholds)
    chemo = exposure.value
    if chemo is None or chemo.days_dated is None:
        return None
    if not (chemo.days_dated or chemo.cycles_2weekly or chemo.cycles_3weekly):
        return None if exposure.missing else False
    weeks = table["chemo_extensive_weeks"]
    share = Fraction(chemo.days_dated, 7) / Fraction(weeks.value)
    for count, name in (
        (chemo.cycles_2weekly, "chemo_extensive_cycles_2weekly"),
        (chemo.cycles_3weekly, "chemo_extensive_cycles_3weekly"),
    ):
        if count:
            share += Fraction(count) / Fraction(table[name].value)
    if share > 1 or (weeks.operator == ">=" and share == 1):
        return True
    return None if exposure.missing else False


def required_sflr(case: Case, thresholds: ThresholdTable | None = None) -> RequiredSflr:
    """A2: 0.20 normal liver; 0.30 after extensive chemotherapy (more than 12 weeks in the 12
    months before the discussion) or with steatosis, steatohepatitis or sinusoidal obstruction;
    0.40 with fibrosis or compensated cirrhosis. The highest applicable value wins. Child-Pugh B/C
    or clinically significant portal hypertension: no major hepatectomy (3+ segments)."""
    table = table_or_default(thresholds)
    liver = case.liver
    background = liver.background if liver else None
    child_pugh = liver.child_pugh_class if liver else None
    portal_hypertension = liver.portal_hypertension if liver else None
    missing: list[str] = []
    reasons: list[RequiredSflrReason] = []

    if background is None:
        missing.append("liver.background")
    elif background == "normal":
        reasons.append(_reason(table, "normal_liver", "normal liver", "sflr_required_normal"))
    elif background in _INJURED_BACKGROUNDS:
        label = background.replace("_", " ")
        reasons.append(
            _reason(
                table,
                background,
                f"{label} (injured liver)",
                "sflr_required_extensive_chemo_or_injury",
            )
        )
    elif background == "fibrosis":
        reasons.append(
            _reason(table, "fibrosis", "liver fibrosis", "sflr_required_fibrosis_cirrhosis")
        )
    else:  # cirrhosis
        reasons.append(
            _reason(
                table,
                "cirrhosis",
                f"cirrhosis (Child-Pugh {child_pugh or 'class not given'})",
                "sflr_required_fibrosis_cirrhosis",
            )
        )

    exposure = derived.chemotherapy_exposure(case, chemotherapy_window_days(table))
    chemo = exposure.value
    extensive = extensive_chemotherapy(exposure, table)
    if extensive:
        weeks = chemo.weeks if chemo is not None and chemo.weeks is not None else 0.0
        basis = "from cycles" if chemo is not None and chemo.basis == "cycles" else "from dates"
        reasons.append(
            _reason(
                table,
                "extensive_chemotherapy",
                f"{weeks:.1f} weeks of chemotherapy in the "
                f"{table['chemo_extensive_lookback_months'].value:g} months before the discussion "
                f"({basis}; more than "
                f"{table['chemo_extensive_weeks'].value:g} weeks is extensive)",
                "sflr_required_extensive_chemo_or_injury",
            )
        )
    elif extensive is None:
        missing.extend(exposure.missing)

    floor = table["sflr_required_normal"].value
    if not reasons:
        reasons.append(
            _reason(
                table,
                "minimum_requirement",
                "minimum for any liver (liver background not given)",
                "sflr_required_normal",
            )
        )
    reasons.sort(key=lambda r: r.required_sflr, reverse=True)
    value = max(floor, reasons[0].required_sflr)

    highest = value
    if background is None:
        highest = max(highest, table["sflr_required_fibrosis_cirrhosis"].value)
    if extensive is None:
        highest = max(highest, table["sflr_required_extensive_chemo_or_injury"].value)

    contraindicated: bool | None
    why: list[str] = []
    if child_pugh in ("B", "C"):
        why.append(f"Child-Pugh class {child_pugh}")
    if portal_hypertension is True:
        why.append("clinically significant portal hypertension")
    if why:
        contraindicated = True
    else:
        contraindicated = False
        if portal_hypertension is None:
            contraindicated = None
            missing.append("liver.portal_hypertension")
        if background == "cirrhosis" and child_pugh is None:
            contraindicated = None
            missing.append("liver.child_pugh_class")

    evidence = unique(e for r in reasons for e in r.evidence)
    if extensive is not None or background is not None:
        evidence = unique([*evidence, *table["sflr_required_normal"].evidence])
    if contraindicated:
        evidence = unique([*evidence, _POLICY])
    return RequiredSflr(
        value=value,
        reasons=reasons,
        is_lower_bound=highest > value,
        highest_possible=highest,
        major_hepatectomy_contraindicated=contraindicated,
        contraindication_reasons=why,
        missing=unique(missing),
        evidence=evidence,
    )


def compute_flr(
    case: Case,
    *,
    bsa_method: BsaMethod = "mosteller",
    thresholds: ThresholdTable | None = None,
) -> FlrResult:
    """The ``flr`` block (A1, A2). ``adequate``: sFLR >= the required value and, after PVE, LVD
    or ALPPS stage 1 when the growth is computable, KGR >= 0.02 per week; ``None`` when missing
    data could change the answer."""
    table = table_or_default(thresholds)
    missing: list[str] = []
    evidence: list[str] = [_BSA_EVIDENCE[bsa_method], "vauthey-2002-telv"]

    patient = case.patient
    height = patient.height_cm if patient else None
    weight = patient.weight_kg if patient else None
    bsa: float | None = None
    telv: float | None = None
    if height is None:
        missing.append("patient.height_cm")
    if weight is None:
        missing.append("patient.weight_kg")
    if height is not None and weight is not None:
        if bsa_method == "mosteller":
            bsa = formulas.bsa_mosteller(height, weight)
        else:
            bsa = formulas.bsa_dubois(height, weight)
        telv = formulas.telv_vauthey(bsa)

    flr_volume = case.volumetry.flr_volume_ml if case.volumetry else None
    sflr: float | None = None
    if flr_volume is None:
        missing.append("volumetry.flr_volume_ml")
    elif telv is not None:
        sflr = formulas.standardised_flr(flr_volume, telv)
    evidence.append("vauthey-2000-sflr")

    required = required_sflr(case, table)
    missing.extend(required.missing)
    evidence.extend(required.evidence)

    dh: float | None = None
    kgr: float | None = None
    kgr_ok: bool | None = None
    pve = case.pve
    if pve is not None:
        evidence.append("shindoh-2013-kgr")
        before, after, days = (
            pve.flr_volume_before_ml,
            pve.flr_volume_after_ml,
            pve.days_to_followup_scan,
        )
        for path, value in (
            ("pve.flr_volume_before_ml", before),
            ("pve.flr_volume_after_ml", after),
            ("pve.days_to_followup_scan", days),
        ):
            if value is None:
                missing.append(path)
        if before is not None and after is not None and telv is not None:
            dh = formulas.degree_of_hypertrophy(before, after, telv)
            if days is not None:
                kgr = formulas.kinetic_growth_rate(dh, days)
                kgr_ok = table["kgr_min_per_week"].holds(kgr)

    volume_ok: bool | None
    if sflr is None:
        volume_ok = None
    elif sflr < required.value:
        volume_ok = False
    elif sflr >= required.highest_possible:
        volume_ok = True
    else:
        volume_ok = None
    adequate: bool | None
    if volume_ok is False or kgr_ok is False:
        adequate = False
    elif volume_ok is None:
        adequate = None
    else:
        adequate = True

    return FlrResult(
        bsa_m2=bsa,
        bsa_method=bsa_method,
        telv_ml=telv,
        flr_volume_ml=flr_volume,
        sflr=sflr,
        required_sflr=required.value,
        required_sflr_reasons=required.reasons,
        required_sflr_is_lower_bound=required.is_lower_bound,
        adequate=adequate,
        degree_of_hypertrophy=dh,
        kgr_per_week=kgr,
        major_hepatectomy_contraindicated=required.major_hepatectomy_contraindicated,
        missing=unique(missing),
        evidence=unique(evidence),
    )
