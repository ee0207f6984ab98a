"""The API's hot path: ``compute_assessment`` runs the engine, answers with the JSON text it
serialised once, stores only what is not stored yet, and audits the view."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, func, select

from livermdt.errors import NotFoundError, PermissionDeniedError
from livermdt.services import Services
from livermdt.services.records import UserInfo
from livermdt.services.roles import Role
from livermdt.storage.models import AssessmentRow, AuditEntry
from tests.services.cases_data import demo_document, edited
from tests.storage.dbfixtures import make_user


def _views(engine: Engine, case_id: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.count()).where(
                    AuditEntry.action == "view",
                    AuditEntry.object_type == "assessment",
                    AuditEntry.object_id == case_id,
                )
            )
            or 0
        )


def _stored(engine: Engine, case_id: str) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).where(AssessmentRow.case_id == case_id)) or 0)


@pytest.mark.parametrize("number", [1, 2, 4, 6])
def test_computed_json_is_the_stored_assessment(
    services: Services, engine: Engine, number: int
) -> None:
    surgeon = make_user(services, Role.SURGEON)
    case = services.cases.create_case(demo_document(number), surgeon)
    first = services.assessments.compute_assessment(case.id, viewer=surgeon)  # stores it
    assert _stored(engine, case.id) == 1
    stored = services.assessments.get_assessment(case.id)
    assert json.loads(first.result_json) == stored.result
    assert first.record() == stored
    again = services.assessments.compute_assessment(case.id, viewer=surgeon)  # stores nothing
    assert _stored(engine, case.id) == 1
    assert again == first
    assert _views(engine, case.id) == 2


def test_compute_a_named_version_and_the_newest(services: Services) -> None:
    surgeon = make_user(services, Role.SURGEON)
    case = services.cases.create_case(demo_document(2), surgeon)
    services.cases.update_case(case.id, edited(demo_document(2), 50.0), 1, surgeon)
    v1 = services.assessments.compute_assessment(case.id, 1)
    newest = services.assessments.compute_assessment(case.id)
    assert (v1.case_version, newest.case_version) == (1, 2)
    assert v1.record() == services.assessments.get_assessment(case.id, 1)
    assert newest.record() == services.assessments.get_assessment(case.id)
    with pytest.raises(NotFoundError, match="version 7"):
        services.assessments.compute_assessment(case.id, 7)
    with pytest.raises(NotFoundError):
        services.assessments.compute_assessment("NO-SUCH-CASE")


def test_compute_refuses_an_inactive_viewer_and_writes_nothing(
    services: Services, engine: Engine
) -> None:
    surgeon = make_user(services, Role.SURGEON)
    case = services.cases.create_case(demo_document(1), surgeon)
    gone = UserInfo(id=surgeon.id, username=surgeon.username, role=Role.SURGEON, active=False)
    with pytest.raises(PermissionDeniedError):
        services.assessments.compute_assessment(case.id, viewer=gone)
    assert _stored(engine, case.id) == 0
    assert _views(engine, case.id) == 0
