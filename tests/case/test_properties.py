"""Invariants over generated documents (tests/strategies.py): JSON -> Case -> JSON is the
identity, and every invalid mutation of a valid document is reported at the mutated path."""

from __future__ import annotations

import copy
import json
from typing import Any, Literal, get_args, get_origin

from hypothesis import given, settings
from hypothesis import strategies as st

from livermdt.case import Case, derived, parse_case
from livermdt.case._problems import path_str
from livermdt.case._validation import _resolve
from livermdt.errors import CaseValidationError
from livermdt.scores import extensive_chemotherapy
from tests.strategies import valid_case_dicts, valid_cases

Path = tuple[str | int, ...]


@settings(max_examples=50, deadline=None)
@given(valid_case_dicts())
def test_json_model_json_is_identity(doc: dict[str, Any]) -> None:
    case = parse_case(doc)
    assert case.to_json_dict() == doc
    text = json.dumps(doc)
    assert parse_case(text).to_json_dict() == json.loads(text)
    assert parse_case(json.dumps(case.to_json_dict())) == case


@settings(max_examples=30, deadline=None)
@given(valid_case_dicts(complete=True))
def test_complete_documents_round_trip_and_fill_every_section(doc: dict[str, Any]) -> None:
    case = parse_case(doc)
    assert case.to_json_dict() == doc
    for section in ("patient", "primary", "liver_metastases", "biomarkers", "volumetry", "labs"):
        assert getattr(case, section) is not None
    assert derived.lesion_count(case).value
    assert derived.largest_lesion_mm(case).known


def _leaves(doc: Any, path: Path = ()) -> list[tuple[Path, Any]]:
    out: list[tuple[Path, Any]] = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            out.append(((*path, key), value))
            out.extend(_leaves(value, (*path, key)))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out.append(((*path, i), value))
            out.extend(_leaves(value, (*path, i)))
    return out


def _set(doc: Any, path: Path, value: Any) -> None:
    for part in path[:-1]:
        doc = doc[part]
    doc[path[-1]] = value


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return 12
    if isinstance(value, list):
        return "not a list"
    return 12


Mutation = Literal["wrong_type", "unknown_key", "vocabulary", "range"]


def _candidates(doc: dict[str, Any], kind: Mutation) -> list[tuple[Path, Any]]:
    out = []
    for path, value in _leaves(doc):
        if path == ("schema",):
            continue  # another schema is refused before validation (tested elsewhere)
        target = _resolve(Case, path)
        if kind == "wrong_type" and value is not None:
            out.append((path, _wrong_type(value)))
        elif kind == "unknown_key" and isinstance(value, dict):
            out.append(((*path, "zz_not_a_field"), 1))
        elif kind == "vocabulary" and get_origin(target.annotation) is Literal:
            if len(get_args(target.annotation)) > 1:
                out.append((path, "not_in_the_vocabulary"))
        elif kind == "range" and target.annotation in (int, float) and value is not None:
            b = target.bounds
            if "ge" in b:
                out.append((path, b["ge"] - 1))
            elif "gt" in b:
                out.append((path, b["gt"]))
            if "le" in b:
                out.append((path, b["le"] + 1))
    if kind == "unknown_key":
        out.append((("zz_not_a_field",), 1))
    return out


@settings(max_examples=100, deadline=None)
@given(
    valid_case_dicts(),
    st.sampled_from(("wrong_type", "unknown_key", "vocabulary", "range")),
    st.data(),
)
def test_every_invalid_mutation_names_its_path(
    doc: dict[str, Any], kind: Mutation, data: st.DataObject
) -> None:
    candidates = _candidates(doc, kind)
    if not candidates:
        return
    path, bad = data.draw(st.sampled_from(candidates))
    mutated = copy.deepcopy(doc)
    _set(mutated, path, bad)
    try:
        parse_case(mutated)
    except CaseValidationError as err:
        prefix = path_str(path) + ":"
        assert any(line.startswith(prefix) for line in err.problems), (prefix, err.problems)
        assert all(": " in line for line in err.problems)
    else:
        raise AssertionError(f"{kind} at {path_str(path)} ({bad!r}) was accepted")


#: The only notes where None is a fact about the patient rather than a missing input.
_FACTS_NOT_GAPS = frozenset({"primary in situ: not resected", "no lesions listed"})


@settings(max_examples=40, deadline=None)
@given(valid_cases())
def test_derived_values_never_raise_and_missing_paths_are_paths(case: Case) -> None:
    functions = [getattr(derived, name) for name in derived.__all__ if name[0].islower()]
    for fn in functions:
        d = fn(case)
        assert isinstance(d, derived.Derived)
        for path in d.missing:
            assert path and " " not in path
        if d.value is None and d.note not in _FACTS_NOT_GAPS:
            assert d.missing, (fn.__name__, d.note)


@settings(max_examples=40, deadline=None)
@given(valid_cases())
def test_derived_invariants(case: Case) -> None:
    dfi = derived.disease_free_interval_months(case).value
    assert dfi is None or dfi >= 0
    if derived.metastasis_timing(case).value == "synchronous":
        assert dfi == 0
    exposure = derived.chemotherapy_exposure(case).value
    assert exposure is not None
    extensive = extensive_chemotherapy(derived.chemotherapy_exposure(case))
    if exposure.weeks is not None and extensive is not None:
        # The shipped thresholds (12 weeks, 6 2-weekly, 4 3-weekly cycles) all mean 84 days.
        assert extensive == (exposure.weeks * 7 > 84)
    bilobar = derived.is_bilobar(case).value
    count = derived.lesion_count(case).value
    if bilobar:
        assert count is not None and count >= 1
    ras = derived.ras_status(case)
    assert ras.value in ("wild_type", "mutated", "unknown")
    assert (ras.value == "unknown") == bool(ras.missing)
