"""Meetings, attendees by specialty, case lists and decisions (deviation needs a reason)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from livermdt.errors import ConflictError, InvalidInputError, PermissionDeniedError
from livermdt.services import AttendeeRecord, Services
from livermdt.services.roles import Role
from livermdt.storage.models import Decision
from tests.services.cases_data import demo_document, edited
from tests.storage.dbfixtures import make_user

MDT_DAY = date(2025, 9, 15)


def test_meeting_with_attendees_and_case_list(services: Services) -> None:
    coord = make_user(services, Role.COORDINATOR)
    meeting = services.meetings.create_meeting(
        MDT_DAY,
        "Liver MDT",
        coord,
        [AttendeeRecord("Dr A", "hepatobiliary_surgery"), AttendeeRecord("Dr B", "radiology")],
    )
    assert [(a.name, a.specialty) for a in meeting.attendees] == [
        ("Dr A", "hepatobiliary_surgery"),
        ("Dr B", "radiology"),
    ]
    c1 = services.cases.create_case(demo_document(1), coord)
    c2 = services.cases.create_case(demo_document(2), coord)
    services.meetings.add_case_to_meeting(meeting.id, c2.id, coord)
    updated = services.meetings.add_case_to_meeting(meeting.id, c1.id, coord)
    assert updated.case_ids == [c2.id, c1.id]
    with pytest.raises(ConflictError):
        services.meetings.add_case_to_meeting(meeting.id, c1.id, coord)
    other = services.meetings.create_meeting(
        date(2025, 9, 22), "Next week", coord, [AttendeeRecord("Dr C", "pathology")]
    )
    services.meetings.add_case_to_meeting(other.id, c1.id, coord)
    listed = {m.id: m for m in services.meetings.list_meetings()}
    assert [m.id for m in services.meetings.list_meetings()] == [other.id, meeting.id]
    assert listed[meeting.id].case_ids == [c2.id, c1.id]
    assert [a.name for a in listed[meeting.id].attendees] == ["Dr A", "Dr B"]
    assert listed[other.id].case_ids == [c1.id]
    assert [a.specialty for a in listed[other.id].attendees] == ["pathology"]
    # The meetings of one case, newest first, with their whole lists and attendees.
    assert [m.id for m in services.meetings.meetings_for_case(c1.id)] == [other.id, meeting.id]
    assert [m.id for m in services.meetings.meetings_for_case(c2.id)] == [meeting.id]
    assert services.meetings.meetings_for_case(c2.id)[0] == listed[meeting.id]
    assert services.meetings.meetings_for_case("NO-SUCH-CASE") == []
    entries = services.meetings.meeting_cases(meeting.id)
    assert [(e.position, e.case.id, e.decision) for e in entries] == [
        (1, c2.id, None),
        (2, c1.id, None),
    ]


def test_meeting_validation_and_roles(services: Services) -> None:
    coord = make_user(services, Role.COORDINATOR)
    researcher = make_user(services, Role.RESEARCHER)
    with pytest.raises(InvalidInputError) as info:
        services.meetings.create_meeting(MDT_DAY, "", coord, [AttendeeRecord("Dr A", "astrology")])
    assert [p.split(":")[0] for p in info.value.problems] == ["title", "attendees[0].specialty"]
    with pytest.raises(PermissionDeniedError):
        services.meetings.create_meeting(MDT_DAY, "Liver MDT", researcher)
    assert services.meetings.list_meetings() == []


def test_next_meeting_below_at_and_above_its_date(services: Services) -> None:
    coord = make_user(services, Role.COORDINATOR)
    first = services.meetings.create_meeting(MDT_DAY, "first", coord)
    second = services.meetings.create_meeting(date(2025, 9, 22), "second", coord)
    next_at = services.meetings.next_meeting
    assert next_at(date(2025, 9, 14)) == first
    assert next_at(MDT_DAY) == first
    assert next_at(date(2025, 9, 16)) == second
    assert next_at(date(2025, 9, 23)) is None


def test_decision_that_deviates_needs_a_reason(services: Services, engine: Engine) -> None:
    surgeon = make_user(services, Role.SURGEON)
    admin = make_user(services, Role.ADMIN)
    meeting = services.meetings.create_meeting(MDT_DAY, "Liver MDT", surgeon)
    case = services.cases.create_case(demo_document(1), surgeon)
    services.meetings.add_case_to_meeting(meeting.id, case.id, surgeon)
    for reason in (None, "", "   "):
        with pytest.raises(InvalidInputError) as info:
            services.meetings.record_decision(
                meeting.id, case.id, ["palliative_systemic_therapy"], "", False, reason, surgeon
            )
        assert info.value.problems[0].startswith("deviation_reason:")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Decision)).scalar_one() == 0

    decision = services.meetings.record_decision(
        meeting.id,
        case.id,
        ["palliative_systemic_therapy"],
        "Chemotherapy first",
        False,
        "patient prefers to defer surgery",
        surgeon,
    )
    assessment = services.assessments.get_assessment(case.id)
    assert decision.assessment_id == assessment.id and decision.case_version == 1
    assert decision.deviation_reason == "patient prefers to defer surgery"
    assert decision.recorded_by == surgeon.username
    follows = services.meetings.record_decision(
        meeting.id, case.id, assessment.recommendation_codes[:1], "", True, None, surgeon
    )
    assert follows.follows_proposal and follows.deviation_reason is None
    assert [d.id for d in services.meetings.decisions_for_case(case.id)] == [
        decision.id,
        follows.id,
    ]
    [entry] = services.meetings.meeting_cases(meeting.id)
    assert entry.decision == follows
    assert services.audit.audit_log(admin, action="decide")[0].object_id == case.id


def test_decision_rules(services: Services) -> None:
    surgeon = make_user(services, Role.SURGEON)
    researcher = make_user(services, Role.RESEARCHER)
    meeting = services.meetings.create_meeting(MDT_DAY, "Liver MDT", surgeon)
    case = services.cases.create_case(demo_document(1), surgeon)
    with pytest.raises(InvalidInputError) as info:  # not on the meeting's list
        services.meetings.record_decision(
            meeting.id, case.id, ["surveillance"], "", True, None, surgeon
        )
    assert info.value.problems[0].startswith("case_id:")
    services.meetings.add_case_to_meeting(meeting.id, case.id, surgeon)
    with pytest.raises(InvalidInputError) as unknown:
        services.meetings.record_decision(
            meeting.id, case.id, ["surveillance", "resect it all"], "", True, None, surgeon
        )
    assert unknown.value.problems == [
        "codes[1]: not a recommendation code of assessment-v1 (got 'resect it all'); "
        "write other plans in the text"
    ]
    with pytest.raises(InvalidInputError):  # neither codes nor text
        services.meetings.record_decision(meeting.id, case.id, [" "], " ", True, None, surgeon)
    with pytest.raises(PermissionDeniedError):
        services.meetings.record_decision(
            meeting.id, case.id, ["surveillance"], "", True, None, researcher
        )


def test_assessment_is_stored_per_version_with_engine_and_knowledge_versions(
    services: Services,
) -> None:
    surgeon = make_user(services, Role.SURGEON)
    case = services.cases.create_case(demo_document(2), surgeon)
    first = services.assessments.get_assessment(case.id)
    assert first.case_version == 1
    assert first.engine_version and first.knowledge_version
    assert first.result["engine_version"] == first.engine_version
    assert first.result["knowledge_version"] == first.knowledge_version
    assert services.assessments.get_assessment(case.id) == first  # stored, not recomputed
    assert services.assessments.compute_assessment(case.id).record() == first
    services.cases.update_case(case.id, edited(demo_document(2), 50.0), 1, surgeon)
    second = services.assessments.get_assessment(case.id)
    assert second.case_version == 2 and second.id != first.id
    assert services.assessments.get_assessment(case.id, version=1) == first
    assert [a.id for a in services.assessments.assessment_history(case.id)] == [
        first.id,
        second.id,
    ]
    [summary] = services.cases.list_cases()
    assert summary.category == second.category
