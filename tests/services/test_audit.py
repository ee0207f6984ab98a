"""The audit service: views and exports by whom, filters, admins only, ids and versions only."""

from __future__ import annotations

import pytest

from livermdt.errors import PermissionDeniedError
from livermdt.services import Services
from livermdt.services.roles import Role
from tests.services.cases_data import demo_document
from tests.storage.dbfixtures import make_user


def test_views_and_exports_are_recorded_and_filterable(services: Services) -> None:
    surgeon = make_user(services, Role.SURGEON)
    researcher = make_user(services, Role.RESEARCHER)
    admin = make_user(services, Role.ADMIN)
    case = services.cases.create_case(demo_document(1), surgeon, patient_name="Pat Secret")
    services.audit.record_view(researcher, "case", case.id)
    services.audit.record_export(surgeon, "case", case.id, "decision-summary.pdf")
    with pytest.raises(PermissionDeniedError):
        services.audit.record_export(researcher, "case", case.id, "decision-summary.pdf")
    exports = services.audit.audit_log(admin, action="export")
    assert [(e.username, e.object_id, e.detail) for e in exports] == [
        (surgeon.username, case.id, "decision-summary.pdf")
    ]
    by_researcher = services.audit.audit_log(admin, username=researcher.username)
    assert [(e.action, e.object_type) for e in by_researcher] == [("view", "case")]
    newest_first = services.audit.audit_log(admin, object_id=case.id)
    assert [e.action for e in newest_first] == ["export", "view", "create"]
    assert [e.action for e in services.audit.audit_log(admin, object_id=case.id, limit=1)] == [
        "export"
    ]
    assert [e.action for e in services.audit.audit_log(admin, object_id=case.id, offset=2)] == [
        "create"
    ]
    for e in newest_first:
        assert "Secret" not in f"{e.detail} {e.object_id}"
