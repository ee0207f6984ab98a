"""The FLR, score and response blocks as a surgeon reads them at the meeting: one headline each,
percentages for fractions, numbers rounded to what can be measured (volumes 0.1 mL, BSA 0.01 m²,
TBS 0.01, months 0.1, KGR 0.1 %/week = 0.001 a week), missing inputs named, every fact of the block
kept. Used by ``livermdt assess`` (``livermdt.engine.render``) and ``livermdt scores``, on the
blocks' JSON dicts, so both commands print the same lines. The JSON itself is never rounded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

SCORE_TITLES: dict[str, str] = {
    "fong_crs": "Fong clinical risk score",
    "tumour_burden_score": "Tumour Burden Score",
    "game": "GAME score",
    "m_cs": "Modified clinical score (m-CS)",
    "oslo_score": "Oslo score",
    "nordlinger": "Nordlinger score",
    "konopke": "Konopke score",
    "nagashima": "Nagashima score",
}

#: Score input name -> (label, unit, decimals). Decimals ``None``: a value as the case gives it
#: (diameters, CEA, age); a number: a computed value, rounded for display.
_INPUTS: dict[str, tuple[str, str, int | None]] = {
    "node_positive": ("node-positive primary", "", None),
    "disease_free_interval_months": ("disease-free interval", " months", 1),
    "lesion_count": ("lesions", "", None),
    "largest_diameter_mm": ("largest", " mm", None),
    "cea_ng_ml": ("CEA", " ng/mL", None),
    "kras_mutated": ("KRAS mutated", "", None),
    "ras_mutated": ("RAS mutated", "", None),
    "tumour_burden_score": ("TBS", "", 2),
    "extrahepatic_disease": ("extrahepatic disease", "", None),
    "extrahepatic_resectable": ("extrahepatic disease resectable", "", None),
    "progression_on_chemotherapy": ("progression on chemotherapy", "", None),
    "months_since_primary_resection": ("since primary resection", " months", 1),
    "age_years": ("age", " years", None),
    "serosal_invasion": ("serosal invasion (T4)", "", None),
    "synchronous": ("synchronous", "", None),
}
_BSA_METHOD = {"mosteller": "Mosteller", "dubois": "DuBois"}
_REASON_LABEL = {
    "minimum_requirement": "minimum for any liver",
    "normal_liver": "normal liver",
    "extensive_chemotherapy": "extensive chemotherapy",
    "steatosis": "steatosis",
    "steatohepatitis": "steatohepatitis",
    "sinusoidal_obstruction": "sinusoidal obstruction",
    "fibrosis": "fibrosis",
    "cirrhosis": "cirrhosis",
}
NOT_KNOWN = "not known"


def _strip(text: str) -> str:
    """``330.0`` -> ``330``, ``25.20`` stays ``25.20`` (only an all-zero fraction goes)."""
    if "." in text:
        whole, frac = text.split(".", 1)
        if set(frac) == {"0"}:
            return whole
    return text


def rounded(value: float, decimals: int) -> str:
    """``value`` to ``decimals`` places, without a fraction of zeros: 330.0 -> ``330``."""
    return _strip(f"{value:.{decimals}f}")


def fixed(value: float, decimals: int) -> str:
    """``value`` to exactly ``decimals`` places (BSA 1.66, TBS 2.60)."""
    return f"{value:.{decimals}f}"


def percent(fraction: float, *, signed: bool = False) -> str:
    """A fraction as a percentage to 0.1: 0.25205 -> ``25.2%``, 0.3 -> ``30%``."""
    text = f"{fraction * 100:+.1f}" if signed else f"{fraction * 100:.1f}"
    return _strip(text) + "%"


def given(value: object) -> str:
    """A value as the case gives it: yes/no, ``not known``, numbers without a trailing ``.0``."""
    if value is None:
        return NOT_KNOWN
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and math.isfinite(value):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _or_unknown(value: float | None, fmt: str) -> str:
    return NOT_KNOWN if value is None else fmt


def _ids(items: list[str]) -> str:
    return ", ".join(items) if items else "none"


_ACRONYMS = {"cea": "CEA", "kras": "KRAS", "ras": "RAS", "dfi": "DFI"}


def _label(name: str) -> str:
    """A factor or input name for people: ``cea_over_200`` -> ``CEA over 200``."""
    return " ".join(_ACRONYMS.get(word, word) for word in name.split("_"))


# --- the FLR block ------------------------------------------------------------------------------
def flr_lines(flr: Mapping[str, Any]) -> list[str]:
    """The FLR headline (sFLR of TELV, requirement, verdict, BSA) and its details, indented."""
    sflr, telv, volume = flr.get("sflr"), flr.get("telv_ml"), flr.get("flr_volume_ml")
    telv_text = _or_unknown(telv, f"{rounded(telv, 1)} mL" if telv is not None else "")
    volume_text = _or_unknown(volume, f"{rounded(volume, 1)} mL" if volume is not None else "")
    if sflr is not None:
        head = f"sFLR {percent(sflr)} of TELV {telv_text} (FLR {volume_text})"
    else:
        head = f"sFLR not known (TELV {telv_text}, FLR {volume_text})"
    reasons = list(flr.get("required_sflr_reasons") or [])
    why = (
        f" ({_REASON_LABEL.get(reasons[0]['code'], _label(reasons[0]['code']))})" if reasons else ""
    )
    bound = "at least " if flr.get("required_sflr_is_lower_bound") else ""
    verdict = {True: "adequate", False: "inadequate", None: "adequacy undetermined"}[
        flr.get("adequate")
    ]
    kgr = flr.get("kgr_per_week")
    if flr.get("adequate") is False and sflr is not None and sflr >= flr["required_sflr"]:
        verdict += " (enough volume, but growth too slow" + (
            f": KGR {percent(kgr)}/week)" if kgr is not None else ")"
        )
    bsa = flr.get("bsa_m2")
    method = _BSA_METHOD.get(flr.get("bsa_method") or "", str(flr.get("bsa_method")))
    bsa_text = f"BSA {fixed(bsa, 2)} m²" if bsa is not None else f"BSA {NOT_KNOWN}"
    lines = [
        f"  {head} — {bound}{percent(flr['required_sflr'])} required{why} → {verdict}; "
        f"{bsa_text} ({method})"
    ]
    if flr.get("required_sflr_is_lower_bound"):
        lines.append("  the requirement is a lower bound: missing data could raise it")
    for i, reason in enumerate(reasons):
        lead = "  required sFLR: " if i == 0 else "                 "
        lines.append(
            f"{lead}{percent(reason['required_sflr'])} {reason['code']}: {reason['text']} "
            f"(threshold {reason['threshold']}) [{', '.join(reason['evidence'])}]"
        )
    dh = flr.get("degree_of_hypertrophy")
    if dh is not None or kgr is not None:
        dh_text = _or_unknown(dh, percent(dh) if dh is not None else "")
        kgr_text = _or_unknown(kgr, f"{percent(kgr)}/week" if kgr is not None else "")
        lines.append(f"  after PVE/LVD: degree of hypertrophy {dh_text}, KGR {kgr_text}")
    contra = {True: "yes", False: "no", None: "undetermined"}[
        flr.get("major_hepatectomy_contraindicated")
    ]
    lines.append(
        f"  major hepatectomy contraindicated (Child-Pugh B/C or portal hypertension): {contra}"
    )
    lines.append(f"  missing: {_ids(list(flr.get('missing') or []))}")
    lines.append(f"  evidence: {_ids(list(flr.get('evidence') or []))}")
    return lines


# --- score blocks -------------------------------------------------------------------------------
def _score_value(value: object) -> str:
    if isinstance(value, float) and not isinstance(value, bool):
        return fixed(value, 2)  # the Tumour Burden Score, the only continuous one
    return given(value)


def _input_text(name: str, value: object) -> str:
    label, unit, decimals = _INPUTS.get(name, (_label(name), "", None))
    if value is None:
        return f"{label} {NOT_KNOWN}"
    if decimals is not None and isinstance(value, int | float) and not isinstance(value, bool):
        shown = fixed if name == "tumour_burden_score" else rounded  # TBS as its own value
        return f"{label} {shown(float(value), decimals)}{unit}"
    return f"{label} {given(value)}{unit}"


def score_lines(key: str, score: Mapping[str, Any]) -> list[str]:
    """One headline per score (value/max, group, the points that scored, what is missing), then
    its inputs, note and evidence."""
    title = SCORE_TITLES.get(key, _label(key))
    value = score.get("value")
    missing = list(score.get("missing") or [])
    if value is None:
        head = "not computed" + ("" if missing else " (see the note)")
    else:
        head = _score_value(value)
        if score.get("max") is not None:
            head += f"/{score['max']}"
        if score.get("group"):
            head += f" ({score['group']} risk)"
    points = dict(score.get("points") or {})
    scored = [f"{_label(k)} +{v}" for k, v in points.items() if v]
    zero = [_label(k) for k, v in points.items() if not v]
    parts = [f"missing: {_ids(missing)}"] if missing else []
    if scored:
        parts.append("scored: " + ", ".join(scored))
    if zero:
        parts.append("0 points: " + ", ".join(zero))
    lines = [f"  {title} [{key}]: {head}" + (" — " + "; ".join(parts) if parts else "")]
    inputs = ", ".join(_input_text(k, v) for k, v in (score.get("inputs") or {}).items())
    lines.append(f"      inputs: {inputs or 'none'}")
    if score.get("note"):
        lines.append(f"      note: {score['note']}")
    lines.append(f"      evidence: {_ids(list(score.get('evidence') or []))}")
    return lines


# --- the response block -------------------------------------------------------------------------
def response_lines(response: Mapping[str, Any] | None) -> list[str]:
    """RECIST 1.1: category, target sums (baseline, nadir, now), changes in percent, new lesions,
    targets and time points."""
    if not response:
        return ["  not assessed (fewer than 2 restaging time points)"]

    def mm(name: str) -> str:
        v = response.get(name)
        return NOT_KNOWN if v is None else f"{rounded(v, 1)} mm"

    def change(name: str) -> str:
        v = response.get(name)
        return NOT_KNOWN if v is None else percent(v, signed=True)

    new = {True: "yes", False: "no", None: NOT_KNOWN}[response.get("new_lesions")]
    lines = [
        f"  {response.get('category') or 'undetermined'} — target sum {mm('baseline_sum_mm')} at "
        f"baseline ({response.get('baseline_date') or 'date not known'}), nadir "
        f"{mm('nadir_sum_mm')}, now {mm('current_sum_mm')} "
        f"({response.get('current_date') or 'date not known'}): {change('change_from_baseline')} "
        f"from baseline, {change('change_from_nadir')} from nadir; new lesions: {new}",
        f"  targets {_ids(list(response.get('target_lesion_ids') or []))}; non-targets "
        f"{_ids(list(response.get('non_target_lesion_ids') or []))}; "
        f"{response.get('time_points')} time points",
    ]
    if response.get("missing"):
        lines.append(f"  missing: {_ids(list(response['missing']))}")
    if response.get("note"):
        lines.append(f"  note: {response['note']}")
    lines.append(f"  evidence: {_ids(list(response.get('evidence') or []))}")
    return lines
