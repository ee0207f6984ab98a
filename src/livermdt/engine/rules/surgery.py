"""Strategy for resectable disease (A4), the hepatectomy itself and its qualifiers (A3, A12),
remnant augmentation and staged strategies (A7), synchronous sequencing (A8).

Rules here read the facts, the surgical picture and the category decided from the resectability
rules (:class:`Situation`).
"""

from __future__ import annotations

from dataclasses import dataclass

from livermdt.engine.facts import Facts
from livermdt.engine.findings import Findings
from livermdt.engine.model import Category, Strength
from livermdt.engine.rules._common import POLICY, Picture, holds, num, pct, th

ESMO = "esmo-2023-mcrc"
AHPBA = "ahpba-2006-resectability"


@dataclass(frozen=True)
class Situation:
    f: Facts
    pic: Picture
    category: Category
    reason_codes: frozenset[str]

    @property
    def progression(self) -> bool:
        return bool({"progression_on_therapy", "progression_after_pve"} & self.reason_codes)

    @property
    def remnant_barrier(self) -> bool:
        return bool(
            {"flr_insufficient", "kgr_insufficient", "flr_function_insufficient"}
            & self.reason_codes
        )

    @property
    def tumour_barrier(self) -> bool:
        return "resection_leaves_disease" in self.reason_codes and self.pic.clears is False


def hepatectomy_strength(s: Situation) -> tuple[Strength, str] | None:
    """The strength of ``hepatectomy`` and why; ``None`` when it is not part of the proposal."""
    if s.category == "resectable":
        return "recommended", "All known liver disease can be cleared with an adequate remnant."
    if s.category == "unresectable":
        return "not_recommended", "The disease is unresectable (see the reasons)."
    if s.category == "undetermined":
        return None
    if s.progression:
        return (
            "not_recommended",
            "Not now: the disease progressed; re-stage and re-discuss after a change of therapy.",
        )
    if s.remnant_barrier and not s.tumour_barrier:
        return (
            "consider",
            "Once the remnant is adequate after augmentation (re-measure before deciding).",
        )
    return "consider", "If systemic therapy makes all disease resectable with an adequate remnant."


def hepatectomy(s: Situation) -> Findings:
    """A3: ``hepatectomy`` accompanies every proposed resection; it is never recommended while the
    remnant is inadequate, extrahepatic disease unresectable, or the patient unfit."""
    out = Findings()
    decided = hepatectomy_strength(s)
    if decided is None:
        return out
    strength, why = decided
    ev: tuple[str, ...] = (AHPBA, ESMO)
    if "progression_on_therapy" in s.reason_codes:
        ev = ("adam-2004-progression", *ev)
    if "progression_after_pve" in s.reason_codes:
        ev = ("simoneau-2012-pve-progression", *ev)
    out.rec("hepatectomy", strength, why, *ev)
    return out


def resectable_strategy(s: Situation) -> Findings:
    """A4: Fong >= fong_high_risk_min -> perioperative oxaliplatin doublet recommended; 0-2 ->
    upfront hepatectomy recommended, perioperative consider. EGFR antibodies not_recommended
    with perioperative chemotherapy for resectable disease (New EPOC)."""
    out = Findings()
    if s.category != "resectable":
        return out
    f = s.f
    high = int(th("fong_high_risk_min"))
    fong = f.score("fong_crs")
    fong_ev = ("fong-1999-crs", "mann-2004-fong-validation")
    periop_ev = ("nordlinger-2008-eortc40983", "nordlinger-2013-eortc40983", ESMO)
    if fong is None:
        missing = f.score_missing("fong_crs")
        out.rec(
            "upfront_hepatectomy",
            "consider",
            f"The Fong score is incomplete, so the choice between upfront surgery (Fong < {high}) "
            "and perioperative chemotherapy cannot be made yet.",
            *fong_ev,
            ESMO,
        )
        out.rec(
            "perioperative_chemotherapy",
            "consider",
            f"Recommended when the Fong score is >= {high}; the score is incomplete.",
            *periop_ev,
            *fong_ev,
        )
        out.need_all(missing, f"the Fong score (>= {high} = high risk) chooses the strategy")
    elif fong >= high:
        months = num(th("perioperative_chemo_months_each_side"))
        out.rec(
            "perioperative_chemotherapy",
            "recommended",
            f"Fong clinical risk score {int(fong)} (>= {high}, high risk): oxaliplatin doublet "
            f"(FOLFOX or CAPOX) for about {months} months before and {months} after the resection.",
            *periop_ev,
            *fong_ev,
        )
        out.rec(
            "doublet_chemotherapy",
            "recommended",
            "FOLFOX or CAPOX as the perioperative regimen (EORTC 40983).",
            *periop_ev,
        )
    else:
        out.rec(
            "upfront_hepatectomy",
            "recommended",
            f"Fong clinical risk score {int(fong)} (< {high}, low risk): resect first.",
            *fong_ev,
            "allard-2019-periop-vs-adjuvant",
            ESMO,
        )
        out.rec(
            "perioperative_chemotherapy",
            "consider",
            f"Fong {int(fong)} (< {high}): perioperative FOLFOX/CAPOX improved progression-free "
            "but not overall survival (EORTC 40983); an option to weigh.",
            *periop_ev,
        )
        if fong == high - 1:
            # One more risk factor would change the strategy: name the boundary.
            out.change(
                "scores.fong_crs",
                f">= {high}",
                "perioperative chemotherapy becomes the recommended strategy",
            )
    ras = f.ras
    out.rec(
        "anti_egfr",
        "not_recommended",
        "No EGFR antibody with perioperative chemotherapy for resectable disease: adding "
        "cetuximab worsened survival in New EPOC"
        + (" (RAS wild type)." if ras == "wild_type" else f" (and RAS status is {ras})."),
        "primrose-2014-new-epoc",
        "bridgewater-2020-new-epoc",
    )
    return out


def qualifiers(s: Situation) -> Findings:
    """A12: a previous hepatectomy makes the resection a ``repeat_hepatectomy`` (same criteria,
    same strength); a minor resection away from major vessels may be laparoscopic (OSLO-COMET;
    livermdt choice where Part A is silent)."""
    out = Findings()
    decided = hepatectomy_strength(s)
    if decided is None or decided[0] == "not_recommended":
        return out
    strength, _ = decided
    f = s.f
    if f.previous_hepatectomy:
        out.rec(
            "repeat_hepatectomy",
            strength,
            "A previous hepatectomy is recorded: this resection is a repeat hepatectomy, judged "
            "by the same criteria.",
            AHPBA,
            POLICY,
        )
    central = {"main_portal_vein", "inferior_vena_cava", "biliary_confluence"}
    near_vessels = any(les.vascular_contact for les in f.lesions)
    if (
        s.pic.major is False
        and not near_vessels
        and not f.previous_hepatectomy
        and strength == "recommended"
        and not any(les.vascular_contact & central for les in f.lesions)
    ):
        out.rec(
            "laparoscopic_hepatectomy",
            "consider",
            "Minor parenchyma-sparing resection without vascular contact: laparoscopy had fewer "
            "complications and a shorter stay than open surgery (OSLO-COMET).",
            "fretland-2018-oslo-comet",
        )
    return out


def augmentation(s: Situation) -> Findings:
    """A7: PVE when the remnant is short for a plan that clears all disease (LVD consider);
    two-stage hepatectomy for bilobar disease with lesions in the remnant and an inadequate
    remnant; ALPPS at most consider (age <= alpps_max_age, normal liver, after failed PVE);
    progression after PVE -> re-stage and re-discuss."""
    out = Findings()
    f, pic = s.f, s.pic
    if s.category in {"unresectable", "undetermined"}:
        return out
    if "progression_after_pve" in s.reason_codes:
        out.rec(
            "restaging_imaging",
            "recommended",
            "Tumour progressed after portal vein occlusion: re-stage (CT chest-abdomen, liver "
            "MRI) before any decision.",
            "simoneau-2012-pve-progression",
            "heil-2021-pvo-lvd",
        )
        out.rec(
            "mdt_rediscussion",
            "recommended",
            "Progression after portal vein occlusion changes the plan: re-discuss.",
            "heil-2021-pvo-lvd",
        )
        return out
    if s.progression or not s.remnant_barrier or pic.function_bars_major:
        return out
    sflr, required = f.sflr, f.required_sflr
    shortfall = (
        f" (sFLR {pct(sflr)}, {pct(required)} needed)"
        if sflr is not None and required is not None
        else ""
    )
    if pic.residual and pic.residual_ablatable is False:
        if f.bilobar is not False:
            out.rec(
                "two_stage_hepatectomy",
                "recommended",
                "Lesions in the future remnant and an inadequate remnant"
                f"{shortfall}: first stage clears the remnant, then portal vein embolisation, "
                "then the major resection.",
                "bednarsch-2020-alpps-tsh",
                "shindoh-2013-pve",
            )
        return out
    if not f.pve_done:
        out.rec(
            "portal_vein_embolization",
            "recommended",
            f"The planned resection clears all disease but the remnant is too small{shortfall}: "
            "embolise to grow it, re-measure after 3-4 weeks.",
            "shindoh-2013-pve",
            "shindoh-2013-kgr",
            "hbsn-2019-pve",
        )
        out.rec(
            "liver_venous_deprivation",
            "consider",
            "Where faster growth is needed (large deficit, chemotherapy-injured liver): "
            "portal and hepatic vein embolisation together.",
            "heil-2021-pvo-lvd",
        )
        return out
    # Remnant still inadequate after PVE / LVD / ALPPS stage 1.
    if f.pve_procedure == "pve":
        out.rec(
            "liver_venous_deprivation",
            "consider",
            "The remnant grew too little after PVE: adding hepatic vein embolisation may "
            "accelerate growth.",
            "heil-2021-pvo-lvd",
        )
    below = int(th("alpps_max_age"))
    if f.pve_procedure != "alpps_stage1":
        if f.age_years is None:
            out.need("patient.age_years", f"ALPPS is an option only below age {below}")
        elif not holds("alpps_max_age", f.age_years):
            out.rec(
                "alpps",
                "not_recommended",
                f"Age {f.age_years} (>= {below}): ALPPS mortality rises with age.",
                "alpps-registry-age",
                "wjg-alpps-review",
            )
        elif f.background == "normal":
            out.rec(
                "alpps",
                "consider",
                f"Failed portal vein embolisation, age {f.age_years} (< {below}), normal "
                "liver: rescue ALPPS achieved resection in most patients.",
                "rescue-alpps-series",
                "wjg-alpps-review",
                "alpps-registry-age",
            )
        elif f.background is None:
            out.need("liver.background", "ALPPS needs a good-quality liver")
    return out


def synchronous(s: Situation) -> Findings:
    """A8: primary in situ. Symptomatic -> bowel first. Asymptomatic rectal primary, or a major
    hepatectomy / two-stage strategy -> liver first (never a major hepatectomy with a rectal
    resection). Asymptomatic colon primary, minor liver resection, fit patient -> simultaneous."""
    out = Findings()
    f, pic = s.f, s.pic
    if f.primary_status != "in_situ" or s.category not in {"resectable", "potentially_resectable"}:
        if f.primary_status is None and s.category in {"resectable", "potentially_resectable"}:
            out.need("primary.status", "a primary in situ changes the sequence of operations")
        return out
    ev = ("eahpba-2023-sequencing", "oncolther-2021-simultaneous")
    if f.symptomatic is True:
        out.rec(
            "bowel_first_approach",
            "recommended",
            "Symptomatic primary (obstruction, bleeding or perforation): treat the bowel first.",
            *ev,
        )
        return out
    if f.symptomatic is None:
        out.need("primary.symptomatic", "a symptomatic primary is treated first (A8)")
        return out
    staged = "two_stage_hepatectomy" if (s.remnant_barrier and pic.residual) else None
    if f.rectal is None:
        out.need("primary.site", "a rectal primary changes the sequence (A8)")
        return out
    if f.rectal or pic.major is True or staged:
        why = (
            "rectal primary"
            if f.rectal
            else ("major hepatectomy needed" if pic.major else "two-stage strategy")
        )
        out.rec(
            "liver_first_approach",
            "recommended",
            f"Asymptomatic primary, {why}: liver first after induction chemotherapy.",
            *ev,
        )
        if f.rectal and pic.major is True:
            out.rec(
                "simultaneous_resection",
                "not_recommended",
                "Never a major hepatectomy together with a rectal resection.",
                *ev,
            )
        return out
    if pic.major is None:
        out.need("volumetry.planned_resection", "a minor liver resection allows one operation")
        return out
    if f.fit_for_major_surgery is True:
        out.rec(
            "simultaneous_resection",
            "recommended",
            "Asymptomatic colon primary and a minor liver resection in a fit patient: one "
            "operation for both.",
            *ev,
        )
    else:
        out.rec(
            "simultaneous_resection",
            "consider",
            "Asymptomatic colon primary and a minor liver resection: one operation if the "
            "patient is fit for it (fitness not yet confirmed).",
            *ev,
        )
    return out


def resection_with_ablation(s: Situation) -> Findings:
    """A6: residual lesions outside the planned resection that can be ablated ->
    ``resection_with_ablation`` (part of the plan)."""
    out = Findings()
    pic = s.pic
    if not pic.residual or pic.residual_ablatable is not True:
        return out
    if s.category not in {"resectable", "potentially_resectable"} or s.progression:
        return out
    ids = ", ".join(
        f"{les.id}" + (f" ({num(les.diameter_mm)} mm)" if les.diameter_mm else "")
        for les in pic.residual
    )
    out.rec(
        "resection_with_ablation",
        "recommended" if s.category == "resectable" else "consider",
        f"Ablate {ids} outside the planned resection rather than enlarge it "
        f"(margin > {num(th('ablation_min_margin_mm'))} mm, ideally > "
        f"{num(th('ablation_ideal_margin_mm'))} mm).",
        "vanderlei-2025-collision",
        "nieuwenhuizen-2020-collision-consensus",
        "jvir-ablation-margin",
    )
    return out
