"""Invariants of registry records and their case documents (property tests)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from livermdt.analytics.casedoc import case_document, record_from_case
from livermdt.analytics.records import (
    FIELDS,
    RegistryRecord,
    days_to_months,
    months_to_days,
    outcome_dates,
)
from livermdt.case.model import Case

# TCIA survival times are whole days / 30 (see docs/registry.md)
tcia_months = st.integers(1, 4000).map(lambda d: d / 30)


@settings(max_examples=100, deadline=None)
@given(months=tcia_months)
def test_tcia_months_round_trip_through_dates_exactly(months: float) -> None:
    assert days_to_months(months_to_days(months, 30.0), 30.0) == months


@st.composite
def records(draw: st.DrawFn) -> RegistryRecord:
    os_days = draw(st.integers(1, 4000))
    dfs_days = draw(st.integers(1, os_days))
    dead = draw(st.booleans())
    recurred = dfs_days < os_days or draw(st.booleans())
    values: dict[str, Any] = dict.fromkeys(FIELDS)
    values.update(
        age_years=draw(st.integers(18, 110)),
        sex=draw(st.sampled_from(["female", "male"])),
        node_positive=draw(st.none() | st.booleans()),
        primary_in_situ=draw(st.none() | st.booleans()),
        cea_ng_ml=draw(st.none() | st.floats(0, 5000)),
        os_months=os_days / 30,
        os_event=dead,
        dfs_months=dfs_days / 30,
        recurrence=recurred,
        dfs_event=recurred or dead,
        liver_recurrence=recurred and draw(st.booleans()),
        lesion_count=draw(st.none() | st.integers(1, 9)),
        largest_diameter_mm=draw(st.none() | st.floats(1, 250)),
    )
    values["liver_dfs_months"] = values["dfs_months"] if values["liver_recurrence"] else None
    if values["primary_in_situ"]:
        values["timing"] = "synchronous"
    return RegistryRecord("P1", "test", 2, values, {"fong_crs": None}, 30.0)


@settings(max_examples=60, deadline=None)
@given(rec=records())
def test_every_record_gives_a_valid_case_whose_outcomes_read_back(rec: RegistryRecord) -> None:
    case = Case.model_validate(case_document(rec))
    back = record_from_case(case.to_json_dict())
    for key in ("age_years", "sex", "node_positive", "cea_ng_ml", "os_event", "recurrence"):
        assert back.values[key] == rec.values[key], key
    dates = outcome_dates(rec)
    days = (dates.last_followup_date - dates.operation_date).days
    assert days_to_months(days, 30.0) == rec.values["os_months"]
    if rec.values["dfs_event"]:
        assert back.values["dfs_event"] is True
    assert back.values["dfs_months"] <= back.values["os_months"]
