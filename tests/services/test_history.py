"""Old proposals stay as they were; many writers at once lose nothing."""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from livermdt.services import Services
from livermdt.services.roles import Role
from livermdt.storage.db import make_sessionmakers
from livermdt.storage.models import AssessmentRow, utcnow
from tests.services.cases_data import demo_document
from tests.storage.dbfixtures import make_user


def test_an_assessment_from_an_older_engine_is_kept_and_shown_as_it_was(
    services: Services, engine: Engine
) -> None:
    surgeon = make_user(services, Role.SURGEON)
    case = services.cases.create_case(demo_document(1), surgeon)
    old_result = {"engine_version": "0.9.0", "knowledge_version": "2024.1", "note": "as it was"}
    _, write = make_sessionmakers(engine)
    with write() as s, s.begin():
        row = AssessmentRow(
            case_id=case.id,
            case_version=1,
            engine_version="0.9.0",
            knowledge_version="2024.1",
            category="resectable",
            result=old_result,
            created_at=utcnow(),
        )
        s.add(row)
        s.flush()
        old_id = row.id
    current = services.assessments.get_assessment(case.id)
    assert current.id != old_id and current.engine_version != "0.9.0"
    old = services.assessments.get_assessment_by_id(old_id)
    assert old.result == old_result and old.engine_version == "0.9.0"
    assert [a.id for a in services.assessments.assessment_history(case.id)] == [old_id, current.id]


def test_many_writers_at_once_lose_nothing(services: Services) -> None:
    users = [make_user(services, Role.SURGEON, f"w{i}") for i in range(6)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(users))

    def write(i: int) -> None:
        try:
            barrier.wait()
            for _ in range(3):
                case = services.cases.create_case(demo_document(1 + i % 6), users[i])
                services.cases.get_case(case.id, viewer=users[i])
        except BaseException as ex:  # collected and asserted below
            errors.append(ex)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(len(users))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert len(services.cases.list_cases()) == 3 * len(users)
