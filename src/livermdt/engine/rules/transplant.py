"""Transplantation screening (Part A, A10 with Part C C2): TransMet inclusion, with pMMR added as a
livermdt policy (not a TransMet criterion, and labelled so). The Oslo score is reported alongside.
"""

from __future__ import annotations

from dataclasses import dataclass

from livermdt.engine.findings import Findings
from livermdt.engine.rules._common import POLICY, num, th
from livermdt.engine.rules.surgery import Situation

TRANSMET = "transmet-2024"
WEEKS_PER_MONTH = 30.4375 / 7


@dataclass(frozen=True)
class Criterion:
    name: str
    met: bool | None
    text: str
    missing: tuple[str, ...] = ()


def criteria(s: Situation) -> list[Criterion]:
    """The screening criteria, each met / not met / unknown, in TransMet order."""
    f = s.f
    out: list[Criterion] = []
    lo, hi = int(th("transplant_min_age")), int(th("transplant_max_age"))
    age = f.age_years
    out.append(
        Criterion(
            "age",
            None if age is None else lo <= age <= hi,
            f"age {age if age is not None else 'unknown'} ({lo}-{hi})",
            ("patient.age_years",) if age is None else (),
        )
    )
    max_ecog = int(th("transplant_max_ecog"))
    out.append(
        Criterion(
            "ecog",
            None if f.ecog is None else f.ecog <= max_ecog,
            f"ECOG {f.ecog if f.ecog is not None else 'unknown'} (0-{max_ecog})",
            ("patient.ecog",) if f.ecog is None else (),
        )
    )
    out.append(
        Criterion(
            "liver_only",
            None if f.extrahepatic_present is None else not f.extrahepatic_present,
            "liver-only disease"
            if f.extrahepatic_present is False
            else "extrahepatic disease"
            if f.extrahepatic_present
            else "extrahepatic status unknown",
            ("extrahepatic_disease.present",) if f.extrahepatic_present is None else (),
        )
    )
    out.append(
        Criterion(
            "primary_resected",
            None if f.primary_status is None else f.primary_status == "resected",
            f"primary {(f.primary_status or 'status unknown').replace('_', ' ')}",
            ("primary.status",) if f.primary_status is None else (),
        )
    )
    braf = f.braf if f.braf not in (None, "unknown") else None
    out.append(
        Criterion(
            "braf_not_mutated",
            None if braf is None else braf == "wild_type",
            f"BRAF {(braf or 'unknown').replace('_', ' ')}",
            ("biomarkers.braf",) if braf is None else (),
        )
    )
    min_months = th("transplant_min_chemo_months")
    weeks = f.chemo_weeks_total
    months = None if weeks is None else weeks / WEEKS_PER_MONTH
    recist = (f.response or {}).get("category")
    resp = recist if isinstance(recist, str) else f.last_systemic_best_response
    responding = None if resp is None else resp in {"CR", "PR", "SD"}
    enough = None if months is None else months >= min_months
    met = None if (responding is None or enough is None) else (responding and enough)
    if responding is False or enough is False:
        met = False
    miss: list[str] = []
    if weeks is None:
        miss.append("treatments")
    if resp is None:
        miss.append("restaging")
    shown = "unknown" if months is None else f"{months:.1f}"
    out.append(
        Criterion(
            "response_on_chemotherapy",
            met,
            f"response {resp or 'unknown'} after {shown} months of chemotherapy "
            f"(response or stable disease after >= {num(min_months)} months)",
            tuple(miss),
        )
    )
    max_lines = int(th("transplant_max_lines"))
    out.append(
        Criterion(
            "lines",
            f.chemo_lines <= max_lines,
            f"{f.chemo_lines} line(s) of chemotherapy (<= {max_lines})",
        )
    )
    out.append(_cea(s))
    out.append(
        Criterion(
            "pmmr_policy",
            None if f.mmr in (None, "unknown") else f.mmr == "proficient",
            f"MMR {(f.mmr or 'unknown')} (livermdt policy, not a TransMet criterion: dMMR "
            "disease goes to immunotherapy first)",
            ("biomarkers.mmr",) if f.mmr in (None, "unknown") else (),
        )
    )
    return out


def _cea(s: Situation) -> Criterion:
    f = s.f
    limit = th("transplant_cea_ng_ml")
    fall = th("transplant_cea_fall_fraction")
    cea, peak = f.cea_ng_ml, f.cea_max_ng_ml
    if cea is None:
        return Criterion("cea", None, "CEA unknown", ("labs.cea_ng_ml",))
    fallen = peak is not None and peak > 0 and (peak - cea) / peak >= fall
    met = cea < limit or fallen
    peak_txt = f", maximum {num(peak)}" if peak is not None and peak > cea else ""
    return Criterion(
        "cea",
        met,
        f"CEA {num(cea)} ng/mL{peak_txt} (< {num(limit)} or fallen by >= {fall:.0%} from its "
        "maximum)",
    )


def transplant(s: Situation) -> Findings:
    """A10: all criteria met -> ``liver_transplant_evaluation`` recommended (Oslo score <=
    oslo_high_min) or consider (higher or unknown Oslo score); a BRAF mutation or
    extrahepatic disease -> not_recommended."""
    out = Findings()
    f = s.f
    if s.category != "unresectable":
        return out
    crits = criteria(s)
    oslo = f.score("oslo_score")
    oslo_txt = f"Oslo score {int(oslo)}/4" if oslo is not None else "Oslo score incomplete"
    excluded = [c for c in crits if c.name in {"liver_only", "braf_not_mutated"} and c.met is False]
    if excluded:
        out.rec(
            "liver_transplant_evaluation",
            "not_recommended",
            "Not a transplant candidate: "
            + "; ".join(c.text for c in excluded)
            + " (TransMet excluded both).",
            TRANSMET,
        )
        return out
    failed = [c for c in crits if c.met is False]
    unknown = [c for c in crits if c.met is None]
    if not failed and not unknown:
        strong = oslo is not None and oslo < th("oslo_high_min")
        out.rec(
            "liver_transplant_evaluation",
            "recommended" if strong else "consider",
            "Meets TransMet inclusion ("
            + "; ".join(c.text for c in crits)
            + f"); {oslo_txt}. Refer for transplant assessment; unresectability is confirmed "
            "by an expert panel.",
            TRANSMET,
            "dueland-2015-oslo",
            POLICY,
        )
        out.rec(
            "pet_ct",
            "recommended",
            "Transplant screening requires extrahepatic disease excluded on CT and PET-CT.",
            TRANSMET,
            "wjgs-2021-seca2",
        )
        return out
    if not failed and unknown:
        for c in unknown:
            out.need_all(c.missing, f"transplant screening (TransMet): {c.name.replace('_', ' ')}")
        return out
    if len(failed) == 1 and failed[0].name == "cea" and not unknown:
        limit = th("transplant_cea_ng_ml")
        peak = f.cea_max_ng_ml
        half = (peak or 0.0) * (1 - th("transplant_cea_fall_fraction"))
        condition = f"<= {num(round(half, 1))}" if half >= limit else f"< {num(limit)}"
        out.change(
            "labs.cea_ng_ml",
            condition,
            "transplant screening criteria are met (TransMet)",
        )
    return out
