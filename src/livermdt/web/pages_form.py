"""The case editor form and its mapping to and from a case-v1 document.

The form is derived from the case model's JSON schema (``livermdt.case``), not typed a second
time: every object of the document becomes a fieldset, every array of objects a table of rows
(lesions, treatments, re-staging and its per-lesion diameters, outcomes), every vocabulary a
select or a set of checkboxes, Couinaud segments a 1-8 picker. A field added to the model appears
in the editor without a change here, and a test checks that every path of the schema has an input.

Input names are the case-document paths themselves (``liver_metastases.lesions[1].diameter_mm``),
so a validation problem ``path: what is wrong`` lands next to the input of the same path.

Rules of the mapping:

* an empty input means the field is absent from the document — never a default, never a guess;
* a value that cannot be read as its type (``"abc"`` for an age) is passed on as typed, so the
  case validation reports it with its path and the value, exactly as the CLI would;
* a row whose inputs are all empty is dropped (a blank row added by mistake is not a lesion).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal, Protocol

Kind = Literal[
    "text", "integer", "number", "date", "boolean", "choice", "multichoice", "list", "json", "const"
]


@dataclass(frozen=True)
class FormField:
    """One input: ``key`` within its parent object."""

    key: str
    label: str
    kind: Kind
    choices: tuple[Any, ...] = ()
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    required: bool = False
    description: str = ""

    @property
    def is_segments(self) -> bool:
        return self.kind == "multichoice" and self.key.startswith("segments")


@dataclass(frozen=True)
class FormGroup:
    """An object of the document (``repeated=False``) or an array of objects (``True``)."""

    key: str
    label: str
    children: tuple[FormField | FormGroup, ...]
    repeated: bool = False
    description: str = ""

    @property
    def row_label(self) -> str:
        """What one row of a table is called (``treatments`` → ``Treatment``)."""
        return _ROW_LABELS.get(self.key, label_for(self.key).rstrip("s"))


_ROW_LABELS: dict[str, str] = {
    "lesions": "Lesion",
    "treatments": "Treatment",
    "restaging": "Re-staging",
    "operations": "Operation",
    "recurrences": "Recurrence",
}

Node = FormField | FormGroup


class MultiMapping(Protocol):
    """What a submitted form offers (Starlette's ``FormData``, werkzeug's ``MultiDict``)."""

    def getlist(self, key: str) -> list[Any]: ...

    def __iter__(self) -> Iterator[str]: ...


# --- building the form from the JSON schema ----------------------------------------------------

_UNITS: tuple[tuple[str, str], ...] = (
    ("_pct_min_m2", "%/min/m²"),
    ("_10e9_l", "×10⁹/L"),
    ("_umol_l", "µmol/L"),
    ("_ng_ml", "ng/mL"),
    ("_u_ml", "U/mL"),
    ("_g_l", "g/L"),
    ("_percent", "%"),
    ("_years", "years"),
    ("_mm", "mm"),
    ("_ml", "mL"),
    ("_cm", "cm"),
    ("_kg", "kg"),
    ("_m2", "m²"),
)

_WORDS: dict[str, str] = {
    "ecog": "ECOG",
    "asa": "ASA",
    "cea": "CEA",
    "ca19_9": "CA 19-9",
    "inr": "INR",
    "icg": "ICG",
    "r15": "R15",
    "hida": "HIDA",
    "flr": "FLR",
    "pve": "PVE",
    "mmr": "MMR",
    "kras": "KRAS",
    "nras": "NRAS",
    "braf": "BRAF",
    "her2": "HER2",
    "pik3ca": "PIK3CA",
    "smad4": "SMAD4",
    "ntrk": "NTRK",
    "id": "ID",
    "ids": "IDs",
    "r0": "R0",
    "phlf": "PHLF",
}

_LABELS: dict[str, str] = {
    "id": "ID",
    "child_pugh_class": "Child-Pugh class",
    "clavien_dindo": "Clavien-Dindo grade",
    "trg": "Tumour regression grade",
    "days_to_followup_scan": "Days to follow-up scan",
    "last_followup_date": "Last follow-up date",
    "residual_tumour_percent": "Residual tumour",
    "primary": "Primary tumour",
    "liver": "Liver",
    "labs": "Laboratory values",
    "pve": "Portal vein embolisation / venous deprivation",
    "treatments": "Treatments before this discussion",
    "restaging": "Re-staging (first entry = baseline)",
    "t_stage": "T stage",
    "n_stage": "N stage",
    "ca19_9_u_ml": "CA 19-9",
    "platelets_10e9_l": "Platelets",
    "icg_r15_percent": "ICG retention at 15 min",
    "hida_flr_clearance_pct_min_m2": "HIDA FLR clearance",
    "segments": "Couinaud segments",
    "segments_removed": "Segments removed",
    "disappeared_lesion_ids": "Disappeared lesion IDs",
    "fit_for_major_surgery": "Fit for major surgery",
}


def _unit_and_stem(key: str) -> tuple[str, str]:
    for suffix, unit in _UNITS:
        if key.endswith(suffix):
            return unit, key[: -len(suffix)]
    return "", key


def label_for(key: str) -> str:
    """A readable label for a document key (``cea_ng_ml`` → ``CEA``)."""
    if key in _LABELS:
        return _LABELS[key]
    unit, stem = _unit_and_stem(key)
    del unit
    if stem in _WORDS:
        return _WORDS[stem]
    words = [_WORDS.get(word, word) for word in stem.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def choice_label(value: Any) -> str:
    """How a vocabulary value is shown (``right_hepatic_vein`` → ``right hepatic vein``)."""
    return str(value).replace("_", " ")


class _Schema:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.defs: Mapping[str, Any] = root.get("$defs", {})

    def resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """Follow ``$ref`` and drop the ``null`` alternative of an optional field."""
        seen = 0
        while True:
            seen += 1
            if seen > 20:  # a reference cycle would be a bug in the model; do not loop
                raise ValueError("JSON schema references do not resolve")
            if "$ref" in node:
                name = str(node["$ref"]).rsplit("/", 1)[-1]
                merged = dict(self.defs[name])
                merged.update({k: v for k, v in node.items() if k != "$ref"})
                node = merged
                continue
            for combinator in ("anyOf", "oneOf"):
                if combinator in node:
                    options = [o for o in node[combinator] if o.get("type") != "null"]
                    if len(options) == 1:
                        merged = dict(options[0])
                        for k, v in node.items():
                            if k not in (combinator, "default"):
                                merged.setdefault(k, v)
                        node = merged
                        break
                    return node
            else:
                if "allOf" in node and len(node["allOf"]) == 1:
                    merged = dict(node["allOf"][0])
                    merged.update({k: v for k, v in node.items() if k != "allOf"})
                    node = merged
                    continue
                return node


def _scalar_field(
    key: str, node: Mapping[str, Any], *, required: bool, description: str
) -> FormField:
    unit, _stem = _unit_and_stem(key)
    label = label_for(key)
    if "const" in node:
        return FormField(key, label, "const", choices=(node["const"],), required=required)
    if "enum" in node:
        return FormField(
            key, label, "choice", tuple(node["enum"]), required=required, description=description
        )
    kind_of = node.get("type")
    if kind_of == "boolean":
        return FormField(key, label, "boolean", required=required, description=description)
    if kind_of in ("integer", "number"):
        minimum = node.get("minimum", node.get("exclusiveMinimum"))
        maximum = node.get("maximum", node.get("exclusiveMaximum"))
        return FormField(
            key,
            label,
            "integer" if kind_of == "integer" else "number",
            unit=unit,
            minimum=minimum,
            maximum=maximum,
            required=required,
            description=description,
        )
    if kind_of == "string":
        kind: Kind = "date" if node.get("format") == "date" else "text"
        return FormField(key, label, kind, unit=unit, required=required, description=description)
    # A union of shapes the form cannot show as one input: edit it as JSON text.
    return FormField(key, label, "json", required=required, description=description)


def _node(schema: _Schema, key: str, raw: Mapping[str, Any], *, required: bool) -> Node:
    node = schema.resolve(raw)
    description = str(raw.get("description") or node.get("description") or "")
    if node.get("type") == "object" and "properties" in node:
        return FormGroup(
            key, label_for(key), _children(schema, node), repeated=False, description=description
        )
    if node.get("type") == "array":
        items = schema.resolve(node.get("items", {}))
        if items.get("type") == "object" and "properties" in items:
            return FormGroup(
                key,
                label_for(key),
                _children(schema, items),
                repeated=True,
                description=description,
            )
        if "enum" in items:
            return FormField(
                key,
                label_for(key),
                "multichoice",
                tuple(items["enum"]),
                required=required,
                description=description,
            )
        if items.get("type") == "integer" and "minimum" in items and "maximum" in items:
            low, high = int(items["minimum"]), int(items["maximum"])
            if high - low <= 20:
                return FormField(
                    key,
                    label_for(key),
                    "multichoice",
                    tuple(range(low, high + 1)),
                    required=required,
                    description=description,
                )
        if items.get("type") == "string" and "format" not in items:
            return FormField(
                key, label_for(key), "list", required=required, description=description
            )
        return FormField(key, label_for(key), "json", required=required, description=description)
    return _scalar_field(key, node, required=required, description=description)


def _children(schema: _Schema, node: Mapping[str, Any]) -> tuple[Node, ...]:
    required = set(node.get("required", ()))
    return tuple(
        _node(schema, key, sub, required=key in required)
        for key, sub in node.get("properties", {}).items()
    )


def build_form(json_schema: Mapping[str, Any]) -> FormGroup:
    """The editor's form tree for a document JSON schema (the root is a non-repeated group)."""
    schema = _Schema(json_schema)
    root = schema.resolve(json_schema)
    children = tuple(
        replace(child, label="Case ID")
        if isinstance(child, FormField) and child.key == "id"
        else child
        for child in _children(schema, root)
    )
    return FormGroup("", "Case", children)


@lru_cache(maxsize=1)
def case_form() -> FormGroup:
    """The form of case-v1, from ``livermdt.case``'s model."""
    import livermdt.case as case_module

    schema_fn = getattr(case_module, "case_json_schema", None)
    json_schema = schema_fn() if callable(schema_fn) else case_module.Case.model_json_schema()
    return build_form(json_schema)


# --- paths ----------------------------------------------------------------------------------------


def join(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else key


def iter_fields(group: FormGroup, prefix: str = "") -> Iterator[tuple[str, FormField]]:
    """Every field path of the schema, rows shown with ``[]`` (for the coverage check)."""
    for child in group.children:
        path = join(prefix, child.key)
        if isinstance(child, FormField):
            yield path, child
        else:
            yield from iter_fields(child, path + "[]" if child.repeated else path)


# --- form state -----------------------------------------------------------------------------------

RowsKey = str  # path of an array of objects, with concrete indices: "restaging[0].lesions"


@dataclass
class FormState:
    """What the inputs hold: ``values`` by path (a string, or a list for checkboxes), and how
    many rows each table has."""

    values: dict[str, str | list[str]] = field(default_factory=dict)
    rows: dict[RowsKey, int] = field(default_factory=dict)
    #: Lists the document holds as ``[]`` ("recorded: none"), kept apart from absent lists so
    #: that saving an unchanged form gives back the same document.
    explicit_empty: set[str] = field(default_factory=set)
    #: Checkbox lists whose document order differs from the vocabulary order (the checkboxes
    #: submit in vocabulary order); kept so that an unchanged save changes nothing.
    order: dict[str, list[str]] = field(default_factory=dict)

    def is_explicit_empty(self, path: str) -> bool:
        return path in self.explicit_empty

    def value(self, path: str) -> str:
        raw = self.values.get(path, "")
        return raw if isinstance(raw, str) else ",".join(raw)

    def selected(self, path: str) -> list[str]:
        raw = self.values.get(path, [])
        return [raw] if isinstance(raw, str) else list(raw)

    def row_count(self, path: str) -> int:
        return self.rows.get(path, 0)

    def add_row(self, path: str) -> None:
        self.rows[path] = self.rows.get(path, 0) + 1

    def remove_row(self, path: str, index: int) -> None:
        """Drop row ``index`` of table ``path`` and renumber the rows after it."""
        if not 0 <= index < self.rows.get(path, 0):
            return
        pattern = re.compile(re.escape(path) + r"\[(\d+)\](.*)$", re.DOTALL)

        def rename(key: str) -> str | None:
            match = pattern.match(key)
            if not match:
                return key
            row = int(match.group(1))
            if row == index:
                return None
            if row > index:
                return f"{path}[{row - 1}]{match.group(2)}"
            return key

        new_values: dict[str, str | list[str]] = {}
        for key, value in self.values.items():
            renamed = rename(key)
            if renamed is not None:
                new_values[renamed] = value
        new_rows: dict[str, int] = {}
        for key, count in self.rows.items():
            renamed = rename(key)
            if renamed is not None:
                new_rows[renamed] = count
        new_rows[path] = self.rows[path] - 1
        new_empty = {renamed for key in self.explicit_empty if (renamed := rename(key))}
        new_order = {
            renamed: value for key, value in self.order.items() if (renamed := rename(key))
        }
        self.values, self.rows, self.explicit_empty = new_values, new_rows, new_empty
        self.order = new_order


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


def state_from_document(document: Mapping[str, Any], form: FormGroup | None = None) -> FormState:
    """Fill the form from a case document (for editing an existing case)."""
    form = form or case_form()
    state = FormState()
    _fill(form, document, "", state)
    return state


def _fill(group: FormGroup, data: Mapping[str, Any], prefix: str, state: FormState) -> None:
    for child in group.children:
        path = join(prefix, child.key)
        value = data.get(child.key) if isinstance(data, Mapping) else None
        if value is None:
            if isinstance(child, FormGroup) and child.repeated:
                state.rows[path] = 0
            continue
        if isinstance(value, list) and not value:
            state.explicit_empty.add(path)
        if isinstance(child, FormGroup):
            if child.repeated:
                items = list(value) if isinstance(value, list) else []
                state.rows[path] = len(items)
                for index, item in enumerate(items):
                    _fill(
                        child, item if isinstance(item, Mapping) else {}, f"{path}[{index}]", state
                    )
            elif isinstance(value, Mapping):
                _fill(child, value, path, state)
            continue
        if child.kind == "multichoice":
            items = [_scalar_text(v) for v in value]
            state.values[path] = items
            vocabulary = [str(c) for c in child.choices]
            if items != sorted(items, key=lambda v: vocabulary.index(v) if v in vocabulary else -1):
                state.order[path] = items
        elif child.kind == "list":
            state.values[path] = ", ".join(str(v) for v in value)
        elif child.kind == "json":
            state.values[path] = json.dumps(value, ensure_ascii=False)
        else:
            state.values[path] = _scalar_text(value)


def state_from_form(form_data: MultiMapping, form: FormGroup | None = None) -> FormState:
    """Read a submitted editor form (names are document paths; ``_rows:PATH`` give row counts)."""
    form = form or case_form()
    state = FormState()
    for key in form_data:
        if key.startswith("_empty:"):
            state.explicit_empty.add(key[len("_empty:") :])
        if key.startswith("_order:"):
            raw_order = str((form_data.getlist(key) or [""])[-1])
            state.order[key[len("_order:") :]] = [v for v in raw_order.split(",") if v]
        if key.startswith("_rows:"):
            raw = (form_data.getlist(key) or ["0"])[-1]
            try:
                state.rows[key[len("_rows:") :]] = max(0, min(int(str(raw)), 500))
            except ValueError:
                state.rows[key[len("_rows:") :]] = 0
    _read(form, form_data, "", state)
    return state


def _read(group: FormGroup, form_data: MultiMapping, prefix: str, state: FormState) -> None:
    for child in group.children:
        path = join(prefix, child.key)
        if isinstance(child, FormGroup):
            if child.repeated:
                for index in range(state.rows.setdefault(path, 0)):
                    _read(child, form_data, f"{path}[{index}]", state)
            else:
                _read(child, form_data, path, state)
            continue
        submitted = [str(v) for v in form_data.getlist(path)]
        if child.kind == "multichoice":
            if submitted:
                state.values[path] = submitted
        elif submitted:
            state.values[path] = submitted[-1]


def _convert(field_: FormField, raw: str | list[str]) -> Any:
    """The document value of an input; ``None`` means absent. Unreadable text is kept as typed."""
    if field_.kind == "multichoice":
        items = [raw] if isinstance(raw, str) else raw
        if not items:
            return None
        typed = {str(c): c for c in field_.choices}
        return [typed.get(item, item) for item in items]
    text = raw if isinstance(raw, str) else ",".join(raw)
    if field_.kind == "json":
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    text = text.strip()
    if not text:
        return None
    if field_.kind == "integer":
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return text
    if field_.kind == "number":
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return text
    if field_.kind == "boolean":
        return {"true": True, "false": False}.get(text, text)
    if field_.kind in ("choice", "const"):
        typed = {str(c): c for c in field_.choices}
        return typed.get(text, text)
    if field_.kind == "list":
        return [item.strip() for item in text.split(",") if item.strip()]
    return text


def document_from_state(state: FormState, form: FormGroup | None = None) -> dict[str, Any]:
    """The case document the inputs describe (empty inputs and empty rows absent)."""
    form = form or case_form()
    return _build(form, state, "")


def _build(group: FormGroup, state: FormState, prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in group.children:
        path = join(prefix, child.key)
        if isinstance(child, FormGroup):
            if child.repeated:
                items = [
                    _build(child, state, f"{path}[{index}]")
                    for index in range(state.row_count(path))
                ]
                kept = [item for item in items if item]
                if kept or path in state.explicit_empty:
                    out[child.key] = kept
            else:
                sub = _build(child, state, path)
                if sub:
                    out[child.key] = sub
            continue
        raw = state.values.get(path)
        if isinstance(raw, list) and path in state.order:
            # Ticked boxes in the order the document had them; newly ticked ones after.
            known = state.order[path]
            raw = sorted(raw, key=lambda v: known.index(v) if v in known else len(known))
        value = _convert(child, raw) if raw is not None else None
        if value is not None:
            out[child.key] = value
        elif path in state.explicit_empty and child.kind in ("multichoice", "list"):
            out[child.key] = []
    return out


def compact_rows(state: FormState, form: FormGroup | None = None) -> None:
    """Drop the rows whose inputs are all empty, so that row ``i`` of the form is item ``i`` of
    the document and a problem about ``treatments[1]`` lands on the row the user sees second."""
    _compact(form or case_form(), state, "")


def _compact(group: FormGroup, state: FormState, prefix: str) -> None:
    for child in group.children:
        if not isinstance(child, FormGroup):
            continue
        path = join(prefix, child.key)
        if not child.repeated:
            _compact(child, state, path)
            continue
        for index in reversed(range(state.row_count(path))):
            row = f"{path}[{index}]"
            _compact(child, state, row)
            if not _build(child, state, row):
                state.remove_row(path, index)


# --- validation problems next to their inputs -----------------------------------------------------

_PROBLEM_PATH = re.compile(r"^\s*([A-Za-z0-9_.\[\]]+)\s*:\s*(.*)$", re.DOTALL)


def split_problem(problem: str) -> tuple[str, str]:
    """``"patient.age_years: must be 18..110 (got 7)"`` → ``("patient.age_years", "must ...")``;
    a line without a path gives ``("", line)``."""
    match = _PROBLEM_PATH.match(problem)
    if not match:
        return "", problem
    return match.group(1), match.group(2)


def known_paths(form: FormGroup, state: FormState, prefix: str = "") -> set[str]:
    """Every concrete path the rendered form has an element for (fields, groups, rows)."""
    paths: set[str] = set()
    for child in form.children:
        path = join(prefix, child.key)
        paths.add(path)
        if isinstance(child, FormGroup):
            if child.repeated:
                for index in range(state.row_count(path)):
                    paths.add(f"{path}[{index}]")
                    paths |= known_paths(child, state, f"{path}[{index}]")
            else:
                paths |= known_paths(child, state, path)
    return paths


def problems_by_path(
    problems: Iterable[str], state: FormState, form: FormGroup | None = None
) -> dict[str, list[str]]:
    """Attach each problem to the deepest element of the form its path falls under
    (``liver_metastases.lesions[0].segments[1]`` → the segment picker of lesion 0)."""
    form = form or case_form()
    paths = known_paths(form, state)
    out: dict[str, list[str]] = {}
    for problem in problems:
        path, message = split_problem(problem)
        target = _target(path, paths)
        out.setdefault(target, []).append(message if target == path else problem)
    return out


def problem_targets(
    problems: Iterable[str], state: FormState, form: FormGroup | None = None
) -> list[tuple[str, str]]:
    """Each problem with the path of the form element it is shown at (for links to it)."""
    paths = known_paths(form or case_form(), state)
    return [(problem, _target(split_problem(problem)[0], paths)) for problem in problems]


def _target(path: str, paths: set[str]) -> str:
    target = path
    while target and target not in paths:
        cut = max(target.rfind("."), target.rfind("["))
        target = target[:cut] if cut > 0 else ""
    return target
