"""The cohort frame: one row per patient, the columns a published CRLM series reports.

Columns (``docs/registry.md`` lists them all):

- ``patient_id``, ``source``, ``line``: provenance of the row;
- every field of :data:`~livermdt.analytics.records.FIELDS` (missing = ``None``/NaN);
- derived: ``r0`` (margin R0), ``major_complication`` (Clavien–Dindo >= IIIa);
- scores **recorded** by the registry: ``<score>_recorded`` (e.g. ``fong_crs_recorded``, the
  TCIA clinical risk score) with ``<score>_recorded_source``;
- scores **computed** by livermdt (``livermdt.scores`` on the record's values, see
  ``livermdt.analytics.scoring``): ``fong_crs``, ``tumour_burden_score``, ``game``, ``m_cs``,
  ``oslo_score``; a score whose inputs are missing is NaN, never a partial sum;
- strata: ``fong_group_recorded`` / ``fong_group`` (low 0-2, high 3-5; Fong 1999),
  ``game_group`` (low 0-1, medium 2-3, high >= 4; Margonis 2018), ``tbs_zone`` (< 3, 3-8.99,
  >= 9; Sasaki 2018 as used by GAME), ``ras``.

The two Fong columns are never merged: TCIA's recorded score used the disease-free interval, which
the data do not carry, so livermdt's computation differs (see ``docs/registry.md``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from livermdt.analytics._lazy import require
from livermdt.analytics.casedoc import record_from_case
from livermdt.analytics.records import FIELDS, RECORDED_SCORES, RegistryRecord
from livermdt.analytics.scoring import computed_scores
from livermdt.case.model import Case
from livermdt.errors import InvalidInputError

#: livermdt score keys the frame carries when ``livermdt.scores`` computes them.
COMPUTED_SCORES = ("fong_crs", "tumour_burden_score", "game", "m_cs", "oslo_score")

_MAJOR_CD = {"IIIa", "IIIb", "IVa", "IVb", "V"}

#: Maps a record's values to computed scores (default: ``scoring.computed_scores``).
ScoreFn = Callable[[Mapping[str, Any]], dict[str, float | None]]


def fong_group(score: float | None) -> str | None:
    """Fong 1999 high/low split used by MSKCC and by TCIA's ``clinrisk_stratified``."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return None
    return "high (3-5)" if score >= 3 else "low (0-2)"


def game_group(score: float | None) -> str | None:
    """GAME groups (Margonis 2018): low 0-1, medium 2-3, high >= 4."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return None
    if score <= 1:
        return "low (0-1)"
    return "medium (2-3)" if score <= 3 else "high (4-7)"


def tbs_zone(tbs: float | None) -> str | None:
    """TBS zones as GAME uses them (livermdt knowledge A11: < 3, 3 <= TBS < 9, >= 9)."""
    if tbs is None or (isinstance(tbs, float) and math.isnan(tbs)):
        return None
    if tbs < 3:
        return "low (<3)"
    return "medium (3-9)" if tbs < 9 else "high (>=9)"


def frame_columns() -> list[str]:
    """The columns of :func:`cohort_frame`, in order."""
    cols = ["patient_id", "source", "line", *FIELDS, "r0", "major_complication", "converted"]
    for score in RECORDED_SCORES:
        cols += [f"{score}_recorded", f"{score}_recorded_source"]
    cols += [*COMPUTED_SCORES, "fong_group_recorded", "fong_group", "game_group", "tbs_zone"]
    return cols


def _as_record(item: RegistryRecord | Case | Mapping[str, Any]) -> RegistryRecord:
    if isinstance(item, RegistryRecord):
        return item
    if isinstance(item, Case):
        return record_from_case(item.to_json_dict())
    return record_from_case(item)


def cohort_frame(
    records: Sequence[RegistryRecord | Case | Mapping[str, Any]], score_fn: ScoreFn | None = None
) -> Any:
    """One pandas row per patient (see the module docstring). ``records`` are registry records,
    ``Case`` objects or case-v1 documents (with ``outcomes``). ``score_fn`` maps a record's
    values to computed scores; by default livermdt's (:func:`scoring.computed_scores`)."""
    pd = require("pandas")
    if score_fn is None:
        score_fn = computed_scores
    patients = [_as_record(r) for r in records]
    rows: list[dict[str, Any]] = []
    for rec in patients:
        row: dict[str, Any] = {"patient_id": rec.patient_id, "source": rec.source, "line": rec.line}
        for name in FIELDS:
            row[name] = rec.values.get(name)
        margin = row["margin"]
        row["r0"] = None if margin is None else margin == "R0"
        cd = row["clavien_dindo"]
        row["major_complication"] = None if cd is None else cd in _MAJOR_CD
        # conversion: not resectable at presentation, resected later
        at_start = row["resectability_at_presentation"]
        row["converted"] = (
            None
            if at_start in (None, "resectable") or row["resected"] is None
            else bool(row["resected"])
        )
        for score in RECORDED_SCORES:
            value = rec.recorded_scores.get(score)
            row[f"{score}_recorded"] = value
            row[f"{score}_recorded_source"] = rec.source if score in rec.recorded_scores else None
        computed = score_fn(rec.values)
        for key in COMPUTED_SCORES:
            row[key] = computed.get(key)
        row["fong_group_recorded"] = fong_group(row["fong_crs_recorded"])
        row["fong_group"] = fong_group(row["fong_crs"])
        row["game_group"] = game_group(row["game"])
        row["tbs_zone"] = tbs_zone(row["tumour_burden_score"])
        rows.append(row)
    frame = pd.DataFrame(rows, columns=frame_columns())
    for key in (*COMPUTED_SCORES, *(f"{s}_recorded" for s in RECORDED_SCORES)):
        frame[key] = pd.to_numeric(frame[key], errors="coerce").astype("float64")
    for key in (
        "os_months",
        "dfs_months",
        "liver_dfs_months",
        "largest_diameter_mm",
        "cea_ng_ml",
        "age_years",
        "pathological_response_fraction",
    ):
        frame[key] = pd.to_numeric(frame[key], errors="coerce").astype("float64")
    return frame


# ---------------------------------------------------------------------------------------------
# --where filters (no eval)

_CLAUSE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|!=|=|>|<)\s*(.*?)\s*$")


@dataclass(frozen=True)
class Condition:
    column: str
    op: str
    value: str | float | bool | None

    def describe(self) -> str:
        v = "missing" if self.value is None else self.value
        return f"{self.column} {self.op} {v}"


def parse_where(expressions: Sequence[str], columns: Sequence[str]) -> list[Condition]:
    """Parse ``--where`` filters: ``FIELD OP VALUE`` clauses, several per expression joined by
    ``,`` or `` and ``; all clauses must hold. OP is one of ``= != > >= < <=``; VALUE is a
    number, ``true``/``false``, ``missing``, or a word (compared as text). Ordering operators
    need a number."""
    conditions: list[Condition] = []
    problems: list[str] = []
    for expr in expressions:
        for clause in re.split(r",|\s+and\s+", expr):
            if not clause.strip():
                continue
            m = _CLAUSE.match(clause)
            if m is None:
                problems.append(
                    f"--where {clause.strip()!r}: expected FIELD OP VALUE, e.g. fong_crs>=3"
                )
                continue
            col, op, raw = m.groups()
            if col not in columns:
                problems.append(f"--where {clause.strip()!r}: unknown field {col!r}")
                continue
            value: str | float | bool | None
            low = raw.lower()
            if low in {"true", "yes"}:
                value = True
            elif low in {"false", "no"}:
                value = False
            elif low in {"missing", "none", "null"}:
                value = None
            else:
                try:
                    value = float(raw)
                except ValueError:
                    value = raw
            if op in {">", ">=", "<", "<="} and not isinstance(value, float):
                problems.append(f"--where {clause.strip()!r}: {op} needs a number (got {raw!r})")
                continue
            if value is None and op not in {"=", "!="}:
                problems.append(f"--where {clause.strip()!r}: missing works with = and != only")
                continue
            conditions.append(Condition(col, op, value))
    if problems:
        raise InvalidInputError("invalid --where filter", problems)
    return conditions


def apply_where(frame: Any, conditions: Sequence[Condition]) -> Any:
    """The rows of ``frame`` where every condition holds (a missing value fails every
    comparison except ``= missing`` / ``!= <value>``)."""
    pd = require("pandas")
    mask = pd.Series(True, index=frame.index)
    for c in conditions:
        col = frame[c.column]
        isna = col.isna()
        if c.value is None:
            cond = isna if c.op == "=" else ~isna
        elif isinstance(c.value, bool):
            eq = col.map(lambda x, v=c.value: x is v or x == v if x is not None else False)
            eq = eq.fillna(False).astype(bool) & ~isna
            cond = eq if c.op == "=" else ~eq
        elif isinstance(c.value, float):
            num = pd.to_numeric(col, errors="coerce")
            ops = {
                "=": num == c.value,
                "!=": num != c.value,
                ">": num > c.value,
                ">=": num >= c.value,
                "<": num < c.value,
                "<=": num <= c.value,
            }
            cond = ops[c.op] & num.notna()
            if c.op == "!=":
                cond = (num != c.value) | num.isna()
        else:
            eq = (col.astype(str) == c.value) & ~isna
            cond = eq if c.op == "=" else ~eq
        mask &= cond.astype(bool)
    return frame[mask].reset_index(drop=True)
