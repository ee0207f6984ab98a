"""Strategy when the disease is not resectable today, and systemic therapy by biomarker (A5), with
the response rules that change it (A9).

The first matching biomarker line decides the first-line biologic: dMMR before BRAF V600E before
RAS and sidedness. An EGFR antibody is never proposed without known RAS (and BRAF) status.
"""

from __future__ import annotations

from livermdt.engine.findings import Findings
from livermdt.engine.rules._common import th
from livermdt.engine.rules.local import ablation_for_unfit
from livermdt.engine.rules.surgery import Situation

ESMO = "esmo-2023-mcrc"
CAIRO5 = ("punt-2022-cairo5", "bond-2023-cairo5")


def setting(s: Situation) -> str | None:
    """'conversion', 'palliative', 'supportive' or ``None`` (resectable / undetermined)."""
    f = s.f
    if f.ecog is not None and f.ecog >= int(th("ecog_best_supportive_care_min")):
        return "supportive"
    if s.category == "unresectable":
        # An unfit patient whose every lesion can be ablated is treated locally first (A6).
        return None if ablation_for_unfit(s) else "palliative"
    if s.category == "potentially_resectable":
        if s.progression or s.tumour_barrier or not s.remnant_barrier:
            return "conversion"
        return None
    return None


def strategy(s: Situation) -> Findings:
    """A3/A5/A9: conversion chemotherapy for potentially resectable disease (a change of line after
    progression), palliative systemic therapy for unresectable disease, best supportive care at
    ECOG >= 3; re-staging every restaging_interval_weeks with MDT review during conversion."""
    out = Findings()
    f = s.f
    mode = setting(s)
    interval = int(th("restaging_interval_weeks"))
    max_interval = int(th("restaging_interval_max_weeks"))
    if mode == "supportive":
        out.rec(
            "best_supportive_care",
            "recommended",
            f"ECOG {f.ecog} (>= {int(th('ecog_best_supportive_care_min'))}): best supportive care.",
            ESMO,
        )
    elif mode == "palliative":
        line = (
            "a change of line"
            if s.progression
            else "first-line"
            if not f.chemo_lines
            else (f"line {f.chemo_lines + 1}")
        )
        out.rec(
            "palliative_systemic_therapy",
            "recommended",
            f"Unresectable disease: systemic therapy ({line}) chosen by biomarkers.",
            ESMO,
        )
    elif mode == "conversion":
        if s.progression:
            why = "Progression on current therapy: change to the next line, then re-stage."
            ev: tuple[str, ...] = ("adam-2004-progression", ESMO)
        else:
            why = (
                "Not resectable today: the most active regimen the patient tolerates, "
                "aiming at resection."
            )
            ev = ("adam-2004-conversion", *CAIRO5, ESMO)
        out.rec("conversion_chemotherapy", "recommended", why, *ev)
        out.rec(
            "restaging_imaging",
            "recommended",
            f"Re-stage every {interval} weeks (at most {max_interval}) during conversion therapy.",
            "huiskens-2015-cairo5-protocol",
            ESMO,
        )
        out.rec(
            "mdt_rediscussion",
            "recommended",
            "Review resectability at each restaging; resect as soon as it becomes possible.",
            "huiskens-2015-cairo5-protocol",
            "preop-chemo-duration-review",
        )
    elif s.category == "potentially_resectable" and not f.chemo_lines:
        out.rec(
            "conversion_chemotherapy",
            "consider",
            "Chemotherapy-naive disease whose only barrier is the remnant: systemic therapy "
            "while the remnant grows is an option to weigh.",
            "shindoh-2013-pve",
            ESMO,
        )
    if s.category == "undetermined":
        out.rec(
            "mdt_rediscussion",
            "recommended",
            "The data that decide resectability are missing (see missing data): obtain them "
            "and re-discuss.",
            "ahpba-2006-resectability",
            ESMO,
        )
    return out


def biomarker_testing(s: Situation) -> Findings:
    """A5: RAS status unknown -> biomarker testing recommended (also BRAF and MMR, which decide the
    first-line biologic and transplant eligibility)."""
    out = Findings()
    f = s.f
    unknown: list[str] = []
    if f.ras == "unknown":
        unknown.append("RAS")
        for path, value in (("biomarkers.kras", f.kras), ("biomarkers.nras", f.nras)):
            if value in (None, "unknown"):
                out.need(path, "RAS status decides whether an EGFR antibody can be used")
    if f.braf in (None, "unknown"):
        unknown.append("BRAF")
        out.need(
            "biomarkers.braf",
            "BRAF V600E changes first-line therapy and excludes transplantation",
        )
    if f.mmr in (None, "unknown"):
        unknown.append("MMR/MSI")
        out.need("biomarkers.mmr", "dMMR/MSI-high tumours are treated with immunotherapy first")
    if unknown:
        out.rec(
            "biomarker_testing",
            "recommended",
            f"{', '.join(unknown)} status unknown: test before choosing systemic therapy "
            "(no EGFR antibody without known RAS status).",
            ESMO,
        )
    return out


def biologics(s: Situation) -> Findings:
    """A5: the first-line (or later-line) regimen by biomarker, for the conversion and palliative
    settings; ECOG 2 -> no triplet; ECOG >= 3 -> immune checkpoint inhibitor at most consider
    (dMMR)."""
    out = Findings()
    f = s.f
    mode = setting(s)
    dmmr = f.mmr == "deficient"
    icis = ("diaz-2022-keynote177", "andre-2024-checkmate8hw", "andre-2025-checkmate8hw")
    if mode == "supportive":
        if dmmr:
            out.rec(
                "immune_checkpoint_inhibitor",
                "consider",
                "dMMR/MSI-high: immunotherapy may still help despite the poor performance status.",
                *icis,
            )
        return out
    if mode is None:
        return out
    later = f.chemo_lines >= 1
    ecog = f.ecog
    max_triplet = int(th("ecog_triplet_max"))
    triplet_ok: bool | None = None if ecog is None else ecog <= max_triplet
    conversion = mode == "conversion"
    if ecog is None:
        out.need("patient.ecog", "ECOG decides whether triplet chemotherapy is possible")
    elif not triplet_ok:
        out.rec(
            "triplet_chemotherapy",
            "not_recommended",
            f"ECOG {ecog} (> {max_triplet}): no triplet chemotherapy.",
            ESMO,
            *CAIRO5,
        )

    def backbone(bevacizumab: bool, egfr_possible: bool) -> None:
        """Doublet or triplet, bevacizumab or not."""
        if conversion and triplet_ok and not egfr_possible:
            out.rec(
                "triplet_chemotherapy",
                "recommended",
                "Conversion: FOLFOXIRI gave higher response and resection rates (CAIRO5).",
                *CAIRO5,
            )
            out.rec(
                "doublet_chemotherapy",
                "consider",
                "FOLFOX/FOLFIRI if the triplet is not tolerated.",
                ESMO,
                *CAIRO5,
            )
        else:
            out.rec(
                "doublet_chemotherapy",
                "recommended",
                "FOLFOX, CAPOX or FOLFIRI as the chemotherapy backbone.",
                ESMO,
            )
            if triplet_ok and not egfr_possible:
                out.rec(
                    "triplet_chemotherapy",
                    "consider",
                    "FOLFOXIRI for a fit patient when response matters.",
                    *CAIRO5,
                )
        if bevacizumab:
            out.rec(
                "bevacizumab",
                "recommended",
                "Bevacizumab with the chemotherapy backbone.",
                ESMO,
                *CAIRO5,
            )

    if dmmr:
        out.rec(
            "immune_checkpoint_inhibitor",
            "recommended",
            "dMMR/MSI-high: immune checkpoint inhibitor" + (" (first line)." if not later else "."),
            *icis,
        )
    elif f.braf == "v600e":
        if later:
            out.rec(
                "encorafenib_cetuximab",
                "recommended",
                "BRAF V600E after a first line: encorafenib + cetuximab.",
                "beacon-braf-later-line",
                ESMO,
            )
        else:
            out.rec(
                "encorafenib_cetuximab",
                "recommended",
                "BRAF V600E: encorafenib + cetuximab with mFOLFOX6 first line (BREAKWATER).",
                "elez-2025-breakwater",
            )
            out.rec(
                "doublet_chemotherapy",
                "recommended",
                "mFOLFOX6 with encorafenib + cetuximab (BREAKWATER).",
                "elez-2025-breakwater",
            )
            if triplet_ok:
                out.rec(
                    "triplet_chemotherapy",
                    "consider",
                    "FOLFOXIRI + bevacizumab is the alternative first line for BRAF V600E.",
                    ESMO,
                )
                out.rec(
                    "bevacizumab",
                    "consider",
                    "With FOLFOXIRI as the alternative first line for BRAF V600E.",
                    ESMO,
                )
    elif f.ras == "mutated":
        backbone(bevacizumab=True, egfr_possible=False)
        out.rec(
            "anti_egfr",
            "not_recommended",
            "RAS-mutated tumours do not benefit from EGFR antibodies.",
            ESMO,
        )
    elif f.ras == "unknown" or f.braf in (None, "unknown"):
        backbone(bevacizumab=False, egfr_possible=False)
        out.rec(
            "bevacizumab",
            "consider",
            "Bevacizumab can be given whatever the RAS status.",
            ESMO,
        )
        what = "RAS" if f.ras == "unknown" else "BRAF"
        out.rec(
            "anti_egfr",
            "not_recommended",
            f"{what} status unknown: no EGFR antibody until RAS and BRAF are known.",
            ESMO,
        )
    elif f.sidedness == "left":
        backbone(bevacizumab=False, egfr_possible=True)
        out.rec(
            "anti_egfr",
            "recommended",
            "RAS and BRAF wild type, left-sided primary: doublet + EGFR antibody (PARADIGM).",
            "watanabe-2023-paradigm",
            ESMO,
        )
        out.rec(
            "bevacizumab",
            "consider",
            "Acceptable alternative: in liver-limited disease bevacizumab converted as well as "
            "panitumumab with less toxicity (CAIRO5).",
            "bond-2023-cairo5",
        )
    else:
        side = "right-sided primary" if f.sidedness == "right" else "sidedness unknown"
        if f.sidedness is None:
            out.need_all(
                s.f.miss("sidedness") or ("primary.sidedness",),
                "left-sided RAS wild-type tumours benefit from EGFR antibodies",
            )
        backbone(bevacizumab=True, egfr_possible=False)
        out.rec(
            "anti_egfr",
            "consider",
            f"RAS wild type, {side}: an EGFR antibody is at most an option.",
            "watanabe-2023-paradigm",
            ESMO,
        )
    if later:
        if f.her2 == "amplified" and f.ras == "wild_type":
            out.rec(
                "her2_targeted_therapy",
                "recommended",
                "HER2-amplified, RAS wild type, after a first line: HER2-targeted therapy.",
                "mountaineer-her2",
                "destiny-crc02-her2",
                "heracles-a-her2",
            )
        if (f.kras_variant or "").upper().replace("P.", "") == "G12C":
            out.rec(
                "kras_g12c_inhibitor",
                "recommended",
                "KRAS G12C after a first line: G12C inhibitor with an EGFR antibody.",
                "codebreak300-sotorasib",
                "krystal-adagrasib",
                "oncologist-2023-kras-g12c",
            )
        if f.ntrk == "present":
            out.rec(
                "ntrk_inhibitor",
                "recommended",
                "NTRK fusion: larotrectinib or entrectinib.",
                "ntrk-tumour-agnostic",
            )
    return out


def disappeared_lesions(s: Situation) -> Findings:
    """A9: lesions that disappeared on chemotherapy -> gadoxetic-acid liver MRI before surgery, and
    plan to treat their sites."""
    out = Findings()
    ids = s.f.disappeared_ids
    if not ids:
        return out
    out.rec(
        "liver_mri",
        "recommended",
        f"Lesion(s) {', '.join(ids)} disappeared on chemotherapy: gadoxetic-acid MRI before "
        "surgery, and plan to treat their sites (most are not complete responses).",
        "auer-2010-dlm",
        "ejso-2023-dlm",
        "wjso-2020-dlm",
    )
    return out


def liver_directed_later_line(s: Situation) -> Findings:
    """A6: HAI, radioembolisation and TACE at most ``consider``, for liver-only disease after
    first-line progression (SIRT per EPOCH; HAI at expert centres)."""
    out = Findings()
    f = s.f
    if s.category not in {"unresectable", "potentially_resectable"}:
        return out
    if f.ecog is not None and f.ecog >= int(th("ecog_best_supportive_care_min")):
        return out
    progressed = (f.response or {}).get("category") == "PD" or f.last_systemic_best_response == "PD"
    if f.extrahepatic_present is not False or f.chemo_lines < 1 or not progressed:
        return out
    lines = f"after {f.chemo_lines} line{'s' if f.chemo_lines > 1 else ''} with progression"
    out.rec(
        "radioembolization",
        "consider",
        f"Liver-only disease {lines}: radioembolisation with second-line chemotherapy improved "
        "progression-free survival (EPOCH).",
        "mulcahy-2021-epoch",
    )
    out.rec(
        "hepatic_arterial_infusion",
        "consider",
        f"Liver-only disease {lines}: hepatic arterial infusion at an expert centre.",
        "mskcc-hai-practice",
    )
    out.rec(
        "transarterial_chemoembolization",
        "consider",
        f"Liver-only disease {lines}: irinotecan-loaded beads (DEBIRI) in selected patients.",
        "fiorentini-2012-debiri",
    )
    return out
