"""What "text and JSON carry the same facts" means, checked by tests: every code, evidence id,
case path, note and number of the JSON assessment appears in the text rendering. Numbers are
compared at the precision the text shows them (docs/engine.md, "Text output"); this table is the
tests' own statement of that precision, not the renderer's code."""

from __future__ import annotations

from typing import Any

from livermdt.engine import Assessment

#: JSON key -> how the text shows its number.
_PERCENT = {"sflr", "required_sflr", "degree_of_hypertrophy", "kgr_per_week"}
_SIGNED_PERCENT = {"change_from_baseline", "change_from_nadir"}
_ROUNDED = {  # decimals; a fraction of zeros is dropped (330.0 mL -> 330 mL)
    "telv_ml": 1,
    "flr_volume_ml": 1,
    "baseline_sum_mm": 1,
    "nadir_sum_mm": 1,
    "current_sum_mm": 1,
    "disease_free_interval_months": 1,
    "months_since_primary_resection": 1,
}
_FIXED = {"bsa_m2": 2, "tumour_burden_score": 2}


def _drop_zero_fraction(text: str) -> str:
    whole, _, frac = text.partition(".")
    return whole if frac and set(frac) == {"0"} else text


def shown(key: str, value: float, *, in_scores: bool = False) -> str:
    """The text form of the number ``value`` found under ``key``."""
    if not isinstance(value, float):
        return str(value)  # counts and points (GAME's points for tumour_burden_score too)
    if key in _PERCENT:
        return _drop_zero_fraction(f"{value * 100:.1f}") + "%"
    if key in _SIGNED_PERCENT:
        return _drop_zero_fraction(f"{value * 100:+.1f}") + "%"
    if key in _ROUNDED:
        return _drop_zero_fraction(f"{value:.{_ROUNDED[key]}f}")
    if key in _FIXED or (in_scores and key == "value"):
        return f"{value:.{_FIXED.get(key, 2)}f}"
    if value.is_integer():
        return str(int(value))  # a value as given: 64.0 mm is shown as 64 mm
    return repr(value)


def _numbers(key: str, value: Any, out: list[str], in_scores: bool) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        out.append(shown(key, value, in_scores=in_scores))
    elif isinstance(value, dict):
        for k, v in value.items():
            _numbers(k, v, out, in_scores)
    elif isinstance(value, list):
        for v in value:
            _numbers(key, v, out, in_scores)


def _texts(block: dict[str, Any] | None) -> list[str]:
    """Codes, case paths, notes and evidence ids of an FLR / score / response block."""
    if not block:
        return []
    out = [*block.get("missing", []), *block.get("evidence", [])]
    if block.get("note"):
        out.append(block["note"])
    for reason in block.get("required_sflr_reasons", []):
        out += [reason["code"], reason["text"], reason["threshold"], *reason["evidence"]]
    out += block.get("target_lesion_ids", []) + block.get("non_target_lesion_ids", [])
    return out


def json_facts_missing_from_text(a: Assessment, text: str) -> list[str]:
    doc = a.to_json_dict()
    facts: list[str] = [doc["case_id"], doc["resectability"]["category"]]
    for reason in doc["resectability"]["reasons"]:
        facts += [reason["code"], reason["text"], *reason["evidence"]]
    for rec in doc["recommendations"]:
        facts += [rec["code"], rec["strength"].upper().replace("_", " "), rec["rationale"]]
        facts += rec["evidence"]
    for item in doc["missing_data"]:
        facts += [item["field"], item["why"]]
    for item in doc["what_would_change"]:
        facts += [item["field"], item["if"], item["then"]]
    for eid, record in doc["evidence"].items():
        facts += [eid, record["citation"]]
    return [f for f in facts + block_facts(doc) if f not in text]


def block_facts(doc: dict[str, Any]) -> list[str]:
    """The facts of the ``flr``, ``scores`` and ``response`` blocks of an assessment or of a
    ``livermdt scores`` report, as the text shows them."""
    facts: list[str] = list(doc["scores"])
    facts += _texts(doc["flr"]) + _texts(doc["response"])
    for block in doc["scores"].values():
        facts += _texts(block)
    if doc["response"]:
        facts += [
            d for d in (doc["response"]["baseline_date"], doc["response"]["current_date"]) if d
        ]
    numbers: list[str] = []
    _numbers("flr", doc["flr"], numbers, False)
    _numbers("scores", doc["scores"], numbers, True)
    _numbers("response", doc["response"], numbers, False)
    return facts + numbers
