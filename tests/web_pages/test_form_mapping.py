"""The case editor's form <-> case-v1 document mapping (``livermdt.web.pages_form``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from starlette.datastructures import FormData

from livermdt.case import case_json_schema, parse_case
from livermdt.errors import CaseValidationError
from livermdt.web.pages_form import (
    FormState,
    case_form,
    document_from_state,
    iter_fields,
    problems_by_path,
    split_problem,
    state_from_document,
    state_from_form,
)
from tests.conftest import EXAMPLES
from tests.strategies import valid_case_dicts


def _canonical(document: dict[str, Any]) -> dict[str, Any]:
    """The model's JSON of a document, with empty objects and explicit nulls dropped (an object
    whose inputs are all empty is absent; null and absent mean the same in case-v1)."""

    def prune(value: Any) -> Any:
        if isinstance(value, dict):
            out = {k: prune(v) for k, v in value.items()}
            return {k: v for k, v in out.items() if v is not None and v != {}}
        if isinstance(value, list):
            return [prune(v) for v in value]
        return value

    dumped = parse_case(document).model_dump(mode="json", by_alias=True, exclude_none=True)
    result: dict[str, Any] = prune(dumped)
    return result


def _form_data(state: FormState) -> FormData:
    """What the rendered form would post for ``state`` (checkbox lists as repeated names)."""
    pairs: list[tuple[str, str]] = []
    for path, value in state.values.items():
        if isinstance(value, list):
            pairs.extend((path, v) for v in value)
        else:
            pairs.append((path, value))
    pairs.extend((f"_rows:{path}", str(count)) for path, count in state.rows.items())
    pairs.extend((f"_empty:{path}", "1") for path in state.explicit_empty)
    pairs.extend((f"_order:{path}", ",".join(order)) for path, order in state.order.items())
    return FormData(pairs)


def _leaf_paths(schema: dict[str, Any]) -> set[str]:
    """Every leaf path of the JSON schema, computed here independently of the form code."""
    defs = schema.get("$defs", {})

    def deref(node: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in node:
            return deref(defs[node["$ref"].rsplit("/", 1)[-1]])
        for key in ("anyOf", "oneOf"):
            if key in node:
                options = [o for o in node[key] if o.get("type") != "null"]
                if len(options) == 1:
                    return deref(options[0])
        return node

    out: set[str] = set()

    def walk(node: dict[str, Any], prefix: str) -> None:
        node = deref(node)
        if node.get("type") == "object" and "properties" in node:
            for key, sub in node["properties"].items():
                walk(sub, f"{prefix}.{key}" if prefix else key)
        elif node.get("type") == "array" and deref(node.get("items", {})).get("type") == "object":
            walk(node["items"], prefix + "[]")
        else:
            out.add(prefix)

    walk(schema, "")
    return out


def test_every_field_of_the_case_schema_has_an_input() -> None:
    form_paths = {path for path, _field in iter_fields(case_form())}
    assert _leaf_paths(case_json_schema()) == form_paths


def test_segment_pickers_offer_couinaud_1_to_8() -> None:
    fields = dict(iter_fields(case_form()))
    for path in (
        "liver_metastases.lesions[].segments",
        "volumetry.planned_resection.segments_removed",
    ):
        assert fields[path].kind == "multichoice"
        assert fields[path].is_segments
        assert tuple(fields[path].choices) == (1, 2, 3, 4, 5, 6, 7, 8)


@pytest.mark.parametrize(
    "name",
    [
        "example-1-resectable.json",
        "example-2-small-remnant.json",
        "example-3-dmmr-unresectable.json",
    ],
)
def test_example_cases_survive_document_form_document(name: str) -> None:
    with (EXAMPLES / name).open(encoding="utf-8") as handle:
        document = json.load(handle)
    posted = state_from_form(_form_data(state_from_document(document)))
    assert _canonical(document_from_state(posted)) == _canonical(document)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_case_dicts())
def test_valid_cases_survive_document_form_document(document: dict[str, Any]) -> None:
    posted = state_from_form(_form_data(state_from_document(document)))
    assert _canonical(document_from_state(posted)) == _canonical(document)


def test_empty_inputs_leave_fields_absent_never_defaulted() -> None:
    form = FormData(
        [
            ("schema", "livermdt/case/v1"),
            ("id", "c-1"),
            ("discussion_date", "2025-05-02"),
            ("patient.age_years", ""),
            ("patient.sex", ""),
            ("patient.fit_for_major_surgery", ""),
            ("labs.cea_ng_ml", "  "),
            ("_rows:liver_metastases.lesions", "1"),
            ("liver_metastases.lesions[0].id", ""),
            ("liver_metastases.lesions[0].diameter_mm", ""),
        ]
    )
    document = document_from_state(state_from_form(form))
    assert document == {"schema": "livermdt/case/v1", "id": "c-1", "discussion_date": "2025-05-02"}


def test_values_are_typed_and_booleans_read_as_booleans() -> None:
    form = FormData(
        [
            ("id", "c-1"),
            ("patient.age_years", "63"),
            ("patient.height_cm", "164.5"),
            ("patient.fit_for_major_surgery", "false"),
            ("_rows:liver_metastases.lesions", "1"),
            ("liver_metastases.lesions[0].id", "L1"),
            ("liver_metastases.lesions[0].segments", "7"),
            ("liver_metastases.lesions[0].segments", "8"),
            ("liver_metastases.disappeared_lesion_ids", "L7, L9"),
        ]
    )
    document = document_from_state(state_from_form(form))
    assert document["patient"] == {
        "age_years": 63,
        "height_cm": 164.5,
        "fit_for_major_surgery": False,
    }
    assert document["liver_metastases"] == {
        "lesions": [{"id": "L1", "segments": [7, 8]}],
        "disappeared_lesion_ids": ["L7", "L9"],
    }


def test_unreadable_number_is_passed_on_and_reported_with_its_path() -> None:
    form = FormData(
        [
            ("schema", "livermdt/case/v1"),
            ("id", "c-1"),
            ("discussion_date", "2025-05-02"),
            ("patient.age_years", "sixty"),
        ]
    )
    document = document_from_state(state_from_form(form))
    assert document["patient"]["age_years"] == "sixty"
    with pytest.raises(CaseValidationError) as caught:
        parse_case(document)
    assert any(p.startswith("patient.age_years:") for p in caught.value.problems)


def test_blank_row_is_dropped_but_a_partly_filled_row_is_kept() -> None:
    form = FormData(
        [
            ("id", "c-1"),
            ("_rows:treatments", "2"),
            ("treatments[0].type", ""),
            ("treatments[1].cycles", "6"),
        ]
    )
    document = document_from_state(state_from_form(form))
    # The second row lacks its required type: kept, so validation says so instead of dropping it.
    assert document["treatments"] == [{"cycles": 6}]


def test_remove_row_renumbers_following_rows_and_their_nested_tables() -> None:
    state = FormState(
        values={
            "restaging[0].date": "2025-01-01",
            "restaging[1].date": "2025-02-01",
            "restaging[1].lesions[0].id": "L1",
            "restaging[2].date": "2025-03-01",
            "restaging[2].lesions[0].id": "L2",
        },
        rows={"restaging": 3, "restaging[1].lesions": 1, "restaging[2].lesions": 1},
    )
    state.remove_row("restaging", 1)
    assert state.rows == {"restaging": 2, "restaging[1].lesions": 1}
    assert state.values == {
        "restaging[0].date": "2025-01-01",
        "restaging[1].date": "2025-03-01",
        "restaging[1].lesions[0].id": "L2",
    }


def test_add_row_grows_only_that_table() -> None:
    state = FormState(rows={"treatments": 1, "liver_metastases.lesions": 2})
    state.add_row("liver_metastases.lesions")
    assert state.rows == {"treatments": 1, "liver_metastases.lesions": 3}


def test_problems_land_on_the_deepest_input_of_their_path() -> None:
    state = FormState(rows={"liver_metastases.lesions": 2})
    problems = [
        "liver_metastases.lesions[1].segments[0]: Couinaud segment must be 1..8 (got 9)",
        "patient.weight_kg: must be >= 25 (got -3)",
        "labs.cea: unknown field (got 4)",
        "liver_metastases.lesions[1]: lesion id L1 used twice",
    ]
    placed = problems_by_path(problems, state)
    assert placed["liver_metastases.lesions[1].segments"] == [problems[0]]
    assert placed["patient.weight_kg"] == ["must be >= 25 (got -3)"]
    assert placed["labs"] == [problems[2]]  # no input for an unknown key: its section shows it
    assert placed["liver_metastases.lesions[1]"] == ["lesion id L1 used twice"]


def test_split_problem() -> None:
    assert split_problem("patient.age_years: must be 18..110 (got 7)") == (
        "patient.age_years",
        "must be 18..110 (got 7)",
    )
    assert split_problem("no path here") == ("", "no path here")


def test_an_explicitly_empty_list_stays_empty_and_an_absent_one_stays_absent() -> None:
    document = {
        "schema": "livermdt/case/v1",
        "id": "c-1",
        "extrahepatic_disease": {"present": False, "sites": []},
        "treatments": [],
    }
    state = state_from_document(document)
    assert state.explicit_empty == {"extrahepatic_disease.sites", "treatments"}
    assert document_from_state(state_from_form(_form_data(state))) == document
    absent = {"schema": "livermdt/case/v1", "id": "c-1", "extrahepatic_disease": {"present": False}}
    assert document_from_state(state_from_form(_form_data(state_from_document(absent)))) == absent


_FORM_ONLY = (
    '<form action="/x">{% import "_form.html" as forms %}'
    "{% for f in form.children if f.children is not defined %}"
    "{{ forms.render_field(f, f.key, state, errors) }}{% endfor %}"
    "{% for g in form.children if g.children is defined %}"
    "{{ forms.render_group(g, g.key, state, errors, false) }}{% endfor %}</form>"
)


def _through_rendered_html(document: dict[str, Any]) -> dict[str, Any]:
    """Render the editor's inputs for ``document``, read them back as a browser would submit
    them, and map the submission to a document again."""
    from livermdt.web.pages import _environment
    from tests.web_pages.htmlform import form_fields

    html = (
        _environment()
        .from_string(_FORM_ONLY)
        .render(form=case_form(), state=state_from_document(document), errors={})
    )
    return document_from_state(state_from_form(FormData(form_fields(html, "/x"))))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_case_dicts(complete=True))
def test_complete_cases_survive_the_rendered_html_form(document: dict[str, Any]) -> None:
    assert _canonical(_through_rendered_html(document)) == _canonical(document)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_case_dicts())
def test_partial_cases_survive_the_rendered_html_form(document: dict[str, Any]) -> None:
    assert _canonical(_through_rendered_html(document)) == _canonical(document)


def test_checkbox_lists_keep_the_document_order_and_append_new_ticks() -> None:
    document = {
        "schema": "livermdt/case/v1",
        "id": "c-1",
        "liver_metastases": {"lesions": [{"id": "L1", "segments": [8, 7]}]},
    }
    assert _through_rendered_html(document) == document
    state = state_from_document(document)
    state.values["liver_metastases.lesions[0].segments"] = ["5", "7", "8"]  # 5 newly ticked
    pairs = [(k, v) for k, v in _form_data(state).multi_items()]
    lesion = document_from_state(state_from_form(FormData(pairs)))["liver_metastases"]
    assert lesion["lesions"][0]["segments"] == [8, 7, 5]


def test_compacting_blank_rows_aligns_form_rows_with_document_items() -> None:
    from livermdt.web.pages_form import compact_rows

    state = state_from_form(
        FormData(
            [
                ("_rows:treatments", "3"),
                ("treatments[0].type", ""),
                ("treatments[1].type", "chemotherapy"),
                ("treatments[1].cycles", "200"),
                ("treatments[2].type", ""),
                ("_rows:restaging", "1"),
                ("restaging[0].date", "2025-01-01"),
                ("_rows:restaging[0].lesions", "2"),
                ("restaging[0].lesions[0].id", ""),
                ("restaging[0].lesions[1].id", "L1"),
            ]
        )
    )
    compact_rows(state)
    assert state.rows["treatments"] == 1 and state.rows["restaging[0].lesions"] == 1
    assert state.value("treatments[0].type") == "chemotherapy"
    assert state.value("restaging[0].lesions[0].id") == "L1"
    # The document's item 0 is now the form's row 0: its problem lands on the visible row.
    placed = problems_by_path(["treatments[0].cycles: must be <= 100 (got 200)"], state)
    assert "treatments[0].cycles" in placed
