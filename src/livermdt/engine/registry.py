"""The rule registry: every rule with the Part A item it implements, its conditions, what it may
emit, the evidence it cites and the thresholds it reads. The engine runs rules from here, and
``docs/rules.md`` is generated from here, so the documentation cannot drift from the code.
"""

from __future__ import annotations

from livermdt.engine.findings import RuleSpec
from livermdt.engine.rules import local, resectability, surgery, systemic, transplant

R = RuleSpec

RESECTABILITY_RULES: tuple[RuleSpec, ...] = (
    R(
        "A3.disease_described",
        "A3",
        "Liver disease described",
        (
            "no lesion described -> undetermined (liver_metastases.lesions missing)",
            "a lesion without segments -> undetermined",
            "all lesions disappeared -> undetermined (their sites decide)",
        ),
        (
            "reason:lesions_not_described",
            "reason:lesion_segments_unknown",
            "reason:no_visible_lesions",
        ),
        ("ahpba-2006-resectability", "auer-2010-dlm", "eahpba-2023-synchronous"),
        (),
        resectability.disease_described,
    ),
    R(
        "A3.extrahepatic",
        "A3",
        "Extrahepatic disease",
        (
            "present and not resectable -> unresectable",
            "present, resectability not recorded -> undetermined",
            "presence not recorded -> undetermined",
        ),
        (
            "reason:extrahepatic_unresectable",
            "reason:extrahepatic_resectability_unknown",
            "reason:extrahepatic_status_unknown",
            "reason:extrahepatic_resectable",
        ),
        ("ahpba-2006-resectability", "esmo-2023-mcrc"),
        (),
        resectability.extrahepatic,
    ),
    R(
        "A3.anatomy",
        "A3",
        "Anatomical limits",
        (
            "lesions in all 8 Couinaud segments -> unresectable",
            "contact with all three hepatic veins, both portal pedicles or the main portal vein "
            "-> unresectable (the text names the surgeons' reconstruction judgement)",
        ),
        ("reason:all_segments_involved", "reason:vascular_involvement"),
        ("ahpba-2006-resectability",),
        (),
        resectability.anatomy,
    ),
    R(
        "A3.fitness",
        "A2, A3",
        "Fitness for the resection",
        (
            "ECOG >= ecog_best_supportive_care_min -> unresectable",
            "Child-Pugh B/C or portal hypertension and a major resection needed -> unresectable",
            "fit_for_major_surgery false and a major resection needed -> unresectable; "
            "a minor resection clears -> fit for it",
            "fitness not judged: ECOG <= ecog_fit_surgery_max counts as fit (the judgement is "
            "listed as missing); otherwise undetermined",
            "age alone never makes a patient unfit",
        ),
        (
            "reason:performance_status",
            "reason:liver_function_excludes_major",
            "reason:unfit_for_major_resection",
            "reason:fitness_not_judged",
        ),
        ("ahpba-2006-resectability", "esmo-2023-mcrc", "jso-2019-flr", "azoulay-cirrhosis-flr"),
        ("ecog_best_supportive_care_min", "ecog_fit_surgery_max", "major_hepatectomy_min_segments"),
        resectability.fitness,
    ),
    R(
        "A3.clearance",
        "A3, A6",
        "The plan clears all known disease",
        (
            "planned resection removes every lesion -> resectable",
            "lesions left outside the plan that can all be ablated -> resectable (with ablation)",
            "lesions left that cannot be ablated -> potentially resectable",
            "no plan and lesions in <= 2 segments -> a minor resection clears",
            "no plan and lesions in >= 3 segments -> undetermined (plan and volumetry missing)",
        ),
        (
            "reason:resection_clears_disease",
            "reason:resection_with_ablation_clears",
            "reason:resection_leaves_disease",
            "reason:no_planned_resection",
        ),
        ("ahpba-2006-resectability", "vanderlei-2025-collision", "esmo-2023-mcrc"),
        ("ablation_max_diameter_mm", "ablation_max_inr", "major_hepatectomy_min_segments"),
        resectability.clearance,
    ),
    R(
        "A2.remnant",
        "A2",
        "Adequate future liver remnant",
        (
            "sFLR >= required sFLR (0.20 normal / 0.30 extensive chemotherapy or steatosis / "
            "0.40 fibrosis, from livermdt.scores) and, after PVE/LVD/ALPPS, KGR >= "
            "kgr_min_per_week -> adequate",
            "sFLR < required -> potentially resectable; what_would_change gives the FLR volume "
            "(required x TELV, rounded up)",
            "HBS < hida_flr_clearance_min_pct_min_m2 -> functionally insufficient",
            "sFLR short by < sflr_margin_functional_assessment, or KGR low -> "
            "functional_liver_assessment recommended",
            "minor resection without volumetry -> adequate (livermdt choice)",
        ),
        (
            "reason:remnant_adequate",
            "reason:flr_insufficient",
            "reason:kgr_insufficient",
            "reason:flr_function_insufficient",
            "functional_liver_assessment",
        ),
        (
            "vauthey-2002-telv",
            "jso-2019-flr",
            "shindoh-2013-kgr",
            "degraaf-2010-hbs",
            "cieslak-2016-hbs",
            "mosteller-1987-bsa",
            "vauthey-2000-sflr",
            "kishi-2009-sflr",
            "shindoh-2013-chemo-flr",
        ),
        (
            "kgr_min_per_week",
            "hida_flr_clearance_min_pct_min_m2",
            "sflr_margin_functional_assessment",
            "minor_resection_max_segments",
        ),
        resectability.remnant,
    ),
    R(
        "A9.progression",
        "A3, A7, A9",
        "Progression on therapy or after PVE",
        (
            "RECIST PD on the restaging series (or PD as the latest treatment's best response) "
            "-> potentially resectable, no immediate hepatectomy",
            "tumour progression or new remnant lesions after PVE/LVD -> potentially resectable",
        ),
        ("reason:progression_on_therapy", "reason:progression_after_pve"),
        ("adam-2004-progression", "eisenhauer-2009-recist", "simoneau-2012-pve-progression"),
        (),
        resectability.progression,
    ),
)

PROPOSAL_RULES: tuple[RuleSpec, ...] = (
    R(
        "A3.hepatectomy",
        "A3",
        "Hepatectomy",
        (
            "resectable -> recommended",
            "unresectable -> not_recommended",
            "progression -> not_recommended now",
            "potentially resectable -> consider (after augmentation or conversion)",
            "never recommended with an inadequate remnant, unresectable extrahepatic disease or "
            "an unfit patient",
        ),
        ("hepatectomy",),
        ("ahpba-2006-resectability", "esmo-2023-mcrc", "adam-2004-progression"),
        (),
        surgery.hepatectomy,
    ),
    R(
        "A4.strategy",
        "A4",
        "Resectable disease: upfront surgery or perioperative chemotherapy",
        (
            "Fong >= fong_high_risk_min -> perioperative_chemotherapy + doublet recommended",
            "Fong < fong_high_risk_min -> upfront_hepatectomy recommended, perioperative consider",
            "Fong incomplete -> both consider, inputs listed as missing",
            "EGFR antibody not_recommended (New EPOC), whatever the RAS status",
        ),
        ("upfront_hepatectomy", "perioperative_chemotherapy", "doublet_chemotherapy", "anti_egfr"),
        (
            "fong-1999-crs",
            "mann-2004-fong-validation",
            "nordlinger-2008-eortc40983",
            "nordlinger-2013-eortc40983",
            "allard-2019-periop-vs-adjuvant",
            "primrose-2014-new-epoc",
            "bridgewater-2020-new-epoc",
            "esmo-2023-mcrc",
        ),
        ("fong_high_risk_min", "perioperative_chemo_months_each_side"),
        surgery.resectable_strategy,
    ),
    R(
        "A12.qualifiers",
        "A12",
        "Repeat and laparoscopic hepatectomy",
        (
            "previous hepatectomy -> repeat_hepatectomy with the strength of hepatectomy",
            "minor resection, no vascular contact, no previous hepatectomy -> "
            "laparoscopic_hepatectomy consider (OSLO-COMET; livermdt choice)",
        ),
        ("repeat_hepatectomy", "laparoscopic_hepatectomy"),
        ("ahpba-2006-resectability", "fretland-2018-oslo-comet", "livermdt-2025-policy"),
        (),
        surgery.qualifiers,
    ),
    R(
        "A7.augmentation",
        "A7",
        "Remnant augmentation and staged strategies",
        (
            "plan clears all disease, remnant inadequate, no PVE yet -> portal_vein_embolization "
            "recommended, liver_venous_deprivation consider",
            "lesions left in the remnant that cannot be ablated, remnant inadequate -> "
            "two_stage_hepatectomy recommended",
            "remnant still inadequate after PVE -> LVD consider; ALPPS consider (age <= "
            "alpps_max_age, normal liver) or not_recommended (older)",
            "progression after PVE -> restaging_imaging and mdt_rediscussion recommended",
        ),
        (
            "portal_vein_embolization",
            "liver_venous_deprivation",
            "two_stage_hepatectomy",
            "alpps",
            "restaging_imaging",
            "mdt_rediscussion",
        ),
        (
            "shindoh-2013-pve",
            "shindoh-2013-kgr",
            "hbsn-2019-pve",
            "heil-2021-pvo-lvd",
            "bednarsch-2020-alpps-tsh",
            "rescue-alpps-series",
            "wjg-alpps-review",
            "alpps-registry-age",
            "simoneau-2012-pve-progression",
        ),
        ("alpps_max_age",),
        surgery.augmentation,
    ),
    R(
        "A6.resection_with_ablation",
        "A6",
        "Resection combined with ablation",
        (
            "lesions outside the planned resection that can all be ablated -> "
            "resection_with_ablation",
        ),
        ("resection_with_ablation",),
        (
            "vanderlei-2025-collision",
            "nieuwenhuizen-2020-collision-consensus",
            "jvir-ablation-margin",
        ),
        ("ablation_max_diameter_mm", "ablation_min_margin_mm", "ablation_ideal_margin_mm"),
        surgery.resection_with_ablation,
    ),
    R(
        "A8.synchronous",
        "A8",
        "Synchronous primary in situ",
        (
            "symptomatic primary -> bowel_first_approach",
            "asymptomatic, rectal primary or major hepatectomy or two-stage -> "
            "liver_first_approach; simultaneous not_recommended for rectal + major",
            "asymptomatic colon primary, minor liver resection, fit -> simultaneous_resection",
        ),
        ("bowel_first_approach", "liver_first_approach", "simultaneous_resection"),
        ("eahpba-2023-sequencing", "oncolther-2021-simultaneous"),
        (),
        surgery.synchronous,
    ),
    R(
        "A5.strategy",
        "A3, A5, A9",
        "Strategy when the disease is not resectable today",
        (
            "ECOG >= ecog_best_supportive_care_min -> best_supportive_care",
            "unresectable -> palliative_systemic_therapy (unless an unfit patient's lesions can "
            "all be ablated)",
            "potentially resectable with a tumour barrier or progression -> "
            "conversion_chemotherapy, restaging every restaging_interval_weeks, MDT review",
            "undetermined -> mdt_rediscussion",
        ),
        (
            "best_supportive_care",
            "palliative_systemic_therapy",
            "conversion_chemotherapy",
            "restaging_imaging",
            "mdt_rediscussion",
        ),
        (
            "esmo-2023-mcrc",
            "huiskens-2015-cairo5-protocol",
            "preop-chemo-duration-review",
            "adam-2004-conversion",
            "adam-2004-progression",
        ),
        (
            "ecog_best_supportive_care_min",
            "restaging_interval_weeks",
            "restaging_interval_max_weeks",
        ),
        systemic.strategy,
    ),
    R(
        "A5.biomarker_testing",
        "A5",
        "Biomarker testing",
        ("RAS, BRAF or MMR unknown -> biomarker_testing recommended",),
        ("biomarker_testing",),
        ("esmo-2023-mcrc",),
        (),
        systemic.biomarker_testing,
    ),
    R(
        "A5.biologics",
        "A5",
        "Systemic therapy by biomarker",
        (
            "dMMR -> immune_checkpoint_inhibitor",
            "BRAF V600E -> encorafenib_cetuximab (+ mFOLFOX6 first line)",
            "RAS mutated -> chemotherapy + bevacizumab; anti_egfr not_recommended",
            "RAS or BRAF unknown -> no EGFR antibody (not_recommended)",
            "RAS/BRAF wild type, left -> doublet + anti_egfr; bevacizumab consider",
            "RAS wild type, right or unknown side -> chemotherapy + bevacizumab; "
            "anti_egfr consider",
            "conversion, ECOG <= ecog_triplet_max -> triplet where no EGFR antibody is used",
            "ECOG > ecog_triplet_max -> triplet not_recommended",
            "after a first line: HER2 amplified RAS wt, KRAS G12C, NTRK fusion -> targeted drug",
        ),
        (
            "immune_checkpoint_inhibitor",
            "encorafenib_cetuximab",
            "doublet_chemotherapy",
            "triplet_chemotherapy",
            "bevacizumab",
            "anti_egfr",
            "her2_targeted_therapy",
            "kras_g12c_inhibitor",
            "ntrk_inhibitor",
        ),
        (
            "esmo-2023-mcrc",
            "diaz-2022-keynote177",
            "andre-2024-checkmate8hw",
            "elez-2025-breakwater",
            "andre-2025-checkmate8hw",
            "destiny-crc02-her2",
            "heracles-a-her2",
            "krystal-adagrasib",
            "oncologist-2023-kras-g12c",
            "beacon-braf-later-line",
            "watanabe-2023-paradigm",
            "bond-2023-cairo5",
            "punt-2022-cairo5",
            "mountaineer-her2",
            "codebreak300-sotorasib",
            "ntrk-tumour-agnostic",
        ),
        ("ecog_triplet_max",),
        systemic.biologics,
    ),
    R(
        "A9.disappeared",
        "A9",
        "Disappeared lesions",
        ("lesions disappeared on chemotherapy -> liver_mri (gadoxetic acid), treat their sites",),
        ("liver_mri",),
        ("auer-2010-dlm", "ejso-2023-dlm", "wjso-2020-dlm"),
        (),
        systemic.disappeared_lesions,
    ),
    R(
        "A6.ablation",
        "A6",
        "Thermal ablation",
        (
            "unfit for the clearing resection, every lesion ablatable -> recommended",
            "resectable, fit, no extrahepatic disease, <= ablation_max_lesions_alternative "
            "lesions all <= "
            "ablation_max_diameter_mm and ablatable, INR <= ablation_max_inr -> consider "
            "(COLLISION)",
            "one lesion just too large -> what_would_change names the size",
        ),
        ("thermal_ablation",),
        (
            "vanderlei-2025-collision",
            "jvir-ablation-margin",
            "wang-2013-ablation-margin",
            "petre-2017-ablation",
        ),
        (
            "ablation_max_diameter_mm",
            "ablation_max_inr",
            "ablation_min_margin_mm",
            "ablation_ideal_margin_mm",
            "ablation_max_lesions_alternative",
            "ablation_alternative_max_ecog",
        ),
        local.thermal_ablation,
    ),
    R(
        "A6.sbrt",
        "A6 (C4)",
        "Stereotactic body radiotherapy",
        (
            "lesions unsuitable for resection and ablation, <= sbrt_max_lesions lesions, largest "
            "< sbrt_max_diameter_mm, uninvolved liver > sbrt_min_uninvolved_liver_ml -> consider",
        ),
        ("sbrt",),
        ("scorsetti-2018-sbrt", "ihnat-2018-sbrt"),
        ("sbrt_max_lesions", "sbrt_max_diameter_mm", "sbrt_min_uninvolved_liver_ml"),
        local.sbrt,
    ),
    R(
        "A6.intra_arterial",
        "A6",
        "HAI, radioembolisation, TACE",
        ("liver-only disease after first-line progression -> each at most consider",),
        ("hepatic_arterial_infusion", "radioembolization", "transarterial_chemoembolization"),
        ("mulcahy-2021-epoch", "mskcc-hai-practice", "fiorentini-2012-debiri"),
        (),
        systemic.liver_directed_later_line,
    ),
    R(
        "A10.transplant",
        "A10 (C2)",
        "Transplant screening",
        (
            "only for unresectable disease",
            "BRAF mutated (any) or extrahepatic disease -> not_recommended",
            "age transplant_min_age-transplant_max_age, ECOG <= transplant_max_ecog, liver-only, "
            "primary resected, BRAF wild type, response/SD after >= transplant_min_chemo_months "
            "months, <= transplant_max_lines lines, CEA < transplant_cea_ng_ml or fallen >= "
            "transplant_cea_fall_fraction, pMMR (livermdt policy) -> recommended (Oslo <= "
            "oslo_high_min) or consider; pet_ct recommended",
            "only the CEA fails -> what_would_change names the CEA",
        ),
        ("liver_transplant_evaluation", "pet_ct"),
        ("transmet-2024", "dueland-2015-oslo", "wjgs-2021-seca2", "livermdt-2025-policy"),
        (
            "transplant_min_age",
            "transplant_max_age",
            "transplant_max_ecog",
            "transplant_min_chemo_months",
            "transplant_max_lines",
            "transplant_cea_ng_ml",
            "transplant_cea_fall_fraction",
            "oslo_high_min",
        ),
        transplant.transplant,
    ),
)

RULES: tuple[RuleSpec, ...] = RESECTABILITY_RULES + PROPOSAL_RULES
