"""Reading case documents and turning validation errors into lines a clinician can act on.

Every problem becomes one line ``path: what is wrong (got VALUE)``, the path in the spec's
notation (``liver_metastases.lesions[1].segments[0]``). pydantic skips ``Case``'s cross-field
validator when a field is invalid; ``parse_case`` then validates again without the invalid fields
so that contradictions among the remaining fields are reported in the same list.
"""

from __future__ import annotations

import copy
import difflib
import json
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from livermdt.case import model as _model
from livermdt.case._contradictions import REMOVED_PATHS
from livermdt.case._problems import Problem, path_str, show_value
from livermdt.case.model import Case
from livermdt.case.vocab import SCHEMA_ID
from livermdt.errors import CaseValidationError, InvalidInputError

_CONTRADICTION = "case_contradiction"
_MAX_PRUNE_ROUNDS = 20

#: What a bare number means, for the fields whose name does not say it.
_LABELS: dict[str, str] = {
    "segments": "Couinaud segment",
    "segments_removed": "Couinaud segment",
    "age_years": "age",
    "ecog": "ECOG performance status",
    "asa_class": "ASA class",
    "trg": "tumour regression grade",
    "line": "treatment line",
    "cycles": "number of cycles",
    "days_to_followup_scan": "days to the follow-up scan",
}
_UNITS: tuple[tuple[str, str], ...] = (
    ("_years", "years"),
    ("_cm", "cm"),
    ("_kg", "kg"),
    ("_mm", "mm"),
    ("_ml", "mL"),
    ("_percent", "%"),
    ("_ng_ml", "ng/mL"),
    ("_u_ml", "U/mL"),
    ("_umol_l", "µmol/L"),
    ("_g_l", "g/L"),
    ("_10e9_l", "x10^9/L"),
    ("_pct_min_m2", "%/min/m2"),
)
_TYPE_WORDS: dict[str, str] = {
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_parsing": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list [...]",
    "model_type": "must be an object {...}",
    "model_attributes_type": "must be an object {...}",
    "dict_type": "must be an object {...}",
}


# --- where an error points in the model ----------------------------------------------------------


@dataclass
class _Target:
    """What the model says about the place an error points to."""

    model: type[BaseModel] | None = None  # the model holding the last key looked up
    name: str | None = None  # the last field name on the path
    annotation: Any = None  # the type at the path (Optional and Annotated removed)
    bounds: dict[str, Any] = field(default_factory=dict)  # ge/gt/le/lt/min_length/max_length


def _unwrap(tp: Any) -> tuple[Any, list[Any]]:
    metadata: list[Any] = []
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            args = get_args(tp)
            tp, metadata = args[0], metadata + list(tp.__metadata__)
        elif origin in (Union, types.UnionType):
            arms = [a for a in get_args(tp) if a is not type(None)]
            if len(arms) != 1:
                return tp, metadata
            tp = arms[0]
        else:
            return tp, metadata


_CONSTRAINTS: dict[type[Any], str] = {
    annotated_types.Ge: "ge",
    annotated_types.Gt: "gt",
    annotated_types.Le: "le",
    annotated_types.Lt: "lt",
    annotated_types.MinLen: "min_length",
    annotated_types.MaxLen: "max_length",
}


def _bounds(metadata: Sequence[Any]) -> dict[str, Any]:
    """The numeric and length constraints among pydantic field metadata."""
    out: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, FieldInfo):
            out.update(_bounds(item.metadata))
        name = _CONSTRAINTS.get(type(item))
        if name is not None:
            out[name] = getattr(item, name)
    return out


def _resolve(root: type[BaseModel], loc: Sequence[str | int]) -> _Target:
    target = _Target(annotation=root)
    tp: Any = root
    for part in loc:
        tp, metadata = _unwrap(tp)
        if isinstance(part, str):
            if not (isinstance(tp, type) and issubclass(tp, BaseModel)):
                return target
            target.model = tp
            fields = tp.model_fields
            key = next((n for n, f in fields.items() if (f.alias or n) == part), None)
            if key is None:
                target.name = part
                target.annotation = None
                target.bounds = {}
                return target
            info = fields[key]
            target.name = part
            tp, metadata = _unwrap(info.annotation)
            metadata = list(info.metadata) + metadata
        else:
            if get_origin(tp) is not list:
                return target
            tp, metadata = _unwrap(get_args(tp)[0])
        target.annotation = tp
        target.bounds = _bounds(metadata)
    return target


# --- messages ------------------------------------------------------------------------------------


def _unit(name: str | None) -> str:
    if name is None:
        return ""
    # Longest suffix first: "cea_ng_ml" is ng/mL, not mL.
    for suffix, unit in sorted(_UNITS, key=lambda su: -len(su[0])):
        if name.endswith(suffix):
            return f" {unit}"
    return ""


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _range_message(target: _Target) -> str:
    b = target.bounds
    label = _LABELS.get(target.name or "", "")
    prefix = f"{label} " if label else ""
    unit = _unit(target.name)
    if "ge" in b and "le" in b:
        return f"{prefix}must be {_num(b['ge'])}..{_num(b['le'])}{unit}"
    parts = []
    if "gt" in b:
        parts.append(f"greater than {_num(b['gt'])}{unit}")
    elif "ge" in b:
        parts.append(f"at least {_num(b['ge'])}{unit}")
    if "lt" in b:
        parts.append(f"less than {_num(b['lt'])}{unit}")
    elif "le" in b:
        parts.append(f"at most {_num(b['le'])}{unit}")
    if parts == ["at least 0" + unit]:
        return f"{prefix}must not be negative"
    return f"{prefix}must be " + " and ".join(parts)


def _allowed(target: _Target) -> tuple[str, ...]:
    tp = target.annotation
    if get_origin(tp) is Literal:
        return tuple(str(a) for a in get_args(tp))
    return ()


def _closest(word: str, candidates: Sequence[str]) -> str | None:
    """The allowed name a user most likely meant: same text but for case, a name that adds a unit
    suffix (``cea`` -> ``cea_ng_ml``), or a close spelling."""
    lowered = {c.lower(): c for c in candidates}
    if word.lower() in lowered:
        return lowered[word.lower()]
    with_unit = [c for c in candidates if c.startswith(word + "_")]
    if len(with_unit) == 1:
        return with_unit[0]
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def _message(err: ErrorDetails, target: _Target) -> str:
    kind = err["type"]
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        return _range_message(target)
    if kind == "literal_error":
        allowed = _allowed(target)
        if len(allowed) == 1:
            return f'must be "{allowed[0]}"'
        text = f"must be one of: {', '.join(allowed)}"
        value = err.get("input")
        guess = _closest(value, allowed) if isinstance(value, str) else None
        return f"{text}; did you mean {guess}?" if guess else text
    if kind == "extra_forbidden":
        allowed_fields = (
            [f.alias or n for n, f in target.model.model_fields.items()] if target.model else []
        )
        guess = _closest(str(err["loc"][-1]), allowed_fields)
        if guess:
            return f"unknown field (did you mean {guess}?)"
        return f"unknown field; allowed: {', '.join(allowed_fields)}"
    if kind == "missing":
        return "required field is missing"
    if kind in {"too_short", "string_too_short"}:
        if target.bounds.get("min_length") == 1:
            return "must not be empty"
        return f"must have at least {target.bounds.get('min_length')} items"
    if kind in {"too_long", "string_too_long"}:
        what = "characters" if kind == "string_too_long" else "items"
        return f"must have at most {target.bounds.get('max_length')} {what}"
    if kind in _TYPE_WORDS:
        text = _TYPE_WORDS[kind]
        if isinstance(err.get("input"), str) and kind.startswith(("int", "float", "bool")):
            text += ", without quotes"
        return text
    msg = err["msg"]
    return msg.removeprefix("Value error, ")


def format_validation_errors(exc: ValidationError) -> list[str]:
    """Every problem of ``exc`` as one line ``path: what is wrong (got VALUE)``."""
    root = _MODELS.get(exc.title, Case)
    lines: list[str] = []
    for err in exc.errors(include_url=False):
        if err["type"] == _CONTRADICTION:
            lines.extend(str(line) for line in err.get("ctx", {}).get("problems", ()))
            continue
        loc = err["loc"]
        target = _resolve(root, loc)
        message = _message(err, target)
        path = path_str(loc)
        if err["type"] == "missing":
            lines.append(Problem(path, message).line())
        else:
            lines.append(Problem(path, message, err.get("input")).line())
    return list(dict.fromkeys(lines))


_MODELS: dict[str, type[BaseModel]] = {
    cls.__name__: cls
    for cls in vars(_model).values()
    if isinstance(cls, type) and issubclass(cls, BaseModel) and cls.__module__ == _model.__name__
}


# --- contradictions despite field errors ---------------------------------------------------------


def _prune(data: Any, loc: Sequence[str | int]) -> str | None:
    """Remove from ``data`` the deepest object key on ``loc`` that is present (never one of the
    required top-level keys); the path removed, or None."""
    for k in range(len(loc), 0, -1):
        key = loc[k - 1]
        if not isinstance(key, str) or (k == 1 and key in _REQUIRED_TOP_LEVEL):
            continue
        parent: Any = data
        for part in loc[: k - 1]:
            try:
                parent = parent[part]
            except (KeyError, IndexError, TypeError):
                parent = None
                break
        if isinstance(parent, dict) and key in parent:
            del parent[key]
            return path_str(loc[:k])
    return None


_REQUIRED_TOP_LEVEL = frozenset({"schema", "id", "discussion_date"})


def _contradictions_despite_field_errors(
    data: Mapping[str, Any], exc: ValidationError
) -> list[str]:
    """Validate again without the fields that failed, to report the contradictions among the
    fields that remain."""
    try:
        pruned: Any = copy.deepcopy(dict(data))
    except Exception:  # pragma: no cover - objects that cannot be copied: report field errors only
        return []
    errors = exc.errors(include_url=False)
    removed: set[str] = set()
    for _ in range(_MAX_PRUNE_ROUNDS):
        progressed = False
        for err in errors:
            if err["type"] == _CONTRADICTION:
                return [str(line) for line in err.get("ctx", {}).get("problems", ())]
            if tuple(err["loc"]) == ("id",):
                # No check reads the id; a stand-in lets the others run.
                pruned["id"] = "(invalid id)"
                progressed = True
                continue
            path = _prune(pruned, err["loc"])
            if path is not None:
                removed.add(path)
                progressed = True
        if not progressed:
            return []
        token = REMOVED_PATHS.set(frozenset(removed))
        try:
            Case.model_validate(pruned)
        except ValidationError as again:
            errors = again.errors(include_url=False)
        else:
            return []
        finally:
            REMOVED_PATHS.reset(token)
    return []


# --- reading -------------------------------------------------------------------------------------


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InvalidInputError(
                f'malformed case document: the key "{key}" appears twice in one object'
            )
        out[key] = value
    return out


def _json_text(text: str | bytes, source: str) -> Any:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInputError(
                f"{source}: not UTF-8 text (byte {exc.start}); a case document is a JSON file"
            ) from None
    if not text.strip():
        raise InvalidInputError(f"{source}: empty document; a case document is a JSON object")
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"{source}: malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None


def _check_document(obj: Any, source: str) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping):
        kind = {list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
            type(obj), "a number"
        )
        raise InvalidInputError(
            f"{source}: a case document is a JSON object {{...}}, this is {kind}"
        )
    if "schema" not in obj:
        raise InvalidInputError(
            f'{source}: not a case document: it has no "schema" key (expected "{SCHEMA_ID}")'
        )
    if obj["schema"] != SCHEMA_ID:
        raise InvalidInputError(
            f"{source}: unsupported schema {show_value(obj['schema'])}; "
            f'livermdt reads "{SCHEMA_ID}"'
        )
    return obj


def parse_case(data: Mapping[str, Any] | str | bytes, *, source: str = "case document") -> Case:
    """Validate a case document given as a mapping or as JSON text.

    Raises ``CaseValidationError`` listing every problem, or ``InvalidInputError`` with one line
    when the input is not a case document at all (malformed JSON, not an object, no ``schema``,
    another schema version).
    """
    obj = _json_text(data, source) if isinstance(data, str | bytes) else data
    document = _check_document(obj, source)
    try:
        return Case.model_validate(dict(document))
    except ValidationError as exc:
        lines = format_validation_errors(exc)
        if not any(e["type"] == _CONTRADICTION for e in exc.errors(include_url=False)):
            lines += [
                c for c in _contradictions_despite_field_errors(document, exc) if c not in lines
            ]
        raise CaseValidationError(lines) from None


def load_case(path: str | PathLike[str]) -> Case:
    """Read and validate a case document from a JSON file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InvalidInputError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InvalidInputError(f"{p}: is a directory, not a case file") from None
    except PermissionError:
        raise InvalidInputError(f"{p}: permission denied") from None
    except OSError as exc:
        raise InvalidInputError(f"{p}: cannot be read ({exc.strerror})") from None
    return parse_case(raw, source=str(p))


def case_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of case-v1, as ``livermdt schema case`` prints it."""
    schema = Case.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
