"""What the services return: plain frozen dataclasses, detached from the database session, so
routes and templates can read them without touching SQLAlchemy."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from livermdt.services.roles import Permission, Role, permissions_of


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    role: Role
    active: bool = True

    def can(self, permission: Permission) -> bool:
        return self.active and permission in permissions_of(self.role)

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.role) if self.active else frozenset()


@dataclass(frozen=True)
class UserAccount:
    """A user as the admin's user list shows it (``UserInfo`` is who is asking; this adds when
    the account was made). Never the password hash."""

    id: int
    username: str
    role: Role
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class PatientInfo:
    """Identifying data: shown on authenticated pages only, never in URLs, logs or the audit."""

    id: str
    display_name: str | None
    mrn: str | None
    synthetic: bool


@dataclass(frozen=True)
class CaseRecord:
    id: str
    version: int
    document: dict[str, Any]
    updated_by: str | None
    updated_at: datetime
    created_at: datetime
    patient: PatientInfo


@dataclass(frozen=True)
class CaseSummary:
    id: str
    version: int
    document_id: str | None
    discussion_date: date | None
    patient: PatientInfo
    updated_by: str | None
    updated_at: datetime
    #: From the stored assessment of the current version by the current engine, if there is one.
    category: str | None = None
    missing_count: int | None = None


@dataclass(frozen=True)
class CaseVersionRecord:
    case_id: str
    version: int
    document: dict[str, Any]
    created_by: str | None
    created_at: datetime
    comment: str | None


@dataclass(frozen=True)
class AssessmentFacts:
    """What is kept beside an assessment's JSON: the case version, engine and knowledge that
    made it, its category, and when it was stored."""

    id: int
    case_id: str
    case_version: int
    engine_version: str
    knowledge_version: str
    category: str | None
    created_at: datetime

    def facts(self) -> dict[str, Any]:
        """These fields by name (for building an answer or another record from them)."""
        return {f.name: getattr(self, f.name) for f in fields(AssessmentFacts)}


@dataclass(frozen=True)
class AssessmentRecord(AssessmentFacts):
    """A stored assessment with its assessment-v1 JSON parsed."""

    result: dict[str, Any]

    @property
    def recommendation_codes(self) -> list[str]:
        recs = self.result.get("recommendations") or []
        return [str(r.get("code")) for r in recs if isinstance(r, dict) and r.get("code")]


@dataclass(frozen=True)
class AssessmentJson(AssessmentFacts):
    """An assessment computed now, as the API sends it: the facts of the stored row it matches
    (or was stored as) and the assessment-v1 JSON text, serialised once by the engine's model."""

    result_json: str

    def record(self) -> AssessmentRecord:
        """The same assessment with its JSON parsed (what the stored row holds)."""
        return AssessmentRecord(**self.facts(), result=json.loads(self.result_json))


@dataclass(frozen=True)
class AttendeeRecord:
    name: str
    specialty: str
    user_id: int | None = None


@dataclass(frozen=True)
class MeetingRecord:
    id: str
    meeting_date: date
    title: str
    attendees: list[AttendeeRecord] = field(default_factory=list)
    case_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DecisionRecord:
    id: int
    meeting_id: str
    case_id: str
    case_version: int
    assessment_id: int | None
    codes: list[str]
    text: str
    follows_proposal: bool
    deviation_reason: str | None
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class MeetingCaseEntry:
    """One line of a meeting's case list: the case, its latest decision at this meeting."""

    position: int
    case: CaseSummary
    decision: DecisionRecord | None


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    username: str | None
    action: str
    object_type: str
    object_id: str | None
    detail: str | None
