"""Case store: versions, history, optimistic concurrency, one transaction per write, validation
that leaves the store unchanged, roles, audited soft deletion. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import Engine, func, inspect, select

from livermdt.errors import (
    CaseValidationError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from livermdt.services import CaseVersionConflict, Services
from livermdt.services import _base as services_base
from livermdt.services.records import UserInfo
from livermdt.services.roles import Role
from livermdt.storage.models import AuditEntry, CaseRow, CaseVersion, Patient
from tests.services.cases_data import demo_document, edited, invalid_document
from tests.storage.dbfixtures import make_user


def _count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


def test_create_stores_version_one_with_the_canonical_document(services: Services) -> None:
    surgeon = make_user(services, Role.SURGEON)
    doc = demo_document(1)
    record = services.cases.create_case(doc, surgeon, patient_name="Ann Example", mrn="123")
    assert record.version == 1
    assert record.document == doc  # the document round-trips unchanged
    assert record.updated_by == surgeon.username
    assert record.patient.display_name == "Ann Example"
    assert len(record.id) == 32 and "Ann" not in record.id  # opaque id
    assert services.cases.get_case(record.id) == record
    [summary] = services.cases.list_cases()
    assert summary.id == record.id and summary.document_id == doc["id"]
    assert str(summary.discussion_date) == doc["discussion_date"]


def test_every_save_is_a_new_version_and_history_keeps_all(services: Services) -> None:
    user = make_user(services, Role.RADIOLOGIST)
    doc = demo_document(2)
    v1 = services.cases.create_case(doc, user)
    v2 = services.cases.update_case(v1.id, edited(doc, 20.0), 1, user, comment="new CEA")
    v3 = services.cases.update_case(v1.id, edited(doc, 30.0), 2, user)
    assert (v2.version, v3.version) == (2, 3)
    history = services.cases.case_history(v1.id)
    assert [h.version for h in history] == [1, 2, 3]
    assert [h.document["labs"]["cea_ng_ml"] for h in history] == [7.5, 20.0, 30.0]
    assert history[1].comment == "new CEA"
    assert services.cases.get_version(v1.id, 1).document == doc
    assert services.cases.get_case(v1.id).version == 3
    with pytest.raises(NotFoundError):
        services.cases.get_version(v1.id, 4)


def test_second_editor_on_an_old_version_gets_a_conflict_and_nothing_is_lost(
    services: Services,
) -> None:
    alice = make_user(services, Role.SURGEON, "alice")
    bob = make_user(services, Role.ONCOLOGIST, "bob")
    doc = demo_document(1)
    case = services.cases.create_case(doc, alice)
    # Both open version 1; Alice saves first.
    services.cases.update_case(case.id, edited(doc, 11.0), 1, alice)
    with pytest.raises(CaseVersionConflict) as info:
        services.cases.update_case(case.id, edited(doc, 99.0), 1, bob)
    conflict = info.value
    assert conflict.http_status == 409
    assert conflict.base_version == 1 and conflict.current.version == 2
    assert conflict.current.document["labs"]["cea_ng_ml"] == 11.0  # Alice's save
    assert conflict.submitted["labs"]["cea_ng_ml"] == 99.0  # Bob's edit comes back to him
    history = services.cases.case_history(case.id)
    assert [h.document["labs"]["cea_ng_ml"] for h in history] == [7.5, 11.0]
    # Bob re-bases on version 2 and saves.
    services.cases.update_case(case.id, edited(doc, 99.0), 2, bob)
    assert services.cases.get_case(case.id).version == 3


def _race(
    services: Services, case_id: str, doc: dict[str, Any], users: list[UserInfo]
) -> list[str]:
    """Two threads save version 1 of the case at the same moment; their outcomes."""
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []
    lock = threading.Lock()

    def save(i: int) -> None:
        barrier.wait()
        try:
            services.cases.update_case(case_id, edited(doc, 100.0 + i), 1, users[i])
            result = "saved"
        except CaseVersionConflict:
            result = "conflict"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(users))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_concurrent_saves_of_the_same_version_one_wins_one_conflicts(services: Services) -> None:
    users = [make_user(services, Role.SURGEON, f"s{i}") for i in range(2)]
    doc = demo_document(1)
    for r in range(8):
        case = services.cases.create_case(doc, users[0])
        outcomes = _race(services, case.id, doc, users)
        assert sorted(outcomes) == ["conflict", "saved"], f"round {r}: {outcomes}"
        history = services.cases.case_history(case.id)
        assert [h.version for h in history] == [1, 2]
        assert history[1].document["labs"]["cea_ng_ml"] in {100.0, 101.0}


def test_invalid_document_is_rejected_whole_and_writes_nothing(
    services: Services, engine: Engine
) -> None:
    user = make_user(services, Role.SURGEON)
    before = [_count(engine, m) for m in (Patient, CaseRow, CaseVersion, AuditEntry)]
    with pytest.raises(CaseValidationError) as info:
        services.cases.create_case(invalid_document(), user)
    problems = info.value.problems
    assert any(p.startswith("liver_metastases.lesions[0].segments[0]") for p in problems)
    assert any(p.startswith("patient.weight_kg") for p in problems)
    assert any(p.startswith("labs.cea") for p in problems)
    assert [_count(engine, m) for m in (Patient, CaseRow, CaseVersion, AuditEntry)] == before

    case = services.cases.create_case(demo_document(1), user)
    with pytest.raises(CaseValidationError):
        services.cases.update_case(case.id, invalid_document(), 1, user)
    assert services.cases.get_case(case.id).version == 1
    assert len(services.cases.case_history(case.id)) == 1


def test_a_write_failing_half_way_leaves_nothing(
    services: Services, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit row is the last step of create_case; make it fail after the patient, case and
    version rows were added: the transaction must roll all of them back."""
    user = make_user(services, Role.SURGEON)
    before = [_count(engine, m) for m in (Patient, CaseRow, CaseVersion)]

    def broken_audit(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("livermdt.services.cases.add_audit", broken_audit)
    with pytest.raises(RuntimeError):
        services.cases.create_case(demo_document(1), user)
    assert [_count(engine, m) for m in (Patient, CaseRow, CaseVersion)] == before
    assert services.cases.list_cases() == []
    assert services_base.add_audit is not broken_audit  # only the cases module was patched


def test_researcher_cannot_create_or_change(services: Services, engine: Engine) -> None:
    researcher = make_user(services, Role.RESEARCHER)
    surgeon = make_user(services, Role.SURGEON)
    with pytest.raises(PermissionDeniedError):
        services.cases.create_case(demo_document(1), researcher)
    case = services.cases.create_case(demo_document(1), surgeon)
    with pytest.raises(PermissionDeniedError):
        services.cases.update_case(case.id, edited(demo_document(1), 1.0), 1, researcher)
    with pytest.raises(PermissionDeniedError):
        services.cases.update_patient(case.id, researcher, patient_name="x", mrn=None)
    assert services.cases.get_case(case.id).version == 1
    assert _count(engine, CaseRow) == 1


def test_deletion_is_admin_only_needs_a_reason_hides_but_keeps_history(
    services: Services, engine: Engine
) -> None:
    surgeon = make_user(services, Role.SURGEON)
    admin = make_user(services, Role.ADMIN)
    case = services.cases.create_case(demo_document(1), surgeon)
    services.cases.update_case(case.id, edited(demo_document(1), 2.0), 1, surgeon)
    with pytest.raises(PermissionDeniedError):
        services.cases.delete_case(case.id, surgeon, "duplicate")
    with pytest.raises(InvalidInputError):
        services.cases.delete_case(case.id, admin, "   ")
    services.cases.delete_case(case.id, admin, "duplicate entry")
    assert services.cases.list_cases() == []
    with pytest.raises(NotFoundError):
        services.cases.get_case(case.id)
    with pytest.raises(NotFoundError):
        services.cases.update_case(case.id, demo_document(1), 2, surgeon)
    with pytest.raises(NotFoundError):
        services.assessments.assessment_history(case.id)
    assert _count(engine, CaseVersion) == 2  # every version is still in the database
    [entry] = services.audit.audit_log(admin, action="delete")
    assert entry.object_id == case.id and entry.username == admin.username


def test_audit_records_create_change_view_without_patient_data(services: Services) -> None:
    surgeon = make_user(services, Role.SURGEON)
    admin = make_user(services, Role.ADMIN)
    case = services.cases.create_case(
        demo_document(1), surgeon, patient_name="Jane Secretname", mrn="MRN-98765"
    )
    services.cases.update_case(case.id, edited(demo_document(1), 3.0), 1, surgeon)
    services.cases.get_case(case.id, viewer=admin)
    services.cases.update_patient(case.id, surgeon, patient_name="Jane Other", mrn="MRN-1")
    log = services.audit.audit_log(admin, object_id=case.id)
    assert [e.action for e in reversed(log)] == ["create", "change", "view", "change"]
    for entry in log:
        text = f"{entry.object_id} {entry.detail}"
        assert "Secretname" not in text and "98765" not in text and "Jane" not in text
    with pytest.raises(PermissionDeniedError):
        services.audit.audit_log(surgeon)


@pytest.mark.parametrize(
    "hostile",
    [
        "Robert'); DROP TABLE cases;--",
        "<script>alert('x')</script>",
        '" OR 1=1 --',
        "名前 ü ß \\ % _",
    ],
)
def test_free_text_is_stored_verbatim_and_harmless_in_sql(
    services: Services, engine: Engine, hostile: str
) -> None:
    user = make_user(services, Role.COORDINATOR)
    doc = demo_document(1)
    doc["id"] = hostile
    case = services.cases.create_case(
        doc, user, patient_name=hostile, mrn=hostile[:64], comment=hostile
    )
    again = services.cases.get_case(case.id)
    assert again.patient.display_name == hostile.strip()
    assert again.document["id"] == hostile
    assert services.cases.case_history(case.id)[0].comment == hostile.strip()
    assert {"cases", "case_versions", "patients"} <= set(inspect(engine).get_table_names())
    assert len(services.cases.list_cases()) == 1


def test_update_with_identification_is_one_transaction(services: Services) -> None:
    surgeon = make_user(services, Role.SURGEON)
    admin = make_user(services, Role.ADMIN)
    case = services.cases.create_case(demo_document(1), surgeon, patient_name="A", mrn="M-1")
    with pytest.raises(InvalidInputError, match="mrn"):
        services.cases.update_case(
            case.id, edited(demo_document(1), 3.0), 1, surgeon, identification=("B", "M" * 65)
        )
    unchanged = services.cases.get_case(case.id)
    assert unchanged.version == 1
    assert (unchanged.patient.display_name, unchanged.patient.mrn) == ("A", "M-1")
    # The same identification changes nothing and audits nothing beyond the new version.
    services.cases.update_case(
        case.id, edited(demo_document(1), 3.0), 1, surgeon, identification=("A", "M-1")
    )
    saved = services.cases.update_case(
        case.id, edited(demo_document(1), 4.0), 2, surgeon, identification=("B", None)
    )
    assert saved.version == 3
    assert (saved.patient.display_name, saved.patient.mrn) == ("B", None)
    details = [e.detail for e in reversed(services.audit.audit_log(admin, object_id=case.id))]
    assert details == ["version=1", "version=2", "version=3", "patient identification"]
