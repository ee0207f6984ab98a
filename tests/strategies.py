"""Hypothesis strategies for case-v1 documents, shared by every part's property tests.

``valid_case_dicts()`` draws varied, realistic documents that are always valid: every section,
fields absent / explicitly null / given, both sides of the clinical divides (fit and unfit,
synchronous and metachronous, bilobar, RAS mutated / wild type / unknown, dMMR, BRAF V600E,
extrahepatic disease, PVE with and without progression, several chemotherapy courses with and
without dates, outcomes). ``complete=True`` gives every section and every field a value, for tests
that need computable scores. ``valid_cases()`` parses them into ``Case`` models.

Dates are built backwards from the discussion date so that nothing lies after it; outcomes lie on
or after it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, TypeVar

from hypothesis import strategies as st

from livermdt.case import Case, parse_case, vocab

T = TypeVar("T")
Draw = Callable[[st.SearchStrategy[Any]], Any]

_ABSENT: Any = object()
_FIRST_DAY = date(2012, 1, 1)
_LAST_DAY = date(2030, 12, 31)


def _iso(day: date) -> str:
    return day.isoformat()


def _maybe(
    draw: Draw, strategy: st.SearchStrategy[T], complete: bool, *, often: bool = False
) -> Any:
    """A value, an explicit null or an absent key (absent and null only when not ``complete``);
    ``often``: the key inputs of most computations, missing in one document out of ten."""
    if complete:
        return draw(strategy)
    choice = draw(st.sampled_from(("value",) * (18 if often else 5) + ("null", "absent")))
    if choice == "value":
        return draw(strategy)
    return None if choice == "null" else _ABSENT


def _obj(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not _ABSENT}


def _number(lo: float, hi: float) -> st.SearchStrategy[float | int]:
    """Numbers as a person types them: whole numbers or one decimal."""
    return st.one_of(
        st.integers(int(lo) + (1 if int(lo) < lo else 0), int(hi)),
        st.integers(int(lo * 10) + 1, int(hi * 10)).map(lambda x: x / 10),
    )


def _unique(values: tuple[T, ...], min_size: int, max_size: int) -> st.SearchStrategy[list[T]]:
    return st.lists(st.sampled_from(values), min_size=min_size, max_size=max_size, unique=True)


@st.composite
def _patient(draw: Draw, complete: bool) -> dict[str, Any]:
    fit = draw(st.sampled_from(("fit", "fit", "borderline", "unfit")))
    ecog = {"fit": st.integers(0, 1), "borderline": st.integers(1, 2), "unfit": st.integers(2, 4)}
    return _obj(
        sex=_maybe(draw, st.sampled_from(vocab.SEXES), complete),
        age_years=_maybe(
            draw, st.integers(18, 110) if not complete else st.integers(25, 90), complete
        ),
        height_cm=_maybe(draw, _number(140, 205), complete),
        weight_kg=_maybe(draw, _number(40, 160), complete),
        ecog=_maybe(draw, ecog[fit], complete),
        asa_class=_maybe(draw, st.integers(1, 2) if fit == "fit" else st.integers(2, 5), complete),
        fit_for_major_surgery=_maybe(draw, st.just(fit != "unfit"), complete),
    )


@st.composite
def _segments_for(draw: Draw, procedure: str) -> list[int]:
    if procedure in vocab.PROCEDURE_SEGMENTS:
        segs = set(vocab.PROCEDURE_SEGMENTS[procedure])
        if draw(st.booleans()) and draw(st.booleans()):
            segs.add(1)  # caudate added where the surgeon says so
        return sorted(segs)
    count = vocab.PROCEDURE_SEGMENT_COUNT.get(procedure)
    n = count if count is not None else draw(st.integers(1, 4))
    return sorted(draw(_unique(vocab.COUINAUD_SEGMENTS, n, n)))


@st.composite
def _lesion(draw: Draw, lesion_id: str, complete: bool, side: str) -> dict[str, Any]:
    pool = {
        "left": (2, 3, 4),
        "right": (5, 6, 7, 8),
        "any": vocab.COUINAUD_SEGMENTS,
    }[side]
    return _obj(
        id=lesion_id,
        segments=_maybe(draw, _unique(pool, 1, min(3, len(pool))), complete, often=True),
        diameter_mm=_maybe(draw, _number(3, 150), complete, often=True),
        vascular_contact=_maybe(draw, _unique(vocab.VASCULAR_CONTACTS, 0, 3), complete),
        ablatable=_maybe(draw, st.booleans(), complete),
    )


@st.composite
def _chemotherapy(draw: Draw, today: date, complete: bool, line: int) -> dict[str, Any]:
    regimen = draw(st.sampled_from(vocab.REGIMENS))
    cycle_days = vocab.REGIMEN_CYCLE_DAYS.get(regimen, 14)
    cycles = draw(st.integers(1, 16))
    # Courses end up to two years before the discussion, so some lie outside the 12-month window.
    end = today - timedelta(days=draw(st.integers(0, 730)))
    start = end - timedelta(days=cycles * cycle_days + draw(st.integers(-7, 14)))
    dates = "both" if complete else draw(st.sampled_from(("both", "both", "start", "end", "none")))
    biologic = draw(st.sampled_from(vocab.BIOLOGICS))
    return _obj(
        type="chemotherapy",
        start_date=_iso(start) if dates in ("both", "start") else _ABSENT,
        end_date=_iso(end) if dates in ("both", "end") else _ABSENT,
        regimen=regimen,
        biologic=_maybe(draw, st.just(biologic), complete),
        cycles=_maybe(draw, st.just(cycles), complete),
        line=_maybe(draw, st.just(line), complete),
        intent=_maybe(draw, st.sampled_from(vocab.INTENTS), complete),
        best_response=_maybe(draw, st.sampled_from(vocab.RECIST_RESPONSES), complete),
    )


@st.composite
def _other_treatment(draw: Draw, today: date) -> dict[str, Any]:
    kind = draw(st.sampled_from(vocab.TREATMENT_TYPES[1:]))
    day = today - timedelta(days=draw(st.integers(0, 2000)))
    if kind in vocab.PROCEDURAL_TREATMENT_TYPES:
        return {"type": kind, "start_date": _iso(day), "end_date": _iso(day)}
    end = min(today, day + timedelta(days=draw(st.integers(0, 200))))
    extra: dict[str, Any] = {}
    if kind in ("immunotherapy", "targeted"):
        extra = {
            "biologic": draw(st.sampled_from(vocab.BIOLOGICS)),
            "line": draw(st.integers(1, 4)),
        }
    return {"type": kind, "start_date": _iso(day), "end_date": _iso(end), **extra}


@st.composite
def valid_case_dicts(draw: Draw, complete: bool = False) -> dict[str, Any]:
    """Always-valid case-v1 documents (JSON values: dates are ISO strings)."""
    today = draw(st.dates(_FIRST_DAY + timedelta(days=4000), _LAST_DAY))
    case_id = f"synthetic-{draw(st.integers(0, 10**6))}"
    doc: dict[str, Any] = {"schema": vocab.SCHEMA_ID, "id": case_id, "discussion_date": _iso(today)}

    def section(name: str, value: dict[str, Any] | list[Any]) -> None:
        if complete or draw(st.integers(0, 9)) > 0:
            doc[name] = value

    section("patient", draw(_patient(complete)))

    # --- primary and liver timing (E-AHPBA 2023: synchronous within 30 days) ------------------
    timing = draw(st.sampled_from(("synchronous", "early_metachronous", "late_metachronous")))
    liver_dx = today - timedelta(days=draw(st.integers(0, 400)))
    offset = {
        "synchronous": draw(st.integers(-60, 30)),
        "early_metachronous": draw(st.integers(31, 365)),
        "late_metachronous": draw(st.integers(366, 3000)),
    }[timing]
    primary_dx = liver_dx - timedelta(days=offset)
    if primary_dx > today:
        primary_dx = today
    in_situ = timing == "synchronous" and draw(st.booleans())
    resection = None
    if not in_situ:
        resection = min(today, primary_dx + timedelta(days=draw(st.integers(0, 120))))
    site = draw(st.sampled_from(vocab.PRIMARY_SITES))
    if site == "transverse":
        sidedness: Any = _maybe(draw, st.sampled_from(vocab.SIDEDNESS), complete)
    elif site in vocab.RIGHT_SITES:
        sidedness = draw(st.sampled_from((_ABSENT, None, "right")))
    else:
        sidedness = draw(st.sampled_from((_ABSENT, None, "left")))
    if complete and sidedness in (_ABSENT, None):
        sidedness = "right" if site in vocab.RIGHT_SITES else "left"
    section(
        "primary",
        _obj(
            site=_maybe(draw, st.just(site), complete),
            sidedness=sidedness,
            t_stage=_maybe(draw, st.sampled_from(vocab.T_STAGES), complete),
            n_stage=_maybe(
                draw,
                st.sampled_from(vocab.N_STAGES[1:] if complete else vocab.N_STAGES),
                complete,
            ),
            diagnosis_date=_maybe(draw, st.just(_iso(primary_dx)), complete, often=True),
            status="in_situ" if in_situ else "resected",
            resection_date=_iso(resection) if resection else _ABSENT,
            symptomatic=_maybe(draw, st.booleans(), complete),
        ),
    )

    # --- lesions: one hemiliver or both -------------------
    # Mostly few lesions, as in practice; sometimes many; sometimes none listed.
    counts = (1, 1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 10, 12)
    n = draw(st.sampled_from(counts if complete else (0, *counts)))
    layout = draw(st.sampled_from(("left", "right", "bilobar", "any")))
    lesions = []
    for i in range(n):
        side = layout
        if layout == "bilobar":
            side = "left" if i % 2 == 0 else "right"
        lesions.append(draw(_lesion(f"L{i + 1}", complete, side)))
    disappeared = [f"D{i + 1}" for i in range(draw(st.integers(0, 2)))]
    given_timing: Any = _ABSENT
    if draw(st.booleans()):
        given_timing = "synchronous" if timing == "synchronous" else "metachronous"
    section(
        "liver_metastases",
        _obj(
            diagnosis_date=_maybe(draw, st.just(_iso(liver_dx)), complete, often=True),
            timing=given_timing,
            lesions=lesions,
            disappeared_lesion_ids=disappeared if disappeared or draw(st.booleans()) else _ABSENT,
        ),
    )

    ehd = draw(st.booleans()) and draw(st.booleans())
    section(
        "extrahepatic_disease",
        _obj(
            present=ehd,
            sites=draw(_unique(vocab.EXTRAHEPATIC_SITES, 1, 3)) if ehd else [],
            resectable=_maybe(draw, st.booleans(), complete) if ehd else _ABSENT,
        ),
    )

    background = draw(st.sampled_from(vocab.LIVER_BACKGROUNDS))
    section(
        "liver",
        _obj(
            background=_maybe(draw, st.just(background), complete),
            child_pugh_class=(
                _maybe(draw, st.sampled_from(vocab.CHILD_PUGH_CLASSES), complete)
                if background == "cirrhosis"
                else _ABSENT
            ),
            portal_hypertension=_maybe(draw, st.booleans(), complete),
            icg_r15_percent=_maybe(draw, _number(0, 60), complete),
            hida_flr_clearance_pct_min_m2=_maybe(draw, _number(0.5, 12), complete),
        ),
    )
    section(
        "labs",
        _obj(
            cea_ng_ml=_maybe(draw, _number(0, 5000), complete),
            ca19_9_u_ml=_maybe(draw, _number(0, 5000), complete),
            bilirubin_umol_l=_maybe(draw, _number(2, 80), complete),
            albumin_g_l=_maybe(draw, _number(20, 55), complete),
            inr=_maybe(draw, _number(0.8, 3), complete),
            platelets_10e9_l=_maybe(draw, _number(40, 600), complete),
        ),
    )

    kras = draw(st.sampled_from(("wild_type", "wild_type", "mutated", "mutated", "unknown")))
    section(
        "biomarkers",
        _obj(
            kras=_maybe(draw, st.just(kras), complete),
            kras_variant=(
                _maybe(draw, st.sampled_from(("G12C", "G12D", "G12V", "G13D")), complete)
                if kras == "mutated"
                else _ABSENT
            ),
            nras=_maybe(
                draw, st.sampled_from(("wild_type", "wild_type", "mutated", "unknown")), complete
            ),
            braf=_maybe(draw, st.sampled_from(vocab.BRAF_STATUSES), complete),
            mmr=_maybe(
                draw, st.sampled_from(("proficient", "deficient", "deficient", "unknown")), complete
            ),
            her2=_maybe(draw, st.sampled_from(vocab.HER2_STATUSES), complete),
            pik3ca=_maybe(draw, st.sampled_from(vocab.MUTATION_STATUSES), complete),
            smad4=_maybe(draw, st.sampled_from(vocab.MUTATION_STATUSES), complete),
            ntrk_fusion=_maybe(draw, st.sampled_from(vocab.FUSION_STATUSES), complete),
        ),
    )

    total = draw(_number(700, 2600))
    procedure = draw(st.sampled_from(vocab.PROCEDURES))
    planned = {"procedure": procedure, "segments_removed": draw(_segments_for(procedure))}
    section(
        "volumetry",
        _obj(
            total_liver_volume_ml=total,
            tumour_volume_ml=_maybe(draw, _number(0, 900), complete),
            planned_resection=_maybe(draw, st.just(planned), complete),
            flr_volume_ml=_maybe(draw, _number(0, total), complete),
            source=_maybe(draw, st.sampled_from(vocab.VOLUMETRY_SOURCES), complete),
        ),
    )

    if complete or draw(st.booleans()):
        ago = draw(st.integers(1, 200))
        progression = draw(st.booleans())
        before = draw(_number(150, min(900, total * 0.6)))
        doc["pve"] = _obj(
            procedure=_maybe(draw, st.sampled_from(vocab.PVE_PROCEDURES), complete),
            date=_iso(today - timedelta(days=ago)),
            flr_volume_before_ml=before,
            flr_volume_after_ml=_maybe(draw, _number(before, min(before * 1.8, total)), complete),
            days_to_followup_scan=_maybe(draw, st.integers(1, min(ago, 365)), complete),
            tumour_progression=progression,
            new_lesions_in_flr=_maybe(
                draw, st.booleans() if progression else st.just(False), complete
            ),
        )

    treatments: list[dict[str, Any]] = []
    n_chemo = draw(st.integers(1, 3) if complete else st.integers(0, 3))
    for line in range(1, n_chemo + 1):
        treatments.append(draw(_chemotherapy(today, complete, line)))
    for _ in range(draw(st.integers(0, 2))):
        treatments.append(draw(_other_treatment(today)))
    section("treatments", treatments)

    ids = [lesion["id"] for lesion in lesions] + disappeared
    if ids and (complete or draw(st.booleans())):
        restaging = []
        first = today - timedelta(days=draw(st.integers(0, 300)))
        for k in range(draw(st.integers(1, 4))):
            day = min(today, first + timedelta(days=56 * k))
            measured = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4, unique=True))
            restaging.append(
                _obj(
                    date=_iso(day),
                    lesions=[
                        _obj(id=i, diameter_mm=_maybe(draw, _number(0, 160), complete))
                        for i in measured
                    ],
                    new_lesions=_maybe(draw, st.booleans(), complete),
                    cea_ng_ml=_maybe(draw, _number(0, 2000), complete),
                )
            )
        doc["restaging"] = restaging

    if complete or draw(st.booleans()):
        doc["outcomes"] = draw(_outcomes(today, complete))
    return doc


@st.composite
def _outcomes(draw: Draw, today: date, complete: bool) -> dict[str, Any]:
    op_day = today + timedelta(days=draw(st.integers(0, 120)))
    system = draw(st.sampled_from(vocab.PATHOLOGICAL_RESPONSE_SYSTEMS))
    response = (
        {"system": "blazer", "residual_tumour_percent": draw(_number(0, 100))}
        if system == "blazer"
        else {"system": "rubbia_brandt", "trg": draw(st.integers(1, 5))}
    )
    procedure = draw(st.sampled_from(vocab.PROCEDURES))
    operation = _obj(
        date=_iso(op_day),
        procedure=procedure,
        segments_removed=_maybe(draw, _segments_for(procedure), complete),
        margin=_maybe(draw, st.sampled_from(vocab.MARGINS), complete),
        clavien_dindo=_maybe(draw, st.sampled_from(vocab.CLAVIEN_DINDO_GRADES), complete),
        phlf_grade=_maybe(draw, st.sampled_from(vocab.PHLF_GRADES), complete),
        pathological_response=_maybe(draw, st.just(response), complete),
    )
    recurrences = [
        {
            "date": _iso(op_day + timedelta(days=draw(st.integers(30, 1500)))),
            "sites": draw(_unique(vocab.RECURRENCE_SITES, 1, 3)),
        }
        for _ in range(draw(st.integers(0, 2)))
    ]
    latest = max([op_day] + [date.fromisoformat(r["date"]) for r in recurrences])
    followup = latest + timedelta(days=draw(st.integers(0, 900)))
    dead = draw(st.booleans())
    return _obj(
        operations=[operation] if complete or draw(st.booleans()) else [],
        recurrences=recurrences,
        last_followup_date=_iso(followup),
        death_date=_iso(followup + timedelta(days=draw(st.integers(0, 60)))) if dead else _ABSENT,
        vital_status="dead" if dead else draw(st.sampled_from(("alive", "unknown"))),
    )


def valid_cases(complete: bool = False) -> st.SearchStrategy[Case]:
    """Always-valid ``Case`` models (see ``valid_case_dicts``)."""
    return valid_case_dicts(complete=complete).map(parse_case)
