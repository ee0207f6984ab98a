"""Registry import through the store (one transaction), the cohort read back, and the decisions
gathered for the concordance measure; on SQLite and PostgreSQL (W's database fixtures)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from livermdt.analytics.concordance import concordance
from livermdt.analytics.records import RegistryRecord
from livermdt.analytics.tcia import import_tcia
from livermdt.errors import ConflictError, ImportDataError, PermissionDeniedError
from livermdt.services import AttendeeRecord, Services
from livermdt.services.registry import RegistryRow, RegistryService
from livermdt.services.roles import Role
from livermdt.storage.models import AuditEntry, CaseRow
from tests.services.cases_data import demo_document
from tests.storage.dbfixtures import database_url, engine, make_user, services

__all__ = ["database_url", "engine", "services"]


@pytest.fixture(scope="module")
def tcia_records(shared_dir: Path) -> list[RegistryRecord]:
    return import_tcia(shared_dir / "data" / "tcia-crlm-clinical" / "clinical-n197.csv")


def _count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


def test_import_then_read_back_exactly(engine: Engine, tcia_records: list[RegistryRecord]) -> None:
    reg = RegistryService(engine)
    subset = tcia_records[:30]
    result = reg.import_records(subset)
    assert result.imported == 30 and len(set(result.case_ids)) == 30
    assert reg.cohort_records() == subset  # recorded scores and exact months survive the store
    assert reg.sources() == {"tcia-crlm": 30}
    assert _count(engine, AuditEntry) == 30


def test_one_bad_document_writes_nothing(
    engine: Engine, tcia_records: list[RegistryRecord]
) -> None:
    reg = RegistryService(engine)
    bad = dataclasses.replace(tcia_records[5], values={**tcia_records[5].values, "age_years": 12})
    with pytest.raises(ImportDataError) as ex:
        reg.import_records([*tcia_records[:5], bad, *tcia_records[6:10]])
    assert ex.value.problems[0].startswith("line 7 (CRLM-CT-1006): patient.age_years")
    assert _count(engine, CaseRow) == 0
    assert reg.cohort_records() == []


def test_importing_the_same_patients_twice_is_refused(
    engine: Engine, tcia_records: list[RegistryRecord]
) -> None:
    reg = RegistryService(engine)
    reg.import_records(tcia_records[:3])
    with pytest.raises(ImportDataError) as ex:
        reg.import_records(tcia_records[2:5])
    assert ex.value.problems == [
        "line 4: patient 'CRLM-CT-1003' of tcia-crlm is already in the store"
    ]
    assert _count(engine, CaseRow) == 3
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(RegistryRow)).scalar_one() == 3


def test_a_concurrent_import_of_the_same_patients_writes_nothing(
    engine: Engine, tcia_records: list[RegistryRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    reg = RegistryService(engine)
    reg.import_records(tcia_records[:2])
    # the other import committed between our check and our write: the check saw nothing
    monkeypatch.setattr(reg, "_existing", lambda sources: set())
    with pytest.raises(ConflictError, match="nothing of this import was written"):
        reg.import_records(tcia_records[1:4])
    assert _count(engine, CaseRow) == 2


def test_researcher_may_not_import(
    services: Services, engine: Engine, tcia_records: list[RegistryRecord]
) -> None:
    researcher = make_user(services, Role.RESEARCHER)
    with pytest.raises(PermissionDeniedError):
        RegistryService(engine).import_records(tcia_records[:1], researcher)


def test_edited_case_is_read_from_its_document_keeping_the_recorded_score(
    services: Services,
    engine: Engine,
    tcia_records: list[RegistryRecord],
) -> None:
    reg = RegistryService(engine)
    case_id = reg.import_records(tcia_records[:1]).case_ids[0]
    surgeon = make_user(services, Role.SURGEON)
    current = services.cases.get_case(case_id)
    doc = {**current.document, "labs": {"cea_ng_ml": 300.0}}
    services.cases.update_case(case_id, doc, current.version, surgeon)
    (rec,) = reg.cohort_records()
    assert rec.values["cea_ng_ml"] == 300.0
    assert rec.recorded_scores == {"fong_crs": 1}
    # months come from the document's dates, in the registry's 30-day months: unchanged
    assert rec.values["os_months"] == pytest.approx(117.4, abs=1e-9)
    assert rec.values["body_mass_index_kg_m2"] == 21.9  # kept: case-v1 has no BMI


def test_native_cases_join_the_cohort_and_decisions_feed_concordance(
    services: Services, engine: Engine
) -> None:
    coord = make_user(services, Role.COORDINATOR)
    surgeon = make_user(services, Role.SURGEON)
    c1 = services.cases.create_case(demo_document(1), coord)
    c2 = services.cases.create_case(demo_document(2), coord)
    meeting = services.meetings.create_meeting(
        date(2025, 9, 15), "Liver MDT", coord, [AttendeeRecord("Dr A", "hepatobiliary_surgery")]
    )
    for c in (c1, c2):
        services.meetings.add_case_to_meeting(meeting.id, c.id, coord)
    a1 = services.assessments.get_assessment(c1.id)
    services.meetings.record_decision(
        meeting.id, c1.id, a1.recommendation_codes, "as proposed", True, None, surgeon
    )
    services.meetings.record_decision(
        meeting.id, c2.id, ["surveillance"], "watch", False, "patient preference", surgeon
    )
    reg = RegistryService(engine)
    cohort = {r.patient_id: r for r in reg.cohort_records()}
    assert set(cohort) == {demo_document(1)["id"], demo_document(2)["id"]}
    # resectability at presentation is the engine's category of the first version
    first = cohort[demo_document(1)["id"]].values["resectability_at_presentation"]
    assert first == (a1.category if a1.category != "undetermined" else None)
    entries = reg.decision_entries()
    assert len(entries) == 2
    res = concordance(entries)
    assert (res.overall.decisions, res.overall.following) == (2, 1)
    assert res.reasons == {"patient preference": 1}
    a2 = services.assessments.get_assessment(c2.id)
    assert {e.category for e in entries} == {a1.category, a2.category}
